#!/usr/bin/env python3
"""middlebox-scan against tshark and the I/O floor. One command:

  bench/run.sh --scanner                               # 1M and 10M handshakes, 3 runs each
  bench/run.sh --scanner --sizes 1000000 --runs 1      # quick look
  bench/run.sh --scanner --huge 10000000 --huge-repeat 5   # also one ndjson run on ~100M packets
  bench/run.sh --scanner --sizes 1000000 --runs 5 --scanner-base /tmp/scan-base/build
                                                       # a change against a control build, same run
  bench/run.sh --scanner --pcapng ...                  # the same scans as pcapng

Measures side by side, interleaved run by run, on generated zmap-like scans
(bench/gen_scan.py, fixed seed, as bench.py):
  floor     tcpdump -r F -w /dev/null        libpcap reading every frame: the I/O floor
  ndjson    middlebox-scan --format ndjson   one line per handshake, memory bounded
  json      middlebox-scan --format json     the per-server report of the whole file
  tshark    tshark -q -z middlebox,json      the plugin (only up to --tshark-max handshakes:
                                             tshark keeps ~2.8 KiB per connection)
  base-*    the same scanner runs with --scanner-base BUILD's middlebox-scan
            (e.g. the commit before a change, built in a worktree of its own)
and prints wall medians, ratios, packets/s and peak RSS (/usr/bin/time -v);
whether the scanner's JSON equals tshark's byte for byte (SHA-256 of both),
and that its verdict counts equal the generator's truth (and, with a base,
that both builds wrote the same bytes). --huge N adds one
ndjson run on an N-handshake scan (2 packets a handshake), read
--huge-repeat times in a row as one input.
Never a timed test in CI.
"""
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import Runner, common_arguments, fmt_int, gen, log  # noqa: E402


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ndjson_totals(path):
    """The last line of an ndjson stream: its totals."""
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - 65536))
        return json.loads(f.read().splitlines()[-1])["totals"]


def as_pcapng(cap):
    """The same frames as pcapng, made once beside the pcap."""
    out = cap + "ng"
    if not os.path.exists(out):
        log(f"writing {os.path.basename(out)}")
        subprocess.run(["editcap", "-F", "pcapng", cap, out + ".tmp"], check=True)
        os.rename(out + ".tmp", out)
    return out


def main():
    ap = common_arguments(__doc__, [1000000, 10000000])
    ap.add_argument("--tshark-max", type=int, default=1000000, help="largest scan tshark is run on")
    ap.add_argument("--huge", type=int, default=0, help="handshakes of the capture of one extra ndjson run")
    ap.add_argument("--huge-repeat", type=int, default=1,
                    help="read that capture this many times in a row as one input (5 x 10M handshakes: ~100M packets)")
    ap.add_argument("--scanner-base", metavar="BUILD",
                    help="a control build: its middlebox-scan runs beside this one, interleaved, and the "
                         "table gets base / this ratios")
    ap.add_argument("--pcapng", action="store_true",
                    help="read the scan as pcapng (editcap's copy of the generated pcap), as Wireshark and "
                         "dumpcap write captures")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    scanner = os.path.join(build, "cli", "middlebox-scan")
    if not os.access(scanner, os.X_OK):
        raise SystemExit(f"no {scanner}: build first")
    os.makedirs(args.work, exist_ok=True)
    os.chmod(args.work, 0o777)
    r = Runner(build, args.work)
    scan = shlex.quote(scanner)
    base = None
    if args.scanner_base:
        base = os.path.join(os.path.abspath(args.scanner_base), "cli", "middlebox-scan")
        if not os.access(base, os.X_OK):
            raise SystemExit(f"no {base}: build the control first")
    P = print
    P(f"middlebox-scan: `{scanner}`; {subprocess.run([scanner, '--version'], capture_output=True, text=True).stdout.strip()}")
    if base:
        P(f"control (base-*): `{base}`")
    P("")
    for n in args.sizes:
        cap, truth = gen(n, args.work, args.data)
        if args.pcapng:
            cap = as_pcapng(cap)
        packets = truth["packets"]
        q = shlex.quote(cap)
        cfgs = [("floor", f"tcpdump -r {q} -w /dev/null 2>/dev/null"),
                ("ndjson", f"{scan} -q --format ndjson {q}"),
                ("json", f"{scan} -q --format json {q}")]
        if base:
            cfgs += [("base-ndjson", f"{shlex.quote(base)} -q --format ndjson {q}"),
                     ("base-json", f"{shlex.quote(base)} -q --format json {q}")]
        if n <= args.tshark_max:
            cfgs.append(("tshark", r.tshark(True, ["-r", cap, "-n", "-q", "-z", "middlebox,json"])))
        samples = {name: [] for name, _ in cfgs}
        digests = {}
        for run in range(args.runs):
            for name, cmd in cfgs:
                log(f"{n} run {run + 1}/{args.runs}: {name}")
                out = os.path.join(args.work, f"scanner-{n}-{name}.out")
                wall, rss, _ = r.timed(cmd, out, read=False)
                samples[name].append((wall, rss))
                if name in ("json", "tshark", "base-json", "ndjson", "base-ndjson"):
                    digests[name] = sha256(out)
                if name == "ndjson":
                    totals = ndjson_totals(out)
                os.unlink(out)
        med = {name: statistics.median(w for w, _ in s) for name, s in samples.items()}
        P(f"### {fmt_int(n)} handshakes ({fmt_int(packets)} packets, `{os.path.basename(cap)}`)")
        P("")
        P("| run | median wall s | runs (s) | x floor | tshark / this | base / this | packets/s | peak RSS MiB |")
        P("|---|---:|---|---:|---:|---:|---:|---:|")
        for name, _ in cfgs:
            s = samples[name]
            vs_tshark = f"{med['tshark'] / med[name]:.1f}" if "tshark" in med else "-"
            vs_base = f"{med['base-' + name] / med[name]:.2f}" if "base-" + name in med else "-"
            P(f"| {name} | {med[name]:.2f} | {' '.join(f'{w:.2f}' for w, _ in s)} | {med[name] / med['floor']:.1f} | "
              f"{vs_tshark} | {vs_base} | {fmt_int(int(packets / med[name]))} | {max(x for _, x in s) / 1024:.0f} |")
        P("")
        ok = all(totals["verdicts"].get(v, 0) == truth[v] for v in truth if v not in ("handshakes", "packets", "synacks"))
        ok = ok and totals["handshakes"] == truth["handshakes"] and totals["synacks"] == truth["synacks"]
        P(f"ndjson totals equal the generator's truth: **{'yes' if ok else 'NO'}**")
        if "tshark" in digests:
            same = digests["json"] == digests["tshark"]
            P(f"middlebox-scan --format json equals tshark -z middlebox,json byte for byte: **{'yes' if same else 'NO'}** "
              f"(sha256 {digests['json'][:16]}...)")
        if base:
            same = all(digests[f] == digests["base-" + f] for f in ("json", "ndjson"))
            P(f"json and ndjson equal the control's byte for byte: **{'yes' if same else 'NO'}**")
        P("")
        sys.stdout.flush()

    if args.huge:
        # Python writes ~50k handshakes/s: a 100M-packet capture would take 17 min to make, so
        # --huge-repeat reads one capture several times as one input (frame numbers go on;
        # each copy's tuples are new to the window of live handshakes by then).
        cap, truth = gen(args.huge, args.work, args.data)
        k = args.huge_repeat
        log(f"huge: {k} x {args.huge} handshakes, ndjson")
        out = os.path.join(args.work, "scanner-huge.out")
        wall, rss, _ = r.timed(f"{scan} -q --format ndjson {' '.join([shlex.quote(cap)] * k)}", out, read=False)
        totals = ndjson_totals(out)
        size = os.path.getsize(out)
        os.unlink(out)
        packets = k * truth["packets"]
        P(f"### {k} x {fmt_int(args.huge)} handshakes = {fmt_int(packets)} packets "
          f"({k} x {os.path.getsize(cap) / 2**30:.2f} GiB), --format ndjson")
        P("")
        P(f"wall {wall:.1f} s, {fmt_int(int(packets / wall))} packets/s, peak RSS {rss / 1024:.0f} MiB, "
          f"{fmt_int(totals['handshakes'])} handshakes in the totals (truth {fmt_int(k * truth['handshakes'])}), "
          f"{size / 2**30:.1f} GiB of ndjson, evictions {totals['evictions']}, expired {totals['expired']}")
        P("")


if __name__ == "__main__":
    main()
