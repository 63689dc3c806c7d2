#!/usr/bin/env python3
"""Where do the extra instructions go? Diffs the self cost (Ir) per function
of two callgrind runs, each optionally minus its start-up run (an empty
capture), so only the per-packet work is compared.

  python3 bench/cg_diff.py BASE.out OTHER.out [--startup BASE0.out OTHER0.out] [--top 30]

bench/bench.py leaves the files in <work>/callgrind/: scanN.{bare,loaded,report}.out
and empty.{bare,loaded,report}.out.
"""
import argparse
import re
import subprocess


def self_costs(path):
    ann = subprocess.run(["callgrind_annotate", "--show=Ir", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    d = {}
    for line in ann.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = re.sub(r"\[/tmp/middlebox-home[^\]]*\]", "[middlebox.so]", m.group(2))
        name = re.sub(r"/tmp/[^/ ]+/(plugin|include)/", r"\1/", name)
        name = re.sub(r"^\?\?\?:", "", name)
        d[name] = d.get(name, 0) + int(m.group(1).replace(",", ""))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("other")
    ap.add_argument("--startup", nargs=2, metavar=("BASE0", "OTHER0"))
    ap.add_argument("--top", type=int, default=30)
    a = ap.parse_args()
    b, o = self_costs(a.base), self_costs(a.other)
    if a.startup:
        b0, o0 = self_costs(a.startup[0]), self_costs(a.startup[1])
        b = {k: v - b0.get(k, 0) for k, v in b.items()}
        o = {k: v - o0.get(k, 0) for k, v in o.items()}
    keys = set(b) | set(o)
    diff = {k: o.get(k, 0) - b.get(k, 0) for k in keys}
    tb, to = sum(b.values()), sum(o.values())
    print(f"base {tb:,} Ir, other {to:,} Ir, difference {to - tb:+,} ({(to / tb - 1) * 100:+.1f}%)")
    ours = sum(v for k, v in diff.items() if "middlebox.so" in k)
    print(f"of which in middlebox.so (self): {ours:+,}; elsewhere: {to - tb - ours:+,}")
    print(f"{'difference':>14}  {'base':>14}  {'other':>14}  function")
    for k, v in sorted(diff.items(), key=lambda x: -abs(x[1]))[: a.top]:
        print(f"{v:>+14,}  {b.get(k, 0):>14,}  {o.get(k, 0):>14,}  {k[:140]}")


if __name__ == "__main__":
    main()
