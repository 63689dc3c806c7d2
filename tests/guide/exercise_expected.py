#!/usr/bin/python3
"""Writes an exercise capture's expected verdicts (test_captures/FORMAT.md) from the lab captures it
was cut from, without the plugin: the exercise is paired again by tests/lab/analyze.py, each of its
handshakes is found in a lab capture (same client address and port, same first sequence number),
and takes the verdict that capture's .expected.tsv gives it, after analyze.py has checked that the
exercise's packets still support it (a cut that lost a SYN+ACK would not).

    tests/guide/exercise_expected.py EXERCISE.pcapng LAB_NAME...      writes EXERCISE.expected.tsv
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import analyze as A  # noqa: E402
LAB = os.path.join(ROOT, "test_captures", "lab")


def key(h):
    first = h.syns[0] if h.syns else h.synacks[0]
    return h.client, first.seq if h.syns else first.ack


def lab_verdicts(name):
    """{handshake key: verdict} of one lab capture, from its .expected.tsv"""
    by_frame = {}
    for line in open(os.path.join(LAB, name + ".expected.tsv")):
        cells = line.rstrip("\n").split("\t")
        if line.startswith("#") or cells[0] == "frame" or not cells[0]:
            continue
        by_frame[int(cells[0])] = cells[1]
    out = {}
    for h in A.pair(A.read(os.path.join(LAB, name + ".pcapng"))):
        first = h.syns[0] if h.syns else h.synacks[0]
        out[key(h)] = by_frame[first.frame]
    return out


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    ex, sources = sys.argv[1], sys.argv[2:]
    known = {}
    for s in sources:
        known.update(lab_verdicts(s))
    rows = []
    for h in A.pair(A.read(ex)):
        if key(h) not in known:
            raise SystemExit(f"{ex}: handshake {h.label()} is in none of {sources}")
        h.verdict = known[key(h)]
        why = A.check_verdict(h, h.verdict)
        if why:
            raise SystemExit(f"{ex}: {h.label()} is {h.verdict} in the lab, but here {why}")
        rows += A.expected_rows(h)
    out = ex[:-len(".pcapng")] + ".expected.tsv"
    with open(out, "w") as f:
        f.write(f"# {os.path.basename(ex)}: cut from lab/{', lab/'.join(s + '.pcapng' for s in sources)}; verdicts "
                "from their .expected.tsv, pairing by tests/lab/analyze.py (tests/guide/make_exercises.sh)\n")
        f.write("frame\tverdict\tlink\n")
        for fr, v, link in sorted(rows):
            f.write(f"{fr}\t{v}\t{link}\n")
    print(f"{out}: {len(rows)} frames")


if __name__ == "__main__":
    main()
