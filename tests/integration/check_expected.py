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
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
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


def actual(capture, two_pass=True, display_filter=True):
    cmd = [TSHARK, "-r", capture, "-n"]
    if two_pass:
        cmd.append("-2")
    if display_filter:
        cmd += ["-Y", "middlebox.verdict"]
    cmd += ["-T", "fields", "-E", "occurrence=f"]
    for f in FIELDS + list(COPY_COLUMNS.values()):
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    if out.stderr.strip():
        raise RuntimeError(f"tshark wrote to stderr for {capture}:\n{out.stderr}")
    rows = {}
    width = len(FIELDS) + len(COPY_COLUMNS)
    for line in out.stdout.splitlines():
        cols = (line.split("\t") + [""] * width)[:width]
        frame, verdict, syn, synack, rst, icmp = cols[:6]
        link = syn or synack or rst or (icmp if verdict == "icmp-error" else "")
        if verdict:  # without -Y every frame prints a line
            rows[int(frame)] = (verdict, link, *cols[len(FIELDS):])
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
    captures = args.captures
    if not captures:
        for d, _, files in os.walk(os.path.join(ROOT, "test_captures")):
            for f in files:
                if f.endswith(".expected.tsv"):
                    base = os.path.join(d, f[: -len(".expected.tsv")])
                    for ext in (".pcapng", ".pcap"):
                        if os.path.exists(base + ext):
                            captures.append(base + ext)
                            break
                    else:
                        print(f"FAIL {base}.expected.tsv: no capture beside it")
                        return 1
    passed = failed = 0
    for cap in sorted(captures):
        exp_path = os.path.splitext(cap)[0] + ".expected.tsv"
        expected = read_expected(exp_path, copies=True)
        # With -Y the first pass builds a tree; without it, it builds none
        # and the plugin must read every header from the frame's bytes.
        problems = compare(expected, actual(cap))
        problems += [f"(no tree in the first pass) {p}" for p in compare(expected, actual(cap, display_filter=False))]
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
