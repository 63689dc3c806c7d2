#!/usr/bin/env python3
"""Untimed check that the benchmark's pieces agree (ctest: bench.counts):
a small generated scan (bench/gen_scan.py) gives the same verdict counts in
the generator's truth, in `tshark -z middlebox` with the built plugin, and in
the fields pipeline (bench/pair_fields.py). Never measures time.

  MIDDLEBOX_BUILD=build python3 bench/check_counts.py [--handshakes 3000]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import pair_fields  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--handshakes", type=int, default=3000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="middlebox-counts.")
    os.chmod(work, 0o755)
    cap = os.path.join(work, "scan.pcap")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_scan.py"), "-n", str(a.handshakes), "--data", "0.2",
                    "-o", cap], check=True, stdout=subprocess.DEVNULL)
    os.chmod(cap, 0o644)
    truth = json.load(open(cap + ".truth.json"))
    env = dict(os.environ)
    rep = subprocess.run([bench.WRAP, "-r", cap, "-q", "-z", "middlebox"], env=env, capture_output=True, text=True)
    counts, evictions = bench.parse_report(rep.stdout)
    fields = subprocess.run(["tshark", "-r", cap] + pair_fields.TSHARK_ARGS, capture_output=True, text=True).stdout
    pipe = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "pair_fields.py"), "--json"], input=fields,
                                     capture_output=True, text=True, check=True).stdout)
    failed = 0
    for v in bench.VERDICTS + ["handshakes"]:
        t, r, p = truth.get(v, 0), counts.get(v, 0), pipe.get(v, 0)
        ok = t == r == p
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {v:14} truth {t:6} report {r:6} pipeline {p:6}")
    if evictions != 0:
        print(f"FAIL evictions {evictions} (expected 0)")
        failed += 1
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(bench.VERDICTS) + 2 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
