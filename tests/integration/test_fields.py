#!/usr/bin/env python3
"""Field, expert-info and loading tests of the plugin in the real tshark.

Every test runs /usr/bin/tshark through scripts/tshark-with-plugin.sh, which
loads the plugin from the build tree (as "nobody" when run as root, since
root's tshark ignores personal plugins).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
REPLICAS = os.path.join(ROOT, "test_captures", "replicas")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from check_expected import read_expected  # noqa: E402
import tshark_runs  # noqa: E402


def tshark(*args, check=True):
    r = subprocess.run([TSHARK, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"tshark {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def fields(capture, *names, two_pass=False, display_filter=None):
    args = ["-r", capture, "-n", "-T", "fields", "-E", "separator=|"]
    if two_pass:
        args.append("-2")
    if display_filter:
        args += ["-Y", display_filter]
    for n in names:
        args += ["-e", n]
    return split_fields(tshark(*args).stdout)


def split_fields(out):
    """Rows of `-T fields -E separator=|` output. tshark 4.2 and later print
    boolean fields as True/False, 4.0 as 1/0: the tests read 1/0, in each
    occurrence of a field that occurs more than once ("True,1")."""
    as_40 = {"True": "1", "False": "0"}
    return [[",".join(as_40.get(x, x) for x in v.split(",")) for v in line.split("|")] for line in out.splitlines()]


def cap(name):
    return os.path.join(REPLICAS, name + ".pcapng")


def replicas():
    return sorted(glob.glob(os.path.join(REPLICAS, "*.pcapng")))


def frames(capture, mode):
    """{frame number: {field: occurrences}} of a shared tshark run (tests/tshark_runs.py): "one" and
    "two" hold the frames with a verdict, "bare" every frame"""
    return {int(row["frame.number"][0]): row for row in tshark_runs.field_rows(tshark_runs.run(capture, mode))}


def tcp_flags(row):
    return int(row["tcp.flags"][0], 16) if row["tcp.flags"] and "icmp" not in row["frame.protocols"][0] else 0


def is_syn(row):
    return tcp_flags(row) & 0x12 == 0x02


def is_synack(row):
    return tcp_flags(row) & 0x12 == 0x12


class Loading(unittest.TestCase):
    def test_listed_by_tshark_G_plugins(self):
        out = tshark("-G", "plugins").stdout
        self.assertRegex(out, r"middlebox\.so\s+\S+\s+dissector")

    def test_fields_registered(self):
        out = tshark("-G", "fields").stdout
        names = {line.split("\t")[2] for line in out.splitlines() if line.startswith("F\t")}
        for f in ["middlebox.verdict", "middlebox.syn_frame", "middlebox.synack_frame", "middlebox.echo.mp_capable",
                  "middlebox.echo.unknown", "middlebox.echo.all_options", "middlebox.echo.kind",
                  "middlebox.mptcp.syn_key", "middlebox.mptcp.synack_key", "middlebox.mptcp.syn_version",
                  "middlebox.hops", "middlebox.hop_mismatch", "middlebox.diff", "middlebox.copy.first_frame",
                  "middlebox.copy.ttl_delta", "middlebox.copy.diff", "middlebox.copy.changed",
                  "middlebox.rewritten_on_path", "middlebox.distance", "middlebox.ipid_returned"]:
            self.assertIn(f, names)

    def test_protocol_named_middlebox(self):
        out = tshark("-G", "protocols").stdout
        self.assertIn("\tMiddlebox\tmiddlebox", out)


class EchoFilter(unittest.TestCase):
    """Over every replica, from the tshark runs the tests share (tests/tshark_runs.py)."""

    def test_mptcp_echo_filter_finds_exactly_the_echoed_synacks(self):
        # Single pass: only SYN+ACKs carry a verdict, so the filter must return
        # exactly the SYN+ACKs whose expected verdict is mptcp-echo.
        for path in replicas():
            expected = read_expected(path[: -len(".pcapng")] + ".expected.tsv")
            synacks = {frame for frame, row in frames(path, "bare").items() if is_synack(row)}
            want = {f for f, (v, _) in expected.items() if v == "mptcp-echo" and f in synacks}
            got = {frame for frame, row in frames(path, "one").items() if "mptcp-echo" in row["middlebox.verdict"]}
            self.assertEqual(got, want, os.path.basename(path))
            if want:  # the filter itself, typed as a user would
                filtered = fields(path, "frame.number", display_filter='middlebox.verdict == "mptcp-echo"')
                self.assertEqual({int(r[0]) for r in filtered}, want, os.path.basename(path))

    def test_single_and_two_pass_agree_on_synacks(self):
        for path in replicas():
            one = {f: row["middlebox.verdict"] for f, row in frames(path, "one").items()}
            two = {f: row["middlebox.verdict"] for f, row in frames(path, "two").items()}
            for frame, verdict in one.items():
                self.assertEqual(two.get(frame), verdict, f"{os.path.basename(path)} frame {frame}")
            # Single pass never guesses a SYN's verdict.
            syns = {f for f, row in frames(path, "bare").items() if is_syn(row)}
            self.assertFalse(syns & set(one), os.path.basename(path))


class EchoEvidenceFields(unittest.TestCase):
    def test_v0_echo_names_key_and_syn_frame(self):
        rows = fields(cap("v0-echo"), "frame.number", "middlebox.echo.mp_capable", "middlebox.echo.kind",
                      "middlebox.mptcp.syn_key", "middlebox.mptcp.synack_key", "middlebox.syn_frame",
                      "_ws.expert.message", display_filter="middlebox.verdict")
        self.assertEqual(len(rows), 1)
        frame, mpc, kinds, syn_key, synack_key, syn_frame, expert = rows[0]
        self.assertEqual(frame, "2")
        self.assertEqual(mpc, "1")
        self.assertEqual(kinds, "30")
        self.assertEqual(syn_key, synack_key)
        self.assertEqual(syn_frame, "1")
        self.assertIn("MP_CAPABLE echoed: key 0x3a5b1c9d00000000 is the SYN's (frame 1)", expert)

    def test_expert_warning_in_z_expert(self):
        out = tshark("-r", cap("v1-echo"), "-q", "-z", "expert,warn").stdout
        self.assertRegex(out, r"Protocol\s+Middlebox\s+MP_CAPABLE echoed: the keyless v1 form of the SYN \(frame 1\)")

    def test_genuine_v0_keys_differ_and_note(self):
        rows = fields(cap("v0-genuine"), "middlebox.verdict", "middlebox.mptcp.syn_key", "middlebox.mptcp.synack_key",
                      "middlebox.echo.mp_capable", "middlebox.diff", "_ws.expert.severity",
                      display_filter="middlebox.verdict")
        verdict, k1, k2, echo, diff, severity = rows[0]
        self.assertEqual(verdict, "mptcp-genuine")
        self.assertEqual(k1, "0x099c0a4f00000000")
        self.assertEqual(k2, "0xf865767000000000")
        self.assertEqual(echo, "")  # booleans only when true
        self.assertIn("+MSS 1380", diff)
        self.assertIn("~MP_CAPABLE", diff)

    def test_kind222_echoed_by_one_server_dropped_by_other(self):
        rows = fields(cap("kind222"), "frame.number", "middlebox.verdict", "middlebox.echo.unknown",
                      "middlebox.echo.kind", "middlebox.diff", display_filter="middlebox.verdict")
        by_verdict = {r[1]: r for r in rows}
        echo = by_verdict["option-echo"]
        self.assertEqual(echo[2], "1")
        self.assertEqual(echo[3], "222")
        self.assertIn("=KIND222 f989", echo[4])
        plain = by_verdict["plain"]
        self.assertEqual(plain[2], "")
        self.assertIn("-KIND222", plain[4])
        self.assertIn("+MSS 1380", plain[4])

    def test_echo_fields_only_on_synacks(self):
        rows = fields(cap("kind222"), "frame.number", "tcp.flags.ack", two_pass=True, display_filter="middlebox.echo.unknown")
        self.assertEqual([r[1] for r in rows], ["1"])

    def test_two_pass_without_any_filter_gives_syn_verdicts(self):
        # No -Y/-R: tshark's first pass builds no tree; the plugin reads the
        # frame's bytes, so the SYN still gets its verdict in the second pass.
        rows = fields(cap("v0-echo"), "frame.number", "middlebox.verdict", "middlebox.synack_frame", two_pass=True)
        self.assertEqual(rows[0], ["1", "mptcp-echo", "2"])

    def test_two_pass_links_syn_forward(self):
        rows = fields(cap("v0-echo"), "frame.number", "middlebox.verdict", "middlebox.synack_frame", two_pass=True,
                      display_filter="tcp.flags.ack==0")
        self.assertEqual(rows, [["1", "mptcp-echo", "2"]])

    # tshark skips the analysis when nothing in the run reads it (a loaded but
    # unused plugin then costs one call per packet). Every way of reading it
    # must still get it, single pass and -2 alike.
    def test_two_pass_read_filter_without_middlebox_still_links_syn_forward(self):
        # The first pass's tree (for -R) does not reference middlebox; the
        # second pass's -e does: the first pass must analyse anyway.
        r = tshark("-r", cap("v0-echo"), "-2", "-R", "tcp", "-T", "fields", "-E", "separator=|",
                   "-e", "frame.number", "-e", "middlebox.verdict", "-e", "middlebox.synack_frame")
        self.assertEqual(r.stdout.splitlines()[0], "1|mptcp-echo|2")

    def test_expert_field_alone_gets_expert_info(self):
        rows = fields(cap("v0-echo"), "frame.number", "_ws.expert.message")
        self.assertTrue(any("MP_CAPABLE echoed" in r[1] for r in rows), rows)

    def test_custom_column_gets_verdict(self):
        out = tshark("-r", cap("v0-echo"), "-n", "-o", 'gui.column.format:"No.","%m","Verdict","%Cus:middlebox.verdict"').stdout
        self.assertRegex(out.splitlines()[1], r"^\s*2\s+mptcp-echo")

    def test_io_stat_filter_on_middlebox_field(self):
        out = tshark("-r", cap("v0-echo"), "-q", "-z", 'io,stat,0,middlebox.verdict=="mptcp-echo"').stdout
        # One pass: the SYN+ACK (the SYN's verdict needs -2).
        self.assertRegex(out, r"\|\s+1\s+\|\s+66\s+\|")

    def test_verbose_tree_shows_middlebox(self):
        out = tshark("-r", cap("v0-echo"), "-V").stdout
        self.assertIn("Middlebox", out)
        self.assertIn("mptcp-echo", out)

    def test_truncated_and_malformed_get_expert_not_verdict(self):
        rows = fields(cap("truncated"), "frame.number", "middlebox.verdict", "middlebox.options_status",
                      "_ws.expert.message", display_filter="tcp.flags.ack==1 && tcp.flags.syn==1")
        self.assertEqual(rows[0][1], "truncated")
        self.assertEqual(rows[0][2], "truncated")
        self.assertIn("cut by the capture", rows[0][3])
        self.assertEqual(rows[1][1], "truncated")
        self.assertEqual(rows[1][2], "malformed")
        self.assertIn("Invalid TCP option length", rows[1][3])

    def test_expert_in_second_pass_without_tree(self):
        out = tshark("-r", cap("v0-echo"), "-2", "-q", "-z", "expert,warn").stdout
        self.assertIn("MP_CAPABLE echoed: key 0x3a5b1c9d00000000", out)

    def test_two_pass_read_filter_renumbering_keeps_verdicts_honest(self):
        # -2 -R renumbers the kept frames; links to dropped frames vanish,
        # verdicts (decided on all traffic) stay those of the full capture.
        full = fields(cap("pairing-edge"), "frame.number", "middlebox.verdict", "tcp.seq_raw", "tcp.flags",
                      two_pass=True, display_filter="tcp.flags.syn==1 && !icmp && !icmpv6")
        r = tshark("-r", cap("pairing-edge"), "-2", "-R", "tcp.flags.syn==1 && !icmp && !icmpv6", "-T", "fields",
                   "-E", "separator=|", "-e", "frame.number", "-e", "middlebox.verdict", "-e", "tcp.seq_raw",
                   "-e", "tcp.flags", "-e", "middlebox.syn_frame", "-e", "middlebox.synack_frame")
        kept = [line.split("|") for line in r.stdout.splitlines()]
        self.assertEqual([k[1:4] for k in kept], [f[1:4] for f in full])
        for row in kept:
            for link in row[4:6]:
                if link:
                    target = kept[int(link) - 1]
                    self.assertEqual(target[0], link)

    def test_icmp_quotes_get_no_verdict(self):
        rows = fields(cap("pairing-edge"), "frame.number", "middlebox.verdict", two_pass=True,
                      display_filter="icmp || icmpv6")
        self.assertTrue(rows)
        for frame, verdict in rows:
            self.assertEqual(verdict, "", f"ICMP frame {frame}")


class Robustness(unittest.TestCase):
    def test_corrupted_captures_do_not_crash(self):
        # Each seed's corrupted replicas one after another in one file (mergecap -a): one tshark
        # start per seed, and every replica's frames still dissected with every detail.
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o755)
            for seed in (1, 2, 3):
                variants = []
                for path in sorted(glob.glob(os.path.join(REPLICAS, "*.pcapng"))):
                    variants.append(os.path.join(d, f"{seed}-{os.path.basename(path)}"))
                    subprocess.run(["editcap", "-E", "0.05", "--seed", str(seed), path, variants[-1]], check=True,
                                   capture_output=True)
                out = os.path.join(d, f"seed-{seed}.pcapng")
                subprocess.run(["mergecap", "-a", "-w", out] + variants, check=True, capture_output=True)
                os.chmod(out, 0o644)
                r = tshark("-r", out, "-2", "-V", check=False)
                self.assertEqual(r.returncode, 0, f"{out}: {r.stderr[-500:]}")
                self.assertNotIn("Dissector bug", r.stdout)
                self.assertEqual(len(re.findall(r"^Frame \d+: ", r.stdout, re.M)), int(subprocess.run(
                    ["capinfos", "-c", "-M", "-T", "-r", out], capture_output=True, text=True).stdout.split()[-1]),
                    f"{out}: not every frame was dissected")



class TraceboxQuotes(unittest.TestCase):
    """ICMP time-exceeded quotes read hop by hop, as tracebox does live."""

    def test_read_filter_dropping_the_syns_keeps_the_comparison_without_a_link(self):
        # tshark -2 -R icmp: the probes are analysed but not in the output.
        path = os.path.join(ROOT, "test_captures", "lab", "tracebox-v4.pcapng")
        r = tshark("-r", path, "-2", "-R", "icmp", "-T", "fields", "-E", "separator=|", "-e", "frame.number",
                   "-e", "middlebox.quote.syn_frame", "-e", "middlebox.quote.stripped", "-e", "_ws.expert.message")
        rows = split_fields(r.stdout)
        self.assertTrue(rows)
        self.assertTrue(all(row[1] == "" for row in rows), rows)  # no link to a frame not in the output
        stripped = [row for row in rows if row[2] == "1"]
        self.assertEqual(len(stripped), 1, rows)
        self.assertIn("received the SYN without an option", stripped[0][3])
        self.assertNotIn("frame 0", r.stdout)

    def test_partial_quotes_are_never_deletions(self):
        # RFC 792's 8 bytes, a header quoted without its options and zero-padded (RFC 4884),
        # and a whole quote followed by an MPLS extension (RFC 4950).
        rows = fields(cap("partial-quotes"), "frame.number", "middlebox.quote.syn_frame", "middlebox.quote.stripped",
                      "middlebox.quote.changed", "middlebox.quote.diff", two_pass=True, display_filter="icmp")
        self.assertEqual(len(rows), 3)
        for frame, syn, stripped, changed, diff in rows:
            self.assertTrue(syn, frame)
            self.assertEqual((stripped, changed), ("", ""), frame)
        self.assertEqual([r[4] for r in rows][:2], ["", ""])  # nothing to compare: no options quoted
        self.assertIn("=MP_CAPABLE v0 key 0x0102030405060708", rows[2][4])  # read up to the quoted packet
        warn = tshark("-r", cap("partial-quotes"), "-2", "-q", "-z", "expert,warn").stdout
        self.assertNotIn("without an option", warn)

    def test_stripping_hop_is_named(self):
        path = os.path.join(ROOT, "test_captures", "lab", "tracebox-v4.pcapng")
        rows = fields(path, "frame.number", "ip.src", "middlebox.quote.syn_frame", "middlebox.quote.stripped",
                      "middlebox.quote.diff", "middlebox.verdict", display_filter="icmp")
        self.assertTrue(rows)
        stripped = [r for r in rows if r[3] == "1"]
        # Only the hop after the TCPOPTSTRIP box lacks MP_CAPABLE; the kind-222 probe is untouched.
        self.assertEqual(len(stripped), 1, rows)
        self.assertIn("-MP_CAPABLE", stripped[0][4])
        for r in rows:
            self.assertNotEqual(r[2], "", f"frame {r[0]} not linked to its SYN")
            self.assertEqual(r[5], "", f"frame {r[0]}: a quote never gets a verdict")
        out = tshark("-r", path, "-q", "-z", "expert,warn").stdout
        self.assertIn("without an option it was sent with", out)


def lab(name):
    return os.path.join(ROOT, "test_captures", "lab", name + ".pcapng")


class Copies(unittest.TestCase):
    """One segment seen at several points of its path."""

    def test_a_copy_is_not_a_retransmission(self):
        rows = fields(lab("router-copies"), "frame.number", "middlebox.copy.first_frame", "middlebox.syn_retransmission",
                      "middlebox.synack_retransmission", two_pass=True, display_filter="middlebox.copy.first_frame")
        self.assertEqual([r[0] for r in rows], ["2", "4", "20", "22"])
        self.assertTrue(all(r[2] == "" and r[3] == "" for r in rows), rows)
        notes = tshark("-r", lab("router-copies"), "-q", "-z", "expert,note").stdout
        self.assertIn("The options changed since frame 1, 1 hop up the path: -MP_CAPABLE", notes)

    def test_rewritten_on_the_path_has_its_own_expert_info(self):
        rows = fields(lab("rewrite-box-merged"), "frame.number", "middlebox.verdict", "_ws.expert.message",
                      display_filter="middlebox.rewritten_on_path")
        self.assertEqual([r[0] for r in rows], ["4", "16", "26", "30"])
        for frame, verdict, message in rows:
            self.assertEqual(verdict, "mptcp-genuine", frame)  # the handshake's, from the server's side
            self.assertIn("arrives here, 3 hops later, as mptcp-echo", message)
            self.assertIn("rewrote it", message)
        warn = tshark("-r", lab("rewrite-box-merged"), "-q", "-z", "expert,warn").stdout
        self.assertIn("between the two capture points rewrote it", warn)

    def test_single_point_captures_have_no_copies(self):
        for name in ("syn-retransmit", "rewrite-box-client", "loopback-same-clock", "tracebox-v4"):
            self.assertEqual(fields(lab(name), "frame.number", two_pass=True,
                                    display_filter="middlebox.copy.first_frame"), [], name)


class OrdinaryStacks(unittest.TestCase):
    """What correct stacks produce by themselves is never called an echo."""

    def test_same_clock_timestamps_are_a_weak_sign_only(self):
        for name in ("loopback-same-clock", "netns-same-clock"):
            rows = fields(lab(name), "frame.number", "middlebox.verdict", "middlebox.tsval_equal",
                          "middlebox.echo.tsval", two_pass=True, display_filter="middlebox.verdict")
            self.assertTrue(rows, name)
            self.assertEqual({r[1] for r in rows}, {"plain"}, name)
            self.assertTrue(any(r[2].startswith("1") for r in rows), f"{name}: no same-clock SYN+ACK")
            self.assertFalse(any(r[3] for r in rows), name)
            warnings = tshark("-r", lab(name), "-q", "-z", "expert,warn").stdout
            self.assertNotIn("echoed", warnings, name)
            chats = tshark("-r", lab(name), "-q", "-z", "expert,chat").stdout
            self.assertIn("same clock", chats, name)

    def test_tcp_fast_open(self):
        rows = fields(lab("tfo"), "frame.number", "middlebox.verdict", "middlebox.syn_frame", "middlebox.tfo.syn_data",
                      "middlebox.tfo.data_acked", "middlebox.diff", "middlebox.echo.tfo_request",
                      "middlebox.tfo.experimental", display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        with_data = [r for r in rows if r[3]]
        self.assertTrue(with_data)
        for r in with_data:  # every SYN+ACK to a SYN with data is paired
            self.assertNotEqual(r[1], "no-syn", r)
            self.assertTrue(r[2], r)
        self.assertIn("40", {r[4] for r in with_data})  # data taken: acknowledged with the SYN
        self.assertIn("0", {r[4] for r in with_data})   # cookie refused: the SYN alone
        echoes = [r for r in rows if r[6] == "1"]
        self.assertTrue(echoes)
        self.assertTrue(all(r[1] == "option-echo" and "=TFO" in r[5] and "request" in r[5] for r in echoes), echoes)
        self.assertTrue(any("TFO_EXP cookie" in r[5] and r[7] == "1" and r[1] == "plain" for r in rows), rows)
        cookies = [r for r in rows if "=TFO cookie" in r[5] or "=TFO_EXP cookie" in r[5]]
        self.assertTrue(cookies)
        self.assertTrue(all(r[1] == "plain" for r in cookies), cookies)  # a returned cookie is no echo

    def test_syn_proxy_answers_for_the_server(self):
        # The server's data comes after the SYN+ACK: known in a second pass, like a SYN's verdict.
        rows = fields(lab("synproxy-client"), "frame.number", "middlebox.verdict", "middlebox.syn_proxy",
                      "middlebox.server_hops", "middlebox.hops", two_pass=True,
                      display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        self.assertTrue(rows)
        for r in rows:
            self.assertTrue(r[2].startswith("1"), r)
            self.assertLess(int(r[4]), int(r[3]), r)
        warn = tshark("-r", lab("synproxy-client"), "-2", "-q", "-z", "expert,warn").stdout
        self.assertIn("a SYN proxy", warn)
        self.assertIn("whether the server uses MPTCP is unknown",
                      tshark("-r", lab("synproxy-client"), "-2", "-q", "-z", "expert,chat").stdout)
        doc = json.loads(tshark("-r", lab("synproxy-client"), "-q", "-z", "middlebox,json").stdout)
        self.assertEqual(doc["totals"]["syn_proxies"], len(rows))
        # Seen at the server, the box's SYN and the server's own SYN+ACK: no proxy, no mismatch.
        server = fields(lab("synproxy-server"), "middlebox.hop_mismatch", "middlebox.syn_proxy", two_pass=True,
                        display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        self.assertTrue(server)
        self.assertTrue(all(r == ["", ""] for r in server), server)
        # Nor in any other lab capture of ordinary servers.
        for name in ("loopback-same-clock", "netns-same-clock", "syncookies", "tfo", "mptcp-genuine-join",
                     "mptcp-absent", "tcpmss-client", "tuple-reuse"):
            got = [f for f, row in frames(lab(name), "two").items() if row["middlebox.hop_mismatch"]]
            self.assertEqual(got, [], name)

    def test_ecn_in_every_linux_mode_is_no_flag_echo(self):
        rows = fields(lab("ecn-modes"), "tcp.srcport", "tcp.dstport", "middlebox.verdict", "middlebox.echo.flags",
                      two_pass=True, display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        got = {r[1]: (r[2], r[3].split(",")[0]) for r in rows}
        for port in ("41421", "41422", "41423", "41424", "41425"):  # tcp_ecn 1/1, 1/2, 2/1, 2/2, 1/0
            self.assertEqual(got[port], ("plain", ""), port)
        self.assertEqual(got["41426"], ("option-echo", "1"))  # the box turns the whole SYN round
        self.assertEqual(got["41427"], ("flag-echo", "1"))    # ... its own options, the SYN's flags
        warn = tshark("-r", lab("ecn-modes"), "-2", "-q", "-z", "expert,warn").stdout
        self.assertEqual(warn.count("ECN flags echoed from the SYN"), 2, warn)  # on the two SYN+ACKs
        doc = json.loads(tshark("-r", lab("ecn-modes"), "-q", "-z", "middlebox,json").stdout)
        self.assertEqual(doc["totals"]["verdicts"].get("flag-echo"), 1)
        rows = {r["port"]: r for r in doc["servers"]}
        self.assertTrue(rows[8093]["suspect"] and rows[8093]["echoed"]["flags"])
        self.assertFalse(rows[80]["echoed"]["flags"])

    def test_accecn_answers_from_the_rfc_table(self):
        rows = fields(cap("accecn"), "tcp.dstport", "middlebox.verdict", "middlebox.echo.flags", "middlebox.diff",
                      two_pass=True, display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        flagged = [r[0] for r in rows if r[1] == "flag-echo"]
        self.assertEqual(flagged, ["50108"])  # (1,1,1) answering (1,1,1)
        self.assertEqual(sum(1 for r in rows if r[1] == "plain"), 9)
        self.assertIn("=ACCECN0 ", rows[-1][3])  # kind 172 named, equal bytes no echo

    def test_echo_after_an_rst_is_found(self):
        rows = fields(cap("rst-then-echo"), "frame.number", "middlebox.verdict", "middlebox.syn_frame",
                      "middlebox.synack_frame", "middlebox.rst_frame", "middlebox.echo.unknown", two_pass=True,
                      display_filter="middlebox.verdict")
        by = {r[0]: r[1:] for r in rows}
        self.assertEqual(by["1"], ["option-echo", "", "3", "2", ""])
        self.assertEqual(by["2"], ["rst", "1", "", "", ""])  # the RST keeps its own verdict
        self.assertEqual(by["3"][:4], ["option-echo", "1", "", "2"])
        self.assertTrue(by["3"][4].startswith("1"))
        self.assertEqual(by["4"][0], "rst")  # a new SYN ends the old one's pairing
        note = tshark("-r", cap("rst-then-echo"), "-2", "-q", "-z", "expert,note").stdout
        self.assertIn("answered first by an RST (frame 2, TTL 60, about 4 hops); this SYN+ACK comes with TTL 50", note)

    def test_real_syn_proxy_found_at_each_distance(self):
        # SYNPROXY 1, 2 and 3 hops before the server; the server's data and FIN from that much further.
        rows = fields(lab("synproxy-distances"), "tcp.srcport", "middlebox.distance", "middlebox.syn_proxy",
                      "middlebox.hops", "middlebox.server_hops", two_pass=True,
                      display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        got = {r[0]: (r[1], r[2].split(",")[0], int(r[4]) - int(r[3])) for r in rows}
        self.assertEqual(got, {"8090": ("synack-nearer", "1", 1), "80": ("synack-nearer", "1", 2),
                               "8081": ("synack-nearer", "1", 3)})

    def test_distances_say_only_what_the_ttls_can_tell(self):
        # docs/verdicts.md, "Distances": one handshake per server (replica comments say which case).
        rows = fields(cap("distance-signs"), "ip.src", "middlebox.verdict", "middlebox.distance",
                      "middlebox.hop_mismatch", "middlebox.syn_proxy", "middlebox.ipid_returned", two_pass=True,
                      display_filter="tcp.flags.syn==1 && tcp.flags.ack==1")
        # An expert entry shares its field's name: "1,1" where both are there.
        got = {r[0].rsplit(".", 1)[1]: [v.split(",")[0] for v in r[1:]] for r in rows}
        self.assertEqual(got, {
            "81": ["plain", "ttl-set", "", "", ""],             # eBGP: 255 answers, TTL 1 data
            "82": ["plain", "other-initial-ttl", "", "", ""],   # GTSM: 64 and 255, 3 hops
            "83": ["plain", "same", "", "", ""],                # SYN+ACK and FIN one lower than data
            "84": ["plain", "synack-farther", "1", "", ""],     # ... the FIN not captured
            "85": ["plain", "other-initial-ttl", "", "", ""],   # 255 and 64 at 5 hops
            "86": ["plain", "synack-farther", "1", "1", "1"],   # built from the SYN: its IP ID
            "87": ["plain", "synack-nearer", "1", "1", ""],     # a proxy 4 hops nearer
            "88": ["plain", "synack-nearer", "1", "1", ""],     # a proxy starting at 255
            "89": ["plain", "", "", "", "1"],                   # the IP ID alone
        })
        warn = tshark("-r", cap("distance-signs"), "-2", "-q", "-z", "expert,warn").stdout
        self.assertEqual(warn.count("a box nearer than the server answered the SYN"), 2, warn)
        self.assertEqual(warn.count("a box built it from the SYN"), 1, warn)
        self.assertNotIn("198.51.100.84", warn)
        note = tshark("-r", cap("distance-signs"), "-2", "-q", "-z", "expert,note").stdout
        self.assertIn("farther than the server's data", note)
        self.assertNotIn("answered the SYN", note.split("farther than the server's data")[0][-200:])
        self.assertIn("a box may have built it from the SYN", note)
        chat = tshark("-r", cap("distance-signs"), "-2", "-q", "-z", "expert,chat").stdout
        self.assertIn("a TTL its application set", chat)
        self.assertIn("two initial TTLs at one distance", chat)
        doc = json.loads(tshark("-r", cap("distance-signs"), "-2", "-q", "-z", "middlebox,json").stdout)
        self.assertEqual(doc["totals"]["syn_proxies"], 3)

    def test_syn_answered_only_by_icmp_links_each_error(self):
        syns = fields(lab("icmp-only"), "frame.number", "middlebox.verdict", "middlebox.icmp_frame", two_pass=True,
                      display_filter='middlebox.verdict == "icmp-error"')
        self.assertTrue(syns)
        quotes = fields(lab("icmp-only"), "frame.number", "middlebox.quote.syn_frame", two_pass=True,
                        display_filter="middlebox.quote.syn_frame")
        by_syn_copy = {}
        for frame, syn in quotes:
            by_syn_copy.setdefault(syn, []).append(frame)
        linked = set()
        for frame, verdict, errors in syns:
            self.assertTrue(errors, frame)
            linked.update(errors.split(","))
        self.assertEqual(linked, {f for fs in by_syn_copy.values() for f in fs})
        counts = json.loads(tshark("-r", lab("icmp-only"), "-q", "-z", "middlebox,json").stdout)["totals"]["verdicts"]
        table = tshark("-r", lab("icmp-only"), "-q", "-z", "middlebox_verdicts").stdout
        row = [line for line in table.splitlines() if line.startswith("icmp-error")]
        self.assertEqual(len(row), 1, table)
        self.assertIn(f"|{counts['icmp-error']} ", row[0].replace("| ", "|"))


class InfoColumn(unittest.TestCase):
    """The packet list shows the verdicts that matter, as Wireshark's own analyses do."""

    def info(self, name, *args):
        # The summary lines, as the packet list shows them: from 4.2 on,
        # -e _ws.col.info is taken before post-dissectors run (packet-frame.c
        # adds the columns as fields first), so it never has the note.
        out = tshark("-r", lab(name), "-n", *args, "-o", 'gui.column.format:"No.","%m","Info","%i"').stdout
        return {int(n): text for n, text in (line.strip().split(" ", 1) for line in out.splitlines())}

    def test_echo_noted_on_the_synack_then_on_its_syn(self):
        one = self.info("echo-v0-key")
        two = self.info("echo-v0-key", "-2")
        expected = {int(f): v for f, (v, _) in read_expected(lab("echo-v0-key")[:-len(".pcapng")] + ".expected.tsv").items()}
        for frame, verdict in expected.items():
            self.assertEqual(verdict, "mptcp-echo")
            self.assertTrue(two[frame].endswith(" [MP_CAPABLE echoed: middlebox]"), two[frame])
        synacks = [f for f in expected if "[SYN, ACK]" in one[f]]
        self.assertTrue(synacks)
        for frame in expected:  # one pass: a SYN's fate is not known yet
            self.assertEqual(frame in synacks, one[frame].endswith("[MP_CAPABLE echoed: middlebox]"), one[frame])
        self.assertFalse(any("middlebox" in v for f, v in two.items() if f not in expected))

    def test_other_notes_and_the_preference(self):
        self.assertIn("[Options 8, 222 echoed]", self.info("option222-echo-vs-linux", "-2")[2])
        self.assertIn("[MPTCP server key]", self.info("mptcp-genuine-join", "-2")[2])
        self.assertIn("[SYN+ACK from a SYN proxy]", self.info("synproxy-client", "-2")[2])
        plain = self.info("loopback-same-clock", "-2")
        self.assertFalse(any("[" in v.split("]", 1)[-1] for v in plain.values()), plain)  # nothing after the flags
        off = self.info("echo-v0-key", "-2", "-o", "middlebox.info_column:FALSE")
        self.assertFalse(any("echoed" in v for v in off.values()), off)


if __name__ == "__main__":
    unittest.main(verbosity=2)
