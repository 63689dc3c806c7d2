#!/usr/bin/env python3
"""middlebox-scan on scans shaped like the Internet, against the read floor.

  bench/scan_scale.py                                  10M SYNs stored, 3 rounds
  bench/scan_scale.py --sizes 1000000 --runs 5 --base-build /tmp/base/build
  bench/scan_scale.py --sizes 100000000 1000000000 --shared
  bench/scan_scale.py --sizes 1000000000 --shared --commands floor ndjson

The scan comes from gen-scan (bench/gen_scan.cpp, built with the scanner:
3% of the SYNs answered by a SYN+ACK, 10% by a RST, the rest silent; one
probe template; its truth on the side), and is read by:

  floor        tcpdump -r F -w /dev/null        libpcap reading every frame
  json         middlebox-scan --only answered --format json
  ndjson       middlebox-scan --only answered --format ndjson
  json-all     middlebox-scan --format json     the unscoped report, for scale (--with-all)
  base-*       the same with --base-build's middlebox-scan (a control build)

It prints, per command, the median wall time and CPU time (user + sys: on
a shared, loaded machine the steadier of the two), their ratios to the
floor's, peak RSS (/usr/bin/time) and the output's size, and checks every
output against the generator's truth as it streams by (json: exactly the
answered servers listed, exactly the echoing ones suspect, the verdict
totals; ndjson: one line per SYN+ACK, the same totals).

How the scan reaches the commands:
  (default)  written once to --dir, each command reads the file, rounds
             interleaved;
  --stream   each command gets its own generation through a pipe;
  --shared   one generation feeds every command at once, each through its
             own pipe (gen-scan -o /dev/fd/N ...): nothing is stored and the
             scan is made once, so 100M- and 1B-SYN scans fit a small disk
             and the time of one. The commands then go at the pace of the
             slowest, so their wall times are that pace: read the CPU times.
Never a timed test.
"""
import argparse
import fcntl
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VERDICTS = ("mptcp-absent", "mptcp-genuine", "mptcp-echo", "rst", "no-answer")
ROW = b'\n    {"'
SUSPECT = b'"suspect": true'
KEEP = 1 << 20


class Run:
    """One command under /usr/bin/time, its stdout counted and checked as it
    streams (never kept whole: a 1B-SYN report is gigabytes)."""

    def __init__(self, name, cmd, stdin):
        self.name = name
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(["/usr/bin/time", "-f", "%e %M %U %S"] + cmd, stdin=stdin,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.size = self.rows = self.suspects = self.lines = 0
        self.head = b""
        self.last = [b"", b""]  # the last two blocks: the end of the output
        self.err = b""
        self.readers = [threading.Thread(target=self._read), threading.Thread(target=self._read_err)]
        for t in self.readers:
            t.start()

    def _read(self):
        while True:
            block = self.p.stdout.read(1 << 20)
            if not block:
                break
            if len(self.head) < KEEP:
                self.head += block[:KEEP - len(self.head)]
            self.size += len(block)
            prev = self.last[1]
            # ... and each pattern the block's edge cuts, counted once.
            edge = lambda p: prev[-(len(p) - 1):] + block[:len(p) - 1]  # noqa: E731
            self.rows += block.count(ROW) + edge(ROW).count(ROW)
            self.suspects += block.count(SUSPECT) + edge(SUSPECT).count(SUSPECT)
            self.lines += block.count(b"\n")
            self.last = [prev, block]

    def _read_err(self):
        self.err = self.p.stderr.read()

    def wait(self):
        for t in self.readers:
            t.join()
        self.p.wait()
        wall = time.monotonic() - self.t0
        last = self.err.decode(errors="replace").strip().splitlines()[-1].split()
        return {"wall": wall, "rss": int(last[1]) / 1024.0, "cpu": float(last[2]) + float(last[3]),
                "bytes": self.size, "rc": self.p.returncode, "rows": self.rows, "suspects": self.suspects,
                "lines": self.lines, "head": self.head, "tail": b"".join(self.last), "err": self.err.decode(errors="replace")}


def check(name, m, truth, n):
    """What the output says against the generator's truth: (ok, sentence)."""
    if name.endswith("floor"):
        return True, ""
    want = {v: truth[v] for v in VERDICTS if truth[v]}
    if name.endswith("ndjson"):
        totals = json.loads(m["tail"].rstrip(b"\n").rsplit(b"\n", 1)[-1])["totals"]
        listed = m["lines"] - 1
        ok = listed == truth["synacks"] and totals["handshakes"] == n and totals["verdicts"] == want
        return ok, "%s: %d lines of handshakes (truth: %d answered), %d handshakes counted, verdicts %s" % (
            name, listed, truth["synacks"], totals["handshakes"], "= truth" if totals["verdicts"] == want else
            "%s != truth %s" % (totals["verdicts"], want))
    tail = m["tail"].decode(errors="replace")
    at = tail.rfind('"totals": ')
    totals = json.JSONDecoder().raw_decode(tail[at + len('"totals": '):])[0]
    echoes = truth["mptcp-echo"] + truth["option-echo"]
    servers = n if name.endswith("json-all") else truth["synacks"]
    ok = m["rows"] == servers and m["suspects"] == echoes and totals["handshakes"] == n and totals["verdicts"] == want
    return ok, "%s: %d servers listed (truth: %d), %d suspects (truth: %d echoes), %d handshakes counted, " \
               "verdicts %s" % (name, m["rows"], servers, m["suspects"], echoes, totals["handshakes"],
                                "= truth" if totals["verdicts"] == want else "%s != truth %s" % (totals["verdicts"],
                                                                                                want))


def run_shared(commands, gen):
    """One generation, a pipe to each command: (results by name, truth)."""
    pipes = []
    runs = []
    for name, cmd in commands:
        r, w = os.pipe()
        try:
            fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ: fewer wake-ups per MiB
        except OSError:
            pass
        runs.append(Run(name, cmd, r))
        os.close(r)
        pipes.append(w)
    feeder = subprocess.Popen(gen + sum((["-o", "/dev/fd/%d" % w] for w in pipes), []), pass_fds=pipes,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for w in pipes:
        os.close(w)
    got = {r.name: r.wait() for r in runs}
    truth = json.loads(feeder.stderr.read())
    feeder.wait()
    return got, truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.environ.get("MIDDLEBOX_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--base-build", help="a control build's tree, run side by side")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--stream", action="store_true", help="pipe a generation into each command, store nothing")
    how.add_argument("--shared", action="store_true", help="one generation feeds every command at once")
    ap.add_argument("--with-all", action="store_true", help="also the unscoped json report")
    ap.add_argument("--dir", default="/var/tmp", help="where a stored scan is written")
    ap.add_argument("--commands", nargs="+", help="only these commands (floor, json, ndjson, json-all, base-json, ...)")
    a = ap.parse_args()

    gen_bin = os.path.join(a.build, "bench", "gen-scan")
    builds = [("", os.path.join(a.build, "cli", "middlebox-scan"))]
    if a.base_build:
        builds.append(("base-", os.path.join(a.base_build, "cli", "middlebox-scan")))
    failed = False
    for n in a.sizes:
        gen = [gen_bin, "-n", str(n)]
        path = truth = None
        if not (a.stream or a.shared):
            path = os.path.join(a.dir, "mb-scan-real-%d.pcap" % n)
            if not os.path.exists(path + ".truth.json"):
                print("generating %s ..." % path, flush=True)
                subprocess.run(gen + ["-o", path], check=True, stdout=subprocess.DEVNULL)
            truth = json.load(open(path + ".truth.json"))
        src = path or "-"  # a stored scan is read from its file, as people do
        commands = [("floor", ["tcpdump", "-r", src, "-w", "/dev/null"])]
        for prefix, scan in builds:
            for name, form in (("json", ["--format", "json"]), ("ndjson", ["--format", "ndjson"])):
                commands.append((prefix + name, [scan, "-q", "--no-progress", "--only", "answered"] + form + [src]))
            if a.with_all:
                commands.append((prefix + "json-all", [scan, "-q", "--no-progress", "--format", "json", src]))
        if a.commands:
            commands = [c for c in commands if c[0] in a.commands]
        got = {name: [] for name, _ in commands}
        runs = 1 if a.shared else a.runs
        for r in range(runs):
            if a.shared:
                t0 = time.monotonic()
                results, truth = run_shared(commands, gen)
                print("  round %d: one generation fed %d commands, %.1f s" % (r + 1, len(commands),
                                                                               time.monotonic() - t0), flush=True)
            else:
                results = {}
                for name, cmd in commands:
                    feeder = subprocess.Popen(gen, stdout=subprocess.PIPE, stderr=subprocess.PIPE) if a.stream \
                        else None
                    run = Run(name, cmd, feeder.stdout if feeder else subprocess.DEVNULL)
                    if feeder:
                        feeder.stdout.close()
                    results[name] = run.wait()
                    if feeder:
                        truth = json.loads(feeder.stderr.read())
                        feeder.wait()
            for name, _ in commands:
                m = results[name]
                if m["rc"] != 0:
                    print("%s failed: %s" % (name, m["err"][-800:]), flush=True)
                    return 1
                got[name].append(m)
                print("  round %d %-12s %8.2f s wall %8.2f s CPU %8.1f MiB %14d bytes" %
                      (r + 1, name, m["wall"], m["cpu"], m["rss"], m["bytes"]), flush=True)
        floor = statistics.median(m["wall"] for m in got["floor"]) if "floor" in got else float("nan")
        floor_cpu = statistics.median(m["cpu"] for m in got["floor"]) if "floor" in got else float("nan")
        how = ", stored in a file" if path else ", one generation piped into every command at once" if a.shared \
            else ", each command fed its own generation through a pipe"
        print("\n%s SYNs%s (%s packets), median of %d, this machine (shared, 2 cores):" %
              (format(n, ","), how, format(truth["packets"], ","), runs))
        print("| command | wall s | x floor | CPU s (user+sys) | x floor | peak RSS MiB | output MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in commands:
            w = statistics.median(m["wall"] for m in got[name])
            c = statistics.median(m["cpu"] for m in got[name])
            rss = max(m["rss"] for m in got[name])
            print("| %s | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f |" % (name, w, w / floor, c, c / floor_cpu, rss,
                                                                     got[name][0]["bytes"] / 1e6))
        for name, _ in commands:
            for r, m in enumerate(got[name]):
                ok, said = check(name, m, truth, n)
                failed |= not ok
                if said and (r == 0 or not ok):
                    print("%s: %s" % ("ok" if ok else "MISMATCH", said))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
