#!/usr/bin/env python3
"""Runs the real tshark, with the built plugin loaded, over every capture in
test_captures/ that has an X.expected.tsv beside it, in two-pass mode (with
a -Y filter, so the first pass builds a tree, and without, so it builds
none), and checks every frame's verdict and link, and its copy fields
(format: test_captures/FORMAT.md).

Exit status 0 only when every capture matches and at least one was checked.
Prints one line per capture and a closing "N passed, N failed" line.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import tshark_runs  # noqa: E402
# The link of a frame: its SYN (on a SYN+ACK or RST), or the answer of a
# SYN: its SYN+ACK, RST, or first ICMP error quoting it (icmp-error).
FIELDS = ["frame.number", "middlebox.verdict", "middlebox.syn_frame", "middlebox.synack_frame", "middlebox.rst_frame",
          "middlebox.icmp_frame"]
# Optional columns after `link` (FORMAT.md), one per field of a segment seen
# again further along its path. A file without them expects none of these
# fields on any frame: a capture taken at one point has no copies.
COPY_COLUMNS = {"copy_of": "middlebox.copy.first_frame", "ttl_delta": "middlebox.copy.ttl_delta",
                "copy_changed": "middlebox.copy.changed", "copy_diff": "middlebox.copy.diff",
                "rewritten": "middlebox.rewritten_on_path"}


def read_expected(path, copies=False):
    """{frame: (verdict, link)}; with `copies`, (verdict, link, copy_of, ttl_delta, copy_changed,
    copy_diff, rewritten), the copy columns empty where the file has none."""
    rows = {}
    with open(path) as f:
        header = None
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                if cols[:3] != ["frame", "verdict", "link"] or cols[3:] not in ([], list(COPY_COLUMNS)):
                    raise SystemExit(f"{path}:{n}: header must be 'frame<TAB>verdict<TAB>link', optionally followed "
                                     f"by {'<TAB>'.join(COPY_COLUMNS)}; got {cols!r}")
                header = cols
                continue
            cols += [""] * (3 + len(COPY_COLUMNS) - len(cols))
            rows[int(cols[0])] = tuple(cols[1:3 + len(COPY_COLUMNS)] if copies else cols[1:3])
    return rows


def actual(capture, display_filter=True):
    """{frame: (verdict, link, copy fields...)} of a two-pass run: with -Y middlebox.verdict (the first
    pass builds a tree) or without (it builds none; no tap listens either)."""
    rows = {}
    for v in tshark_runs.field_rows(tshark_runs.run(capture, "two" if display_filter else "bare")):
        first = {name: (v[name][0] if v[name] else "") for name in FIELDS + list(COPY_COLUMNS.values())}
        verdict = first["middlebox.verdict"]
        link = (first["middlebox.syn_frame"] or first["middlebox.synack_frame"] or first["middlebox.rst_frame"] or
                (first["middlebox.icmp_frame"] if verdict == "icmp-error" else ""))
        if verdict:  # without -Y every frame prints a line
            rows[int(first["frame.number"])] = (verdict, link, *(first[f] for f in COPY_COLUMNS.values()))
    return rows


def show(row):
    """verdict, link and any copy field, for a problem line"""
    text = f"{row[0]!r} link {row[1] or '-'}"
    return text + "".join(f" {name} {v!r}" for name, v in zip(COPY_COLUMNS, row[2:]) if v)


def compare(expected, got):
    problems = []
    for frame in sorted(set(expected) | set(got)):
        e, g = expected.get(frame), got.get(frame)
        if e is None:
            problems.append(f"frame {frame}: unexpected verdict {show(g)}")
        elif g is None:
            problems.append(f"frame {frame}: expected {show(e)}, plugin gave none")
        elif e != g:
            problems.append(f"frame {frame}: expected {show(e)}, got {show(g)}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("captures", nargs="*", help="captures to check (default: every one under test_captures/)")
    args = ap.parse_args()
    captures = args.captures or tshark_runs.test_captures()
    passed = failed = 0
    for cap in sorted(captures):
        exp_path = os.path.splitext(cap)[0] + ".expected.tsv"
        expected = read_expected(exp_path, copies=True)
        # With -Y the first pass builds a tree; without it, it builds none
        # and the plugin must read every header from the frame's bytes.
        problems = compare(expected, actual(cap))
        if "bare" in tshark_runs.modes(cap):
            problems += [f"(no tree in the first pass) {p}"
                         for p in compare(expected, actual(cap, display_filter=False))]
        rel = os.path.relpath(cap, ROOT)
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            print(f"ok   {rel} ({len(expected)} frames)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
