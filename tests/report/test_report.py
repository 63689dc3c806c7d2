#!/usr/bin/env python3
"""Tests of `tshark -z middlebox[,text|json|csv|pairs|path[,text|json]][,FILTER]` and of the
`-z middlebox_verdicts` stat-tap table, with the real tshark and the built
plugin (scripts/tshark-with-plugin.sh; MIDDLEBOX_BUILD names the build tree).

For every capture under test_captures/ that has an X.expected.tsv:
  * each form gives the same output in one pass and with -2;
  * the JSON is one document (json.loads of all of stdout) and the CSV reads
    back with the csv module to the same rows;
  * per server, the handshake counts per verdict equal the handshakes that
    the per-frame middlebox.verdict fields of `tshark -2 -T fields` make up,
    and those per-frame verdicts equal the expected TSV;
  * the pairs form lists exactly the handshakes a SYN+ACK answered;
  * the path form (text and json) lists every handshake with a SYN once, as
    a probe of a sweep whose hops rise, and no partial quote shows a change;
  * the stat-tap table shows the JSON's totals;
  * under test_captures/replicas/ (stable, generated), every form equals its
    golden file in tests/report/golden/ (--update rewrites them), and so does
    the path form of the lab captures made for it (PATH_GOLDEN_LAB).
Then: filters (the -z filter, -Y, -2 -R, single-pass -R) and wrong arguments
(non-zero exit, message on stderr, nothing on stdout).

Prints one line per check and "N passed, N failed"; exit status 0 only when
all passed.
"""
import argparse
import collections
import concurrent.futures
import csv
import difflib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import tshark_runs  # noqa: E402
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
CAPTURES = os.path.join(ROOT, "test_captures")
GOLDEN = os.path.join(HERE, "golden")
GOLDEN_DIRS = ("replicas",)  # the lab corpus is re-recorded: checked by parsers only
# ... but for the path report (-z middlebox,path), whose point is these
# captures: a lab run that re-records them must --update these goldens.
PATH_GOLDEN_LAB = ("tracebox-v4", "tracebox-v6", "tracebox-path", "router-copies", "rewrite-box-merged",
                   "partial-quote-router")
PATH_FORMS = ("path,text", "path,json")
FORMS = ("text", "json", "csv", "pairs")
VERDICTS = ("mptcp-genuine", "mptcp-echo", "mptcp-absent", "mptcp-join", "option-echo", "simultaneous-open",
            "plain", "no-syn", "no-answer", "rst", "truncated", "icmp-error", "flag-echo")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def tshark(args):
    return subprocess.run([TSHARK] + list(args), capture_output=True, text=True)


def report(capture, arg, two_pass=False, extra=()):
    """stdout of a successful -q -z run; fails on a non-zero exit or stderr output."""
    args = ["-r", capture, "-n", "-q"] + (["-2"] if two_pass else []) + list(extra) + ["-z", arg]
    p = tshark(args)
    check(p.returncode == 0, f"tshark {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    check(p.stderr.strip() == "", f"tshark {' '.join(args)} wrote to stderr: {p.stderr.strip()}")
    return p.stdout


def read_expected(path):
    rows = {}
    header = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = (line.split("\t") + ["", "", ""])[:3]
            if not header:
                header = True
                continue
            rows[int(cols[0])] = cols[1]
    return rows


def last(occurrences):
    """the innermost of a field's occurrences (a tunnel's inner header is the last)"""
    return occurrences[-1] if occurrences else ""


def frame_handshakes(capture, expected=None):
    """Handshakes made up from the per-frame fields of a two-pass run.

    Frames are joined through their links (SYN -> its answer, SYN+ACK/RST ->
    its SYN) and through the copies of one segment (same 4-tuple and
    sequence number: a retransmitted SYN, a retransmitted orphan SYN+ACK).
    Returns (per-frame verdicts, list of handshakes); a handshake is a dict
    with its frames, verdict, server (address, port) and whether a SYN+ACK
    answered it."""
    frames = {}
    for v in tshark_runs.field_rows(tshark_runs.run(capture, "two")):
        layers = v["frame.protocols"][0].split(":")
        inner = [x for x in layers[: layers.index("tcp")] if x in ("ip", "ipv6")][-1]
        src = last(v["ip.src"] if inner == "ip" else v["ipv6.src"])
        dst = last(v["ip.dst"] if inner == "ip" else v["ipv6.dst"])
        flags = int(last(v["tcp.flags"]), 16)
        role = "rst" if flags & 0x04 else ("synack" if flags & 0x10 else "syn")
        link = v["middlebox.syn_frame"] or v["middlebox.synack_frame"] or v["middlebox.rst_frame"]
        frames[int(v["frame.number"][0])] = dict(
            src=src, dst=dst, sport=int(last(v["tcp.srcport"])), dport=int(last(v["tcp.dstport"])), role=role,
            seq=last(v["tcp.seq_raw"]), ack=last(v["tcp.ack_raw"]), verdict=",".join(v["middlebox.verdict"]),
            link=int(link[0]) if link else None)

    if expected is not None:
        got = {n: f["verdict"] for n, f in frames.items()}
        diff = sorted(set(got) | set(expected))
        bad = [f"frame {n}: expected {expected.get(n)!r}, fields {got.get(n)!r}" for n in diff
               if got.get(n) != expected.get(n)]
        check(not bad, "middlebox.verdict fields (tshark -2) differ from the expected TSV:\n" + "\n".join(bad))

    parent = {f: f for f in frames}

    def find(f):
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    def union(a, b):
        if a in parent and b in parent:
            parent[find(a)] = find(b)

    copies = {}
    for n, f in frames.items():
        if f["link"] is not None:
            union(n, f["link"])
        key = (f["role"], f["src"], f["sport"], f["dst"], f["dport"], f["seq"], f["ack"] if f["role"] != "syn" else "")
        if f["role"] != "rst":
            if key in copies:
                union(n, copies[key])
            copies.setdefault(key, n)
    groups = collections.defaultdict(list)
    for n in frames:
        groups[find(n)].append(n)
    handshakes = []
    for members in groups.values():
        members.sort()
        # An RST keeps rst when a SYN+ACK answered its SYN afterwards: the others decide.
        verdicts = {frames[n]["verdict"] for n in members if frames[n]["role"] != "rst"} or \
            {frames[n]["verdict"] for n in members}
        check(len(verdicts) == 1, f"frames {members} of one handshake carry verdicts {sorted(verdicts)}")
        first = frames[members[0]]
        server = (first["dst"], first["dport"]) if first["role"] == "syn" else (first["src"], first["sport"])
        synacks = [n for n in members if frames[n]["role"] == "synack"]
        syns = [n for n in members if frames[n]["role"] == "syn"]
        handshakes.append(dict(frames=members, verdict=verdicts.pop(), server=server, synacks=synacks, syns=syns))
    return {n: f["verdict"] for n, f in frames.items()}, handshakes


def server_counts(handshakes):
    per = collections.defaultdict(collections.Counter)
    answered = collections.Counter()
    for h in handshakes:
        per[h["server"]][h["verdict"]] += 1
        if h["synacks"]:
            answered[h["server"]] += 1
    return per, answered


def golden_path(capture, form):
    rel = os.path.relpath(capture, CAPTURES)
    suffix = {"text": ".text.txt", "json": ".json", "csv": ".csv", "pairs": ".pairs.txt", "path,text": ".path.txt",
              "path,json": ".path.json"}[form]
    return os.path.join(GOLDEN, os.path.splitext(rel)[0] + suffix)


def compare_golden(capture, form, out, update):
    path = golden_path(capture, form)
    if update:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(out)
        return
    check(os.path.exists(path), f"no golden file {os.path.relpath(path, ROOT)} (run with --update)")
    with open(path) as f:
        want = f.read()
    if want != out:
        diff = "".join(difflib.unified_diff(want.splitlines(True), out.splitlines(True), "golden", "tshark", n=1))
        raise Failure(f"{form} differs from {os.path.relpath(path, ROOT)}:\n{diff}")


def parse_table(out):
    """The -z middlebox_verdicts output: {label: count}."""
    rows = {}
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows[parts[0].strip()] = int(parts[1].strip())
    return rows


def table_totals(table):
    return {
        "verdicts": {v: table[v] for v in VERDICTS if table.get(v)},
        "servers": table["Servers (address, port)"],
        "suspect_servers": table["Servers suspected of echoing (mptcp-echo, option-echo or flag-echo)"],
        "handshakes": table["Handshakes"],
        "synacks": table["Handshakes answered by a SYN+ACK"],
        "mp_capable": {"synacks": table["SYN+ACKs with MP_CAPABLE"],
                       "genuine": table["SYN+ACKs with MP_CAPABLE: genuine (the server's own key)"],
                       "echoed": table["SYN+ACKs with MP_CAPABLE: echoes (the SYN's key or keyless form)"]},
        "unknown_options": {"synacks": table["SYN+ACKs with an unknown option kind"],
                            "echoed": table["SYN+ACKs with an unknown option kind: echoed from the SYN"]},
    }


def check_capture(capture, update):
    one = tshark_runs.run(capture, "one")["reports"]
    two = tshark_runs.run(capture, "two")["reports"]
    outs = {}
    for form in FORMS + PATH_FORMS:
        a, b = one["middlebox," + form], two["middlebox," + form]
        check(a == b, f"{form}: one pass and -2 differ:\n" + "".join(
            difflib.unified_diff(a.splitlines(True), b.splitlines(True), "one pass", "-2", n=1)))
        outs[form] = a
    check(one["middlebox"] == outs["text"], "-z middlebox is not the text form")
    check(one["middlebox,path"] == outs["path,text"], "-z middlebox,path is not the path,text form")

    doc = json.loads(outs["json"])  # all of the report: one document, nothing else
    check(doc["report"] == "middlebox" and doc["filter"] is None, "JSON header")
    check(doc["totals"]["reliable"] is True and doc["notes"] == [], f"unexpected notes: {doc['notes']}")
    check(doc["totals"]["hidden_frames"] == 0 and doc["totals"]["hidden_handshakes"] == 0, "hidden frames")

    # Per-frame verdicts (fields) against the expected TSV, then handshakes.
    expected = read_expected(os.path.splitext(capture)[0] + ".expected.tsv")
    _, handshakes = frame_handshakes(capture, expected)
    per_server, answered = server_counts(handshakes)

    servers = {(s["address"], s["port"]): s for s in doc["servers"]}
    check(set(servers) == set(per_server),
          f"servers: JSON {sorted(servers)} vs fields {sorted(per_server)}")
    total = collections.Counter()
    for key, s in servers.items():
        want = {v: n for v, n in per_server[key].items()}
        check(s["verdicts"] == want, f"{key}: JSON verdicts {s['verdicts']} vs fields {want}")
        check(s["handshakes"] == sum(want.values()), f"{key}: handshakes {s['handshakes']} vs {sum(want.values())}")
        check(s["synacks"] == answered[key], f"{key}: synacks {s['synacks']} vs {answered[key]}")
        check(all(n > 0 for n in s["verdicts"].values()), f"{key}: zero counts listed")
        check(set(s["verdicts"]) <= set(VERDICTS), f"{key}: unknown verdict name")
        check(s["suspect"] == bool(want.get("mptcp-echo") or want.get("option-echo") or want.get("flag-echo")), f"{key}: suspect")
        total.update(want)
    check(doc["totals"]["verdicts"] == dict(total), f"totals {doc['totals']['verdicts']} vs {dict(total)}")
    check(doc["totals"]["handshakes"] == len(handshakes), "total handshakes")
    check(doc["totals"]["servers"] == len(servers), "total servers")

    # CSV: same rows as the JSON.
    rows = list(csv.DictReader(io.StringIO(outs["csv"])))
    check(len(rows) == len(doc["servers"]), "CSV row count")
    for row, s in zip(rows, doc["servers"]):
        check(row["address"] == s["address"] and int(row["port"]) == s["port"], f"CSV row order {row['address']}")
        for v in VERDICTS:
            check(int(row[v]) == s["verdicts"].get(v, 0), f"CSV {s['address']}:{s['port']} {v}")
        check(int(row["handshakes"]) == s["handshakes"] and int(row["synacks"]) == s["synacks"], "CSV counts")
        check(row["echoed_mp_capable_keys"].split() == s["echoed"]["mp_capable_keys"], "CSV keys")
        check([int(k) for k in row["echoed_kinds"].split()] == s["echoed"]["kinds"], "CSV kinds")
        check(row["hops_min"] == ("" if s["hops"]["min"] is None else str(s["hops"]["min"])), "CSV hops")
        fe = s["first_evidence_frame"]
        check(row["first_evidence_frame"] == ("" if fe is None else str(fe)), "CSV first evidence")

    # Pairs: one line per handshake a SYN+ACK answered, at its first SYN+ACK.
    lines = [l.split("\t") for l in outs["pairs"].splitlines() if l and not l.startswith("#")]
    got = sorted((int(l[1]), l[4]) for l in lines)
    want = sorted((h["synacks"][0], h["verdict"]) for h in handshakes if h["synacks"])
    check(got == want, f"pairs {got} vs fields {want}")
    for l in lines:
        check(len(l) == 6, f"pairs line has {len(l)} columns: {l}")
        check(l[0] == "-" or int(l[0]) < int(l[1]), f"pairs: SYN after its SYN+ACK: {l}")

    # Statistics table: the same totals, in one pass and with -2.
    for name, run in (("one pass", one), ("-2", two)):
        got_t = table_totals(parse_table(run["middlebox_verdicts"]))
        want_t = {k: doc["totals"][k] for k in got_t}
        check(got_t == want_t, f"table ({name}) {got_t} vs JSON {want_t}")

    # Path: one probe per handshake with a SYN, each in one sweep.
    path = json.loads(outs["path,json"])
    check(path["report"] == "middlebox-path" and path["notes"] == [], "path JSON header")
    probes = sorted(p["syn_frame"] for s in path["sweeps"] for p in s["probes"])
    want = sorted(h["syns"][0] for h in handshakes if h["syns"])
    check(probes == want, f"path probes (first SYN frames) {probes} vs fields {want}")
    for s in path["sweeps"]:
        hops = [p["hop"] for p in s["probes"]]
        check(hops == sorted(set(hops)), f"path: a sweep's hops do not rise: {hops}")
        for p in s["probes"]:
            for q in p["quotes"]:
                check(not (q["partial"] and q["changes"]), f"path: a partial quote shows changes: {q}")
    text_sweeps = sum(1 for l in outs["path,text"].splitlines() if l and not l.startswith(("#", " ")))
    check(text_sweeps == len(path["sweeps"]), f"path text has {text_sweeps} sweeps, JSON {len(path['sweeps'])}")

    rel = os.path.relpath(capture, CAPTURES)
    if rel.split(os.sep)[0] in GOLDEN_DIRS:
        for form in FORMS + PATH_FORMS:
            compare_golden(capture, form, outs[form], update)
    elif os.path.splitext(os.path.basename(rel))[0] in PATH_GOLDEN_LAB:
        for form in PATH_FORMS:
            compare_golden(capture, form, outs[form], update)
    return len(handshakes)


def check_shared_runs():
    """The per-capture checks read several reports from one tshark run (tests/tshark_runs.py):
    each must be what tshark prints when it is asked for alone."""
    cap = os.path.join(CAPTURES, "replicas", "pairing-edge.pcapng")
    for mode, two_pass, zs in (("one", False, tshark_runs.ONE_PASS_REPORTS), ("two", True, tshark_runs.TWO_PASS_REPORTS)):
        shared = tshark_runs.run(cap, mode)["reports"]
        for z in zs:
            check(report(cap, z, two_pass=two_pass) == shared[z], f"{mode}: -z {z} alone differs from the shared run")


def check_filters():
    cap = os.path.join(CAPTURES, "replicas", "pairing-edge.pcapng")
    full = json.loads(report(cap, "middlebox,json"))
    by_server = {(s["address"], s["port"]): s for s in full["servers"]}

    # A -z filter keeps the handshakes with a matching frame, and says how many it left out.
    for two in (False, True):
        doc = json.loads(report(cap, "middlebox,json,ip.addr==198.51.100.111", two_pass=two))
        check([(s["address"], s["port"]) for s in doc["servers"]] == [("198.51.100.111", 80)], "filtered servers")
        check(doc["servers"][0] == by_server[("198.51.100.111", 80)], "filtered row differs from unfiltered")
        check(doc["filter"] == "ip.addr==198.51.100.111", "filter echoed")
        check(doc["totals"]["hidden_handshakes"] == full["totals"]["handshakes"] - 3, "hidden handshakes")
        check(doc["totals"]["hidden_frames"] == 0, "hidden frames")
        check(any("had no frame matching the report filter" in n for n in doc["notes"]), f"notes {doc['notes']}")
    text = report(cap, "middlebox,text,ip.addr==198.51.100.111")
    check("Filter: ip.addr==198.51.100.111" in text and "left out of the rows and totals" in text, "text notes")

    # A filter that hides the SYNs: the answered handshakes keep their verdicts; the report counts the hidden frames.
    for two in (False, True):
        doc = json.loads(report(cap, "middlebox,json,tcp.flags.ack==1", two_pass=two))
        for s in doc["servers"]:
            check(s["verdicts"] == by_server[(s["address"], s["port"])]["verdicts"], f"{s['address']}: verdicts")
        check(doc["totals"]["hidden_frames"] > 0, "hidden SYN frames not reported")
        check(any("did not match the report filter" in n for n in doc["notes"]), "hidden-frame note")
    # A filter on the plugin's own fields: same counts in both modes, and the note about SYNs in one pass.
    one = json.loads(report(cap, 'middlebox,json,middlebox.verdict=="mptcp-genuine"'))
    two = json.loads(report(cap, 'middlebox,json,middlebox.verdict=="mptcp-genuine"', two_pass=True))
    check(one["servers"] == two["servers"], "middlebox-field filter: servers differ between passes")
    check(any("tshark -2" in n for n in one["notes"]), "middlebox-field filter note")

    # -Y selects packets to print, not what the report counts.
    for two in (False, True):
        check(report(cap, "middlebox,json", two, ["-Y", "frame.number==1"]) == report(cap, "middlebox,json", two),
              "-Y changed the report")

    # -2 -R numbers the kept frames anew. Where the frames handed to the report are not those the
    # analysis numbered, the report must say its counts are unreliable; where they are (tshark
    # 4.0.17+deb12u3 numbers them alike in both passes), its verdicts are the whole capture's.
    doc = json.loads(report(cap, "middlebox,json", True, ["-R", "tcp.flags.syn==1"]))
    text = report(cap, "middlebox", True, ["-R", "tcp.flags.syn==1"])
    if doc["totals"]["reliable"]:
        check(doc["totals"]["verdicts"] == full["totals"]["verdicts"] and
              not any(n.startswith("WARNING") for n in doc["notes"]) and "Note: WARNING" not in text,
              f"-2 -R: a report called reliable differs from the whole capture's: {doc['totals']} {doc['notes']}")
    else:
        check(any(n.startswith("WARNING") for n in doc["notes"]), f"-2 -R renumbering not explained: {doc['notes']}")
        check("Note: WARNING" in text and "-2 -R" in text, "-2 -R warning missing from the text form")
    # ... a read filter that keeps every TCP frame changes nothing,
    doc = json.loads(report(cap, "middlebox,json", True, ["-R", "tcp"]))
    check(doc == full, "-2 -R tcp changed the report")
    # ... one that drops a whole handshake (the IPv6 SYN, last frames) says so.
    doc = json.loads(report(cap, "middlebox,json", True, ["-R", "ip"]))
    check(doc["totals"]["hidden_handshakes"] == 1 and doc["totals"]["reliable"], f"-2 -R ip: {doc['totals']}")
    check(any("a read filter dropped them" in n for n in doc["notes"]), "-2 -R ip note")
    # Single-pass -R is refused by tshark 4.0 itself.
    p = tshark(["-r", cap, "-q", "-R", "tcp", "-z", "middlebox"])
    check(p.returncode != 0 and "-R without -2" in p.stderr, "single-pass -R")


def check_errors():
    cap = os.path.join(CAPTURES, "replicas", "v0-echo.pcapng")
    cases = [
        ("middlebox,bogus(", "neither a report form (text, json, csv, pairs, path, path,json) nor a valid display filter"),
        ("middlebox,JSON", "neither a report form"),
        ("middleboxes", 'unknown report "middleboxes"'),
        ("middlebox_verdict", 'unknown report "middlebox_verdict"'),
        ("middlebox,", "empty argument"),
        ("middlebox,json,", "empty filter"),
        ("middlebox,json,nosuchfield==1", 'invalid filter "nosuchfield==1"'),
        ("middlebox,pairs,tcp.port==", 'invalid filter "tcp.port=="'),
        ("middlebox,path,csv", "the path report is text or json, not csv"),
        ("middlebox,path,json,", "empty filter"),
        ("middlebox,path,nosuchfield==1", 'invalid filter "nosuchfield==1"'),
    ]
    for arg, message in cases:
        p = tshark(["-r", cap, "-q", "-z", arg])
        check(p.returncode != 0, f"-z {arg}: exit status 0")
        check(p.stdout == "", f"-z {arg}: wrote to stdout: {p.stdout!r}")
        check(message in p.stderr, f"-z {arg}: stderr lacks {message!r}: {p.stderr!r}")
        for form in ("middlebox,json[,FILTER]", "middlebox,csv[,FILTER]", "middlebox,pairs[,FILTER]",
                     "middlebox,FILTER", "middlebox_verdicts[,FILTER]"):
            check(form in p.stderr, f"-z {arg}: the valid forms are not listed ({form})")
    for arg, message in [("middlebox_verdictsX", "unknown report"), ("middlebox_verdicts,nosuch==1", "nosuch")]:
        p = tshark(["-r", cap, "-q", "-z", arg])
        check(p.returncode != 0 and message in p.stderr and p.stdout == "", f"-z {arg}: {p.returncode} {p.stderr!r}")


def check_doc_examples():
    """The examples in README.md and docs/reports.md are the shipped captures' real output."""
    def read(name):
        with open(os.path.join(ROOT, name)) as f:
            return f.read()
    readme, reports = read("README.md"), read(os.path.join("docs", "reports.md"))
    cap = os.path.join(CAPTURES, "replicas", "kind222.pcapng")
    text = report(cap, "middlebox,text").rstrip("\n")
    check(text in readme, f"README.md: the text example is not today's output:\n{text}")
    for form in ("text", "pairs", "json"):
        out = report(cap, "middlebox," + form)
        check(out.rstrip("\n") in reports, f"docs/reports.md: the {form} example is not today's output:\n{out}")
    header = report(cap, "middlebox,csv").splitlines()[0]
    check(header in reports, "docs/reports.md: the CSV header differs")
    # The path example: the sweep lines, between the header comments and the last line.
    path = report(os.path.join(CAPTURES, "lab", "tracebox-path.pcapng"), "middlebox,path")
    body = "\n".join(l for l in path.splitlines() if not l.startswith("#"))
    check(body in reports, f"docs/reports.md: the path example is not today's output:\n{body}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    ap.add_argument("captures", nargs="*", help="captures (default: every one with an expected TSV)")
    args = ap.parse_args()
    captures = args.captures or tshark_runs.test_captures()
    captures.sort()
    passed = failed = 0

    def attempt(fn):
        try:
            return True, fn()
        except (Failure, json.JSONDecodeError, KeyError, ValueError, IndexError, RuntimeError,
                tshark_runs.SplitError) as e:
            return False, f"{type(e).__name__}: {e}" if not isinstance(e, Failure) else str(e)

    def run(name, result):
        nonlocal passed, failed
        ok, detail = result
        if ok:
            passed += 1
            print(f"ok   {name}" + (f" ({detail} handshakes)" if isinstance(detail, int) else ""), flush=True)
        else:
            failed += 1
            print(f"FAIL {name}\n    " + str(detail).replace("\n", "\n    "), flush=True)

    jobs = [(os.path.relpath(cap, ROOT), lambda cap=cap: check_capture(cap, args.update)) for cap in captures]
    if not args.captures:
        jobs.append(("each report alone, one pass and -2, is its part of the shared runs", check_shared_runs))
        jobs.append(("filters: -z FILTER, -Y, -2 -R, single-pass -R", check_filters))
        jobs.append(("wrong arguments: exit status, stderr, valid forms", check_errors))
        jobs.append(("examples in the docs", check_doc_examples))
    # Each check runs its own tshark processes: run several at once, report in order.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        futures = [(name, pool.submit(attempt, fn)) for name, fn in jobs]
        for name, fut in futures:
            run(name, fut.result())
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
