#!/usr/bin/env python3
"""middlebox-scan on scans shaped like the Internet, against the read floor.

  bench/scan_scale.py                          10M SYNs, 3 runs of each command
  bench/scan_scale.py --sizes 10000000 100000000 --stream --runs 1
  bench/scan_scale.py --sizes 1000000 --runs 5 --base-build /tmp/base/build

A generated scan (bench/gen_scan.py --mix real --template: 3% of the SYNs
answered by a SYN+ACK, 10% by a RST, the rest silent; every SYN carrying
the same probe template) is read, round by round, interleaved, by:

  floor        tcpdump -r F -w /dev/null        libpcap reading every frame
  json         middlebox-scan --only answered --format json
  ndjson       middlebox-scan --only answered --format ndjson
  json-all     middlebox-scan --format json     the unscoped report, for scale (--with-all)
  base-*       the same with --base-build's middlebox-scan (a control build)

and prints, per command, the median wall time and CPU time (user + sys: on
a shared, loaded machine the steadier of the two), their ratios to the
floor's, peak RSS (/usr/bin/time) and the output's size; it checks that the json
lists exactly the generator's answered servers and echoes. With --stream
the capture is never stored: the generator's output is piped into each
command (so each round generates the scan again; the generator's own pace
then bounds the wall times and the floor reads the same pipe), which is how
100M- and 1B-SYN scans fit a small disk. Never a timed test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = [sys.executable, os.path.join(HERE, "gen_scan.py"), "--mix", "real", "--template"]


def measure(cmd, stdin_cmd=None, stdin_file=None):
    """Wall seconds, peak RSS in MiB and bytes written by `cmd` (its stdout
    counted, not kept), fed from a file or from another command's stdout."""
    timed = ["/usr/bin/time", "-f", "%e %M %U %S"] + cmd
    feeder = None
    stdin = subprocess.DEVNULL
    if stdin_cmd is not None:
        feeder = subprocess.Popen(stdin_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        stdin = feeder.stdout
    elif stdin_file is not None:
        stdin = open(stdin_file, "rb")
    t0 = time.monotonic()
    p = subprocess.Popen(timed, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if feeder is not None:
        feeder.stdout.close()
    size = 0
    first = b""
    while True:
        block = p.stdout.read(1 << 20)
        if not block:
            break
        if len(first) < (1 << 29):
            first += block
        size += len(block)
    err = p.stderr.read().decode()
    p.wait()
    wall = time.monotonic() - t0
    if feeder is not None:
        feeder.wait()
    last = err.strip().splitlines()[-1].split()
    return {"wall": wall, "rss": int(last[1]) / 1024.0, "cpu": float(last[2]) + float(last[3]), "bytes": size,
            "rc": p.returncode, "head": first, "err": err}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.environ.get("MIDDLEBOX_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--base-build", help="a control build's tree, run side by side")
    ap.add_argument("--stream", action="store_true", help="pipe the generator into each command, store nothing")
    ap.add_argument("--with-all", action="store_true", help="also the unscoped json report")
    ap.add_argument("--dir", default="/var/tmp", help="where a stored scan is written")
    a = ap.parse_args()

    builds = [("", os.path.join(a.build, "cli", "middlebox-scan"))]
    if a.base_build:
        builds.append(("base-", os.path.join(a.base_build, "cli", "middlebox-scan")))
    for n in a.sizes:
        path = None
        truth = None
        if not a.stream:
            path = os.path.join(a.dir, "mb-scan-real-%d.pcap" % n)
            if not os.path.exists(path + ".truth.json"):
                print("generating %s ..." % path, flush=True)
                subprocess.run(GEN + ["-n", str(n), "--out", path], check=True, stdout=subprocess.DEVNULL)
            truth = json.load(open(path + ".truth.json"))
        src = "-" if a.stream else path  # a stored scan is read from its file, as people do
        commands = [("floor", ["tcpdump", "-r", src, "-w", "/dev/null"])]
        for prefix, scan in builds:
            commands.append((prefix + "json", [scan, "-q", "--no-progress", "--only", "answered", "--format", "json",
                                               src]))
            commands.append((prefix + "ndjson", [scan, "-q", "--no-progress", "--only", "answered", "--format",
                                                 "ndjson", src]))
            if a.with_all:
                commands.append((prefix + "json-all", [scan, "-q", "--no-progress", "--format", "json", src]))
        got = {name: [] for name, _ in commands}
        for r in range(a.runs):
            for name, cmd in commands:
                m = measure(cmd, stdin_cmd=GEN + ["-n", str(n), "--out", "-"] if a.stream else None)
                if m["rc"] != 0:
                    print("%s failed: %s" % (name, m["err"][-800:]), flush=True)
                    return 1
                got[name].append(m)
                print("  round %d %-12s %8.2f s wall %8.2f s CPU %8.1f MiB %12d bytes" %
                      (r + 1, name, m["wall"], m["cpu"], m["rss"], m["bytes"]), flush=True)
        floor = statistics.median(m["wall"] for m in got["floor"])
        floor_cpu = statistics.median(m["cpu"] for m in got["floor"])
        packets = truth["packets"] if truth else None
        print("\n%s SYNs%s (%s packets), median of %d, this machine (shared, 2 cores):" %
              (format(n, ","), ", streamed from the generator" if a.stream else "",
               format(packets, ",") if packets else "?", a.runs))
        print("| command | wall s | x floor | CPU s (user+sys) | x floor | peak RSS MiB | output MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in commands:
            w = statistics.median(m["wall"] for m in got[name])
            c = statistics.median(m["cpu"] for m in got[name])
            rss = max(m["rss"] for m in got[name])
            print("| %s | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f |" % (name, w, w / floor, c, c / floor_cpu, rss,
                                                                     got[name][0]["bytes"] / 1e6))
        if truth:
            doc = json.loads(got["json"][0]["head"])
            echoes = truth["mptcp-echo"] + truth["option-echo"]
            listed = len(doc["servers"])
            sus = sum(1 for s in doc["servers"] if s["suspect"])
            ok = listed == truth["synacks"] and sus == echoes and doc["totals"]["handshakes"] == n
            print("json --only answered: %d servers listed (truth: %d answered), %d suspects (truth: %d echoes), "
                  "%d handshakes counted: %s" % (listed, truth["synacks"], sus, echoes, doc["totals"]["handshakes"],
                                                  "ok" if ok else "MISMATCH"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
