#!/usr/bin/env python3
"""Internet-scan inputs of middlebox-scan against tshark with the plugin.

  * --only answered|suspects: on every capture under test_captures/, the
    scanner's scoped report equals `tshark -z middlebox,FORM,SCOPE` byte for
    byte (json, pairs, text), its rows are exactly the unscoped report's rows
    that answered / are suspects, and its totals are the unscoped totals;
  * a generated scan with the Internet's mix (3% SYN+ACK, 10% RST, the rest
    silent) and one probe template: --only answered lists exactly the servers
    that answered, its suspects are exactly the echoing servers (the
    generator's truth), ndjson --only answered has one line per SYN+ACK;
  * --probe: the same scan captured without its SYNs gives exactly the same
    suspects and verdicts; tshark with -o middlebox.probe_options gives the
    scanner's report byte for byte; an invalid template is refused (exit 2,
    the preference's error in tshark); without --probe the answers are no-syn;
  * --zmap-csv: those answers as zmap's CSV give the same verdicts, line
    numbers for frame numbers (said so), unusable lines counted by reason;
  * a real zmap tcp_synopt scan (tests/lab/zmap-synopt.sh, test_captures/
    zmap/): its full capture, its answers-only capture and its CSV give the
    same suspects and verdicts, and tshark with the preference agrees.

MIDDLEBOX_BUILD names the build tree. Prints one line per check and
"N passed, N failed"; exit status 0 only when all passed.
"""
import concurrent.futures
import difflib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tshark_runs  # noqa: E402
from tshark_runs import ROOT, SCANNER, TSHARK  # noqa: E402
GEN = os.path.join(ROOT, "bench", "gen_scan.py")
SCOPED = tuple(tuple(z.split(",")[1:]) for z in tshark_runs.SCOPED_REPORTS)

results = []


def record(ok, what, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else "\n" + detail), flush=True)


def diff(a, b, names=("tshark", "middlebox-scan")):
    return "".join(difflib.unified_diff(a.decode(errors="replace").splitlines(True),
                                        b.decode(errors="replace").splitlines(True), *names, n=1))[:3000]


def tshark(capture, zs, prefs=()):
    args = [TSHARK, "-r", capture, "-n", "-q"]
    for p in prefs:
        args += ["-o", p]
    for z in zs:
        args += ["-z", z]
    return subprocess.run(args, capture_output=True)


def scan(*args):
    return subprocess.run([SCANNER, "-q"] + list(args), capture_output=True)


def check_capture(capture):
    name = os.path.relpath(capture, os.path.join(ROOT, "test_captures"))
    try:  # the one-pass run the tests share (tests/tshark_runs.py) holds the scoped reports
        reports = tshark_runs.run(capture, "one")["reports"]
    except (RuntimeError, tshark_runs.SplitError) as e:
        return [(False, name + ": tshark", str(e))]
    want = b"".join(reports["middlebox,%s,%s" % fs].encode("utf-8", "surrogateescape") for fs in SCOPED)
    got = b"".join(scan("--format", f, "--only", s, capture).stdout for f, s in SCOPED)
    out = [(got == want, name + ": scoped json, pairs, text = tshark's", diff(want, got))]
    whole = json.loads(scan("--format", "json", capture).stdout)
    for scope, keep in (("answered", lambda s: s["synacks"] > 0), ("suspects", lambda s: s["suspect"])):
        part = json.loads(scan("--format", "json", "--only", scope, capture).stdout)
        rows_ok = part["servers"] == [s for s in whole["servers"] if keep(s)]
        t_whole, t_part = dict(whole["totals"]), dict(part["totals"])
        t_whole.pop("servers")
        listed = t_part.pop("servers_listed")
        totals_ok = t_part.pop("servers") is None and t_part == t_whole and listed == len(part["servers"])
        out.append((rows_ok and totals_ok, "%s: --only %s: the unscoped rows that %s, the same totals" %
                    (name, scope, "answered" if scope == "answered" else "are suspects"),
                    json.dumps({"rows": rows_ok, "totals": [t_part, t_whole]})[:2000]))
    return out


def generated(tmp, n, answers_only):
    path = os.path.join(tmp, "scan-%d%s.pcap" % (n, "-answers" if answers_only else ""))
    args = [sys.executable, GEN, "-n", str(n), "--mix", "real", "--template", "--out", path]
    if answers_only:
        args.append("--answers-only")
    subprocess.run(args, check=True, capture_output=True)
    with open(path + ".truth.json") as f:
        return path, json.load(f)


def zmap_csv_of(capture, path, extra=()):
    """The capture's answers as zmap's csv output module writes tcp_synopt's
    fields (optionshex "0x..."; classification synack or rst)."""
    f = subprocess.run(["tshark", "-r", capture, "-n", "-T", "fields", "-E", "separator=,", "-e", "ip.src", "-e",
                        "ip.dst", "-e", "ip.ttl", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e",
                        "tcp.ack_raw", "-e", "tcp.window_size_value", "-e", "tcp.options", "-e", "tcp.flags.reset"],
                       capture_output=True, check=True).stdout.decode().splitlines()
    with open(path, "w") as out:
        out.write("saddr,daddr,ttl,sport,dport,seqnum,acknum,window,optionshex,classification,success\n")
        for line in f:
            c = line.split(",")
            rst = c[9] in ("1", "True")
            out.write(",".join(c[:8] + ["0x" + c[8], "rst" if rst else "synack", "0" if rst else "1"]) + "\n")
        for line in extra:
            out.write(line + "\n")


def check_csv(tmp, answers, probe, truth, probed):
    csv = os.path.join(tmp, "zmap.csv")
    bad = ["198.51.100.1,192.0.2.1,64,80", "198.51.100.300,192.0.2.1,64,80,40000,1,2,3,0x,synack,1",
           "198.51.100.1,192.0.2.1,64,80,40000,1,2,3,0x02g4,synack,1"]
    zmap_csv_of(answers, csv, bad)
    r = scan("--zmap-csv", csv, "--probe", probe, "--format", "json")
    report = json.loads(r.stdout)
    same = {(s["address"], s["port"]): (s["verdicts"], s["echoed"]) for s in report["servers"]} == \
        {(s["address"], s["port"]): (s["verdicts"], s["echoed"]) for s in probed["servers"]}
    record(r.returncode == 0 and same and report["totals"]["suspect_servers"] == truth["mptcp-echo"],
           "--zmap-csv: the same verdicts and suspects as the capture of the answers", r.stderr.decode()[-500:])
    shifted = all(a["first_synack_frame"] == b["first_synack_frame"] + 1
                  for a, b in zip(report["servers"], probed["servers"]))
    notes = " ".join(report["notes"])
    record(shifted and "line numbers of" in notes and "3 lines of" in notes and "missing-field 1" in notes and
           "bad-address 1" in notes and "bad-options 1" in notes,
           "--zmap-csv: frame numbers are line numbers, said in the notes; unusable lines counted by reason", notes)
    nd = scan("--zmap-csv", csv, "--probe", probe, "--format", "ndjson", "--only", "suspects").stdout.splitlines()
    last = json.loads(nd[-1])
    record(len(nd) == truth["mptcp-echo"] + 1 and any("line numbers" in n for n in last.get("notes", [])),
           "--zmap-csv: ndjson, one line per echo, the notes in the totals line", nd[-1].decode()[:500])
    r = scan("--zmap-csv", csv, "--format", "json")
    record(r.returncode == 1 and b"--probe" in r.stderr, "--zmap-csv without --probe is refused", r.stderr.decode())
    with open(os.path.join(tmp, "nohead.csv"), "w") as f:
        f.write("saddr,sport,ttl\n1.2.3.4,80,64\n")
    r = scan("--zmap-csv", os.path.join(tmp, "nohead.csv"), "--probe", probe)
    record(r.returncode == 2 and b"dport" in r.stderr and b"optionshex" in r.stderr,
           "--zmap-csv: a header without the required fields is an error", r.stderr.decode())


def check_zmap_lab():
    """tests/lab/zmap-synopt.sh's real zmap tcp_synopt scan, three ways."""
    lab = os.path.join(ROOT, "test_captures", "zmap")
    with open(os.path.join(lab, "zmap-synopt.json")) as f:
        meta = json.load(f)
    probe = meta["probe"]
    answered = {a: v for a, v in meta["expected"].items() if v.startswith("mptcp")}

    def per_server(report):
        return {s["address"]: "/".join(s["verdicts"]) for s in report["servers"] if s["synacks"] > 0}

    def suspects(report):
        return sorted(s["address"] for s in report["servers"] if s["suspect"])
    ways = {
        "full capture": scan("--format", "json", os.path.join(lab, "zmap-synopt-full.pcapng")),
        "answers-only capture, --probe": scan("--format", "json", "--probe", probe,
                                              os.path.join(lab, "zmap-synopt-answers.pcapng")),
        "zmap's CSV, --probe": scan("--format", "json", "--probe", probe, "--zmap-csv",
                                    os.path.join(lab, "zmap-synopt.csv")),
    }
    for way, r in ways.items():
        rep = json.loads(r.stdout)
        record(r.returncode == 0 and per_server(rep) == answered and suspects(rep) == meta["suspects"],
               "real zmap tcp_synopt scan, %s: suspects %s, every answer's verdict as its target is" %
               (way, meta["suspects"]), json.dumps([per_server(rep), answered]))
    t = tshark(os.path.join(lab, "zmap-synopt-answers.pcapng"), ["middlebox,json"],
               ["middlebox.probe_options:" + probe])
    record(t.stdout == ways["answers-only capture, --probe"].stdout,
           "real zmap scan, answers only: the plugin with middlebox.probe_options = middlebox-scan --probe",
           diff(t.stdout, ways["answers-only capture, --probe"].stdout))


def main():
    captures = tshark_runs.all_captures()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for checks in pool.map(check_capture, captures):
            for c in checks:
                record(*c)

    with tempfile.TemporaryDirectory(prefix="mb22-scope-") as tmp:
        full, truth = generated(tmp, 20000, False)
        answers, truth_a = generated(tmp, 20000, True)
        probe = truth["probe"]
        record(truth == {k: v for k, v in truth_a.items() if k != "answers_only"} or
               {k: truth[k] for k in truth if k != "packets"} ==
               {k: truth_a[k] for k in truth if k != "packets"},
               "the answers-only scan is the same scan", json.dumps([truth, truth_a]))

        for form in ("path", "path,json"):  # the table's row says why it takes no scope
            r = scan("--format", form, "--only", "suspects", full)
            record(r.returncode == 1 and not r.stdout and
                   r.stderr == b"middlebox-scan: --only: the path report lists every probe: it takes no scope\n",
                   "--format %s --only is refused, saying why" % form, r.stderr.decode())
        r = scan("--only", "all", full)
        record(r.returncode != 0 and b"answered" in r.stderr and b"suspects" in r.stderr,
               "--only takes the scopes of the table, not the default", r.stderr.decode())
        whole = json.loads(scan("--format", "json", full).stdout)
        answered = json.loads(scan("--format", "json", "--only", "answered", full).stdout)
        synack_servers = [(s["address"], s["port"]) for s in whole["servers"] if s["synacks"] > 0]
        record([(s["address"], s["port"]) for s in answered["servers"]] == synack_servers and
               len(synack_servers) == truth["synacks"],
               "real mix: --only answered lists exactly the %d servers that sent a SYN+ACK" % truth["synacks"],
               "%d listed, %d answered" % (len(answered["servers"]), truth["synacks"]))
        echoes = truth["mptcp-echo"] + truth["option-echo"]
        suspects = json.loads(scan("--format", "json", "--only", "suspects", full).stdout)
        record(len(suspects["servers"]) == echoes == answered["totals"]["suspect_servers"] and
               all(s["suspect"] for s in suspects["servers"]),
               "real mix: --only suspects lists exactly the %d echoing servers" % echoes,
               json.dumps(suspects["totals"]))
        totals = answered["totals"]["verdicts"]
        record(all(totals.get(v, 0) == truth[v] for v in ("mptcp-genuine", "mptcp-echo", "mptcp-absent", "rst",
                                                           "no-answer")),
               "real mix: the scoped totals count every handshake (silent and RST included)",
               json.dumps([totals, truth]))
        nd = scan("--format", "ndjson", "--only", "answered", full).stdout.decode().splitlines()
        lines = [json.loads(l) for l in nd]
        record(len(lines) == truth["synacks"] + 1 and all(l.get("answer") == "synack" for l in lines[:-1]) and
               lines[-1]["totals"]["handshakes"] == truth["handshakes"] and lines[-1].get("only") == "answered",
               "real mix: ndjson --only answered: one line per SYN+ACK, the totals of all %d" % truth["handshakes"],
               nd[-1][:600])

        # The probe template: the answers alone give the same suspects.
        plain = json.loads(scan("--format", "json", answers).stdout)
        record(plain["totals"]["verdicts"].get("no-syn", 0) == truth["synacks"] and
               plain["totals"]["suspect_servers"] == 0,
               "answers only, no --probe: every SYN+ACK no-syn, nothing compared", json.dumps(plain["totals"]))
        probed = json.loads(scan("--format", "json", "--probe", probe, answers).stdout)

        def verdicts_by_server(report):
            return {(s["address"], s["port"]): (s["verdicts"], s["echoed"], s["suspect"]) for s in report["servers"]
                    if s["synacks"] > 0}
        record(verdicts_by_server(probed) == verdicts_by_server(whole) and
               probed["totals"]["suspect_servers"] == echoes and probed["totals"]["against_probe"] == truth["synacks"]
               and probed["probe"] == probe,
               "answers only with --probe: the same suspects, verdicts and echoed options as with the SYNs",
               json.dumps(probed["totals"]))
        bare = scan("--format", "json", "--probe", probe[len("hex:"):], answers)
        record(json.loads(bare.stdout)["servers"] == probed["servers"], "--probe takes the bare hex too")
        for form in ("json", "pairs", "text"):
            t = tshark(answers, ["middlebox," + form], ["middlebox.probe_options:" + probe])
            s = scan("--format", form, "--probe", probe, answers)
            record(t.returncode == 0 and t.stdout == s.stdout,
                   "answers only: tshark -o middlebox.probe_options = middlebox-scan --probe (%s)" % form,
                   t.stderr.decode()[-300:] + diff(t.stdout, s.stdout))
        f = subprocess.run([TSHARK, "-r", answers, "-n", "-o", "middlebox.probe_options:" + probe, "-Y",
                            "middlebox.against_probe && middlebox.verdict contains \"echo\"", "-T", "fields", "-e",
                            "frame.number"], capture_output=True)
        record(len(f.stdout.split()) == echoes, "middlebox.against_probe marks the %d echoes set against it" % echoes,
               f.stdout.decode()[:300] + f.stderr.decode()[-300:])
        nd = [json.loads(l) for l in scan("--format", "ndjson", "--probe", probe, answers).stdout.splitlines()]
        record(all(l.get("against_probe") is True for l in nd[:-1] if l.get("answer") == "synack") and
               nd[-1]["totals"]["against_probe"] == truth["synacks"], "ndjson: against_probe on each line and in the "
               "totals", json.dumps(nd[-1]))
        # A SYN in the capture always wins over the template: with the SYNs
        # and a template naming other options, nothing changes.
        other = scan("--format", "json", "--probe", "hex:020405b4", full)
        o = json.loads(other.stdout)
        record(o["servers"] == whole["servers"] and o["totals"]["against_probe"] == 0,
               "with the SYNs in the capture the template is never used", json.dumps(o["totals"]))
        for bad in ("hex:0204", "hex:zz", "hex:de00f989", "hex:" + "01" * 44):
            r = scan("--probe", bad, answers)
            record(r.returncode == 2 and b"--probe" in r.stderr and not r.stdout,
                   "--probe %s is refused with exit status 2" % bad[:20], r.stderr.decode())
        t = tshark(answers, ["middlebox,json"], ["middlebox.probe_options:hex:0204"])
        record(b"probe_options" in t.stderr and b"no probe template is used" in t.stderr and
               json.loads(t.stdout)["totals"]["verdicts"].get("no-syn") == truth["synacks"],
               "tshark: an invalid middlebox.probe_options is the preference's error, and not used",
               t.stderr.decode()[-500:])

        check_csv(tmp, answers, probe, truth, probed)
    check_zmap_lab()

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
