#!/usr/bin/python3
"""Checks the committed lab captures without root and without the plugin:

  * every test_captures/lab/X.pcapng has X.expected.tsv (FORMAT.md) and the other way round;
  * pairing the capture again (tests/lab/analyze.py, docs/verdicts.md's rules) gives exactly the
    frames and links the .tsv lists, and the verdicts it lists are supported by the bytes;
  * the copies found again (a segment seen further along its path) are exactly the .tsv's copy
    columns, and a capture without those columns has none;
  * every frame with an expected verdict carries a packet comment for students;
  * each capture stays small.

    tests/lab/check-captures.py [DIR]        (default: test_captures/lab)
Ends with the line 'N passed, N failed'.
"""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import analyze as A  # noqa: E402

VERDICTS = {"mptcp-genuine", "mptcp-echo", "mptcp-absent", "mptcp-join", "option-echo", "simultaneous-open",
            "plain", "no-syn", "no-answer", "rst", "truncated", "icmp-error", "flag-echo"}


def read_tsv(path):
    """({frame: (verdict, link)}, {frame: the copy columns, for the frames that are copies})"""
    rows, copies = {}, {}
    header = False
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if line.startswith("frame\t"):
            header = True
            continue
        fr, v, link, *copy = line.split("\t") + [""] * (3 - len(line.split("\t")))
        rows[int(fr)] = (v, link)
        if any(copy):
            copies[int(fr)] = tuple(copy)
    if not header:
        raise ValueError("no 'frame verdict link' header line")
    return rows, copies


def check(pc):
    name = os.path.basename(pc)[:-len(".pcapng")]
    tsv = pc[:-len(".pcapng")] + ".expected.tsv"
    if not os.path.exists(tsv):
        return f"{name}: no {os.path.basename(tsv)}"
    exp, exp_copies = read_tsv(tsv)
    bad = {v for v, _ in exp.values()} - VERDICTS
    if bad:
        return f"{name}: unknown verdicts {bad}"
    pkts = A.read(pc)
    if len(pkts) > 120 or os.path.getsize(pc) > 64 * 1024:
        return f"{name}: too big for a teaching capture ({len(pkts)} packets)"
    hss = A.pair(pkts)
    got = {}
    for h in hss:
        fr = h.syns[0].frame if h.syns else h.synacks[0].frame
        if fr not in exp:
            return f"{name}: handshake {h.label()} has no expected verdict"
        h.verdict = exp[fr][0]
        why = A.check_verdict(h, h.verdict)
        if why:
            return f"{name}: {h.label()} listed as {h.verdict}, but {why}"
        for r in A.expected_rows(h):
            got[r[0]] = (r[1], str(r[2]))
    if got != exp:
        diff = sorted(set(got.items()) ^ set(exp.items()))
        return f"{name}: the .tsv and the capture disagree: {diff[:6]}"
    got_copies = {f: c for h in hss for f, c in A.copy_rows(h).items()}
    if got_copies != exp_copies:
        diff = sorted(set(got_copies.items()) ^ set(exp_copies.items()))
        return f"{name}: the .tsv's copy columns and the capture disagree: {diff[:4]}"
    comments = {p.frame for p in pkts if p.comment}
    missing = sorted(set(exp) - comments)
    if missing:
        return f"{name}: frames {missing} have a verdict but no comment"
    return None


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                            "test_captures", "lab")
    caps = sorted(glob.glob(os.path.join(d, "*.pcapng")))
    orphans = [t for t in glob.glob(os.path.join(d, "*.expected.tsv"))
               if not os.path.exists(t[:-len(".expected.tsv")] + ".pcapng")]
    passed, failed = 0, 0
    for o in orphans:
        print(f"FAIL {os.path.basename(o)}: no capture beside it")
        failed += 1
    for pc in caps:
        err = check(pc)
        if err:
            print("FAIL " + err)
            failed += 1
        else:
            print("ok   " + os.path.basename(pc))
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not caps else 0


if __name__ == "__main__":
    sys.exit(main())
