#!/usr/bin/env python3
"""Scan-scale benchmark of the middlebox plugin. One command:

  bench/run.sh                                   # 100k and 1M handshakes, 3 runs each
  bench/run.sh --sizes 100000 --runs 1 --callgrind 5000   # quick look

Measures side by side, interleaved run by run, on generated zmap-like scans
(bench/gen_scan.py, fixed seed):
  bare      tshark without the plugin        -q -z io,stat,0
  loaded    tshark with the plugin loaded    -q -z io,stat,0
  report    tshark with the plugin           -q -z middlebox   (-q -z expert when absent)
  pipeline  tshark -T fields ... | python3 bench/pair_fields.py (what a user would write)
and prints medians of wall time, ratios, packets per second, peak RSS
(/usr/bin/time -v), then instruction counts from callgrind on a small capture
(machine noise does not move them), the share of them inside middlebox.so,
the verdict counts of the report, the pipeline and the generator's truth
(they must be equal), and the pending-state cap (evictions, RSS).
Never a timed test in CI: it takes tens of minutes on 2 cores.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WRAP = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
sys.path.insert(0, HERE)
import pair_fields  # noqa: E402

VERDICTS = ["mptcp-genuine", "mptcp-echo", "mptcp-absent", "option-echo", "plain", "no-answer", "rst"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def gen(n, work, data, flood=False):
    name = f"{'flood' if flood else 'scan'}-{n}{'-data' if data else ''}.pcap"
    path = os.path.join(work, name)
    if not os.path.exists(path + ".truth.json"):
        log(f"generating {name}")
        cmd = [sys.executable, os.path.join(HERE, "gen_scan.py"), "-n", str(n), "-o", path]
        if data:
            cmd += ["--data", str(data)]
        if flood:
            cmd += ["--syn-flood"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(path + ".truth.json") as f:
        return path, json.load(f)


class Runner:
    def __init__(self, build, work):
        self.build = build
        self.work = work
        self.env = dict(os.environ, MIDDLEBOX_BUILD=build)
        self.noplug = dict(self.env, MIDDLEBOX_NO_PLUGIN="1")

    def tshark(self, plugin, args):
        return ("" if plugin else "MIDDLEBOX_NO_PLUGIN=1 ") + f"{shlex.quote(WRAP)} " + " ".join(
            shlex.quote(a) for a in args)

    def timed(self, shell_cmd, out_path, read=True):
        """Runs a shell command under /usr/bin/time -v; returns (wall s, peak RSS KiB, stdout; None
        without `read`: a scan's report may not fit in memory)."""
        tv = tempfile.NamedTemporaryFile(dir=self.work, suffix=".time", delete=False).name
        t0 = time.monotonic()
        with open(out_path, "w") as out:
            p = subprocess.run(["/usr/bin/time", "-v", "-o", tv, "sh", "-c", shell_cmd], env=self.env,
                               stdout=out, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t0
        with open(tv) as f:
            tvo = f.read()
        os.unlink(tv)
        if p.returncode != 0:
            raise SystemExit(f"failed ({p.returncode}): {shell_cmd}\n{p.stderr[-2000:]}")
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tvo).group(1))
        if not read:
            return wall, rss, None
        with open(out_path) as f:
            return wall, rss, f.read()


def has_z_middlebox(r, tiny):
    p = subprocess.run(["sh", "-c", r.tshark(True, ["-r", tiny, "-q", "-z", "middlebox"])], env=r.env,
                       capture_output=True, text=True)
    return p.returncode == 0 and "Invalid -z argument" not in p.stderr


def parse_report(text):
    """Verdict counts and evictions from the -z middlebox totals."""
    counts = {}
    m = re.search(r"^\s*Verdicts: (.*)$", text, re.M)
    if m:
        for name, num in re.findall(r"([a-z-]+) (\d+)", m.group(1)):
            counts[name] = int(num)
    m = re.search(r"^\s*Handshakes: (\d+)", text, re.M)
    if m:
        counts["handshakes"] = int(m.group(1))
    ev = re.search(r"dropped at the cap: (\d+)", text)
    return counts, int(ev.group(1)) if ev else None


def configs(r, cap, zmb, control=None):
    report = ["-q", "-z", "middlebox"] if zmb else ["-q", "-z", "expert"]
    fields = r.tshark(False, ["-r", cap] + pair_fields.TSHARK_ARGS)
    runs = [
        ("bare", r.tshark(False, ["-r", cap, "-q", "-z", "io,stat,0"])),
        ("loaded", r.tshark(True, ["-r", cap, "-q", "-z", "io,stat,0"])),
        ("report", r.tshark(True, ["-r", cap] + report)),
        ("pipeline", f"{fields} | {shlex.quote(sys.executable)} {shlex.quote(os.path.join(HERE, 'pair_fields.py'))} --json"),
    ]
    if control:
        # The report command with the control build (MIDDLEBOX_BENCH_CONTROL):
        # tshark dissecting every packet with no tree and a plugin that does nothing.
        runs.append(("control", f"MIDDLEBOX_BUILD={shlex.quote(control)} " + r.tshark(True, ["-r", cap] + report)))
    return runs


def callgrind_total(outf):
    """(total Ir, self Ir inside middlebox.so) of one callgrind output file."""
    ann = subprocess.run(["callgrind_annotate", "--show=Ir", "--inclusive=no", "--threshold=100", outf],
                         capture_output=True, text=True).stdout
    total = int(re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", ann, re.M).group(1).replace(",", ""))
    own = 0
    for line in ann.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if m and "middlebox.so]" in m.group(2):
            own += int(m.group(1).replace(",", ""))
    return total, own


def callgrind(r, cap, zmb, tag, pipeline=False):
    """Instructions (Ir) of bare, loaded and report on `cap`; plugin self cost.
    With `pipeline`, also the fields pipeline: its tshark and its pairing
    script, each counted whole (they run side by side on two cores, so the
    sum is the work, not the wall time)."""
    vdir = os.path.join(r.work, "callgrind")
    os.makedirs(vdir, exist_ok=True)
    os.chmod(vdir, 0o777)
    report = ["-q", "-z", "middlebox"] if zmb else ["-q", "-z", "expert"]
    res = {}
    runs = [("bare", False, ["-q", "-z", "io,stat,0"]), ("loaded", True, ["-q", "-z", "io,stat,0"]),
            ("report", True, report)]
    if pipeline:
        runs.append(("pipeline-tshark", False, pair_fields.TSHARK_ARGS))
    fields_out = os.path.join(vdir, f"{tag}.fields.txt")
    for name, plugin, args in runs:
        outf = os.path.join(vdir, f"{tag}.{name}.out")
        if os.path.exists(outf):
            os.unlink(outf)
        wrapper = os.path.join(vdir, "vg-tshark")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={outf} "
                    f"--dump-instr=no --collect-jumps=no /usr/bin/tshark \"$@\"\n")
        os.chmod(wrapper, 0o755)
        env = dict(r.env, TSHARK=wrapper)
        if not plugin:
            env["MIDDLEBOX_NO_PLUGIN"] = "1"
        log(f"callgrind {tag} {name}")
        p = subprocess.run([WRAP, "-r", cap] + args, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"callgrind run failed: {p.stderr[-2000:]}")
        if name == "pipeline-tshark":
            with open(fields_out, "w") as f:
                f.write(p.stdout)
        total, own = callgrind_total(outf)
        res[name] = {"ir": total, "plugin_ir": own, "file": outf}
    if pipeline:
        outf = os.path.join(vdir, f"{tag}.pipeline-pair.out")
        log(f"callgrind {tag} pipeline-pair")
        with open(fields_out) as f:
            p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outf}", "--dump-instr=no",
                                "--collect-jumps=no", sys.executable, os.path.join(HERE, "pair_fields.py")],
                               stdin=f, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"callgrind run failed: {p.stderr[-2000:]}")
        total, _ = callgrind_total(outf)
        res["pipeline-pair"] = {"ir": total, "plugin_ir": 0, "file": outf}
        res["pipeline"] = {"ir": res["pipeline-tshark"]["ir"] + total, "plugin_ir": 0, "file": outf}
    return res


def fmt_int(n):
    return f"{n:,}"


def common_arguments(doc, sizes):
    """The options bench.py and scanner.py share: sizes, runs, data share, build and work folders."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=sizes)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=float, default=0.1, help="share of plain handshakes followed by data")
    ap.add_argument("--build", default=os.environ.get("MIDDLEBOX_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--work", default="/tmp/middlebox-bench")
    return ap


def main():
    ap = common_arguments(__doc__, [100000, 1000000])
    ap.add_argument("--callgrind", type=int, default=20000, help="handshakes in the callgrind capture (0: skip)")
    ap.add_argument("--cap", type=int, default=10000, help="small middlebox.max_pending for the cap check (0: skip)")
    ap.add_argument("--flood", type=int, default=0,
                    help="distinct never-answered SYNs for the flood check (e.g. 5000000; 0: skip)")
    ap.add_argument("--json", help="also write the raw numbers here")
    ap.add_argument("--control", help="a build with -DMIDDLEBOX_BENCH_CONTROL=ON: adds the report command run with a "
                                      "plugin that analyses nothing (the floor any design could reach)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.makedirs(args.work, exist_ok=True)
    os.chmod(args.work, 0o777)
    r = Runner(build, args.work)
    if not any(f == "middlebox.so" for _, _, fs in os.walk(os.path.join(build, "plugins")) for f in fs):
        raise SystemExit(f"no middlebox.so under {build}/plugins: build first")
    tiny, _ = gen(100, args.work, args.data)
    zmb = has_z_middlebox(r, tiny)
    log("report command:", "-z middlebox" if zmb else "-z expert (-z middlebox not available)")

    out = {"sizes": {}, "zmb": zmb, "build": build}
    lines = []
    P = lines.append
    P(f"Plugin build: `{build}`; tshark: {subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}")
    P(f"Report command: `{'-q -z middlebox' if zmb else '-q -z expert (fallback: -z middlebox not available)'}`")
    P("")

    args.sizes = [n for n in args.sizes if n > 0]  # --sizes 0: only the other sections
    for n in args.sizes:
        cap, truth = gen(n, args.work, args.data)
        packets = truth["packets"]
        cfgs = configs(r, cap, zmb, os.path.abspath(args.control) if args.control else None)
        samples = {name: [] for name, _ in cfgs}
        outputs = {}
        for run in range(args.runs):
            for name, cmd in cfgs:
                log(f"{n} run {run + 1}/{args.runs}: {name}")
                wall, rss, text = r.timed(cmd, os.path.join(args.work, f"out-{n}-{name}.txt"))
                samples[name].append((wall, rss))
                outputs[name] = text
        res = {}
        for name, s in samples.items():
            res[name] = {"walls": [w for w, _ in s], "median": statistics.median(w for w, _ in s),
                         "rss_kib": max(x for _, x in s)}
        # Same counts from the report, the pipeline and the generator.
        pipe_counts = json.loads(outputs["pipeline"].strip().splitlines()[-1])
        rep_counts, evictions = parse_report(outputs["report"]) if zmb else ({}, None)
        out["sizes"][n] = {"packets": packets, "results": res, "truth": truth, "pipeline_counts": pipe_counts,
                           "report_counts": rep_counts, "evictions": evictions}
        bare = res["bare"]["median"]
        P(f"### {fmt_int(n)} handshakes ({fmt_int(packets)} packets, `{os.path.basename(cap)}`)")
        P("")
        P("| run | median wall s | runs (s) | x bare | packets/s | peak RSS MiB |")
        P("|---|---:|---|---:|---:|---:|")
        for name, _ in cfgs:
            v = res[name]
            P(f"| {name} | {v['median']:.2f} | {' '.join(f'{w:.2f}' for w in v['walls'])} | {v['median'] / bare:.2f} | "
              f"{fmt_int(int(packets / v['median']))} | {v['rss_kib'] / 1024:.0f} |")
        P("")
        # Wall times on a shared VM drift from run to run; report and pipeline
        # of the same round ran back to back, so their ratio drifts less.
        rounds = [p / q for p, q in zip(res["pipeline"]["walls"], res["report"]["walls"])]
        res["pipeline_over_report"] = {"of_medians": res['pipeline']['median'] / res['report']['median'],
                                       "per_round": rounds, "median_per_round": statistics.median(rounds)}
        P(f"pipeline / report: **{res['pipeline']['median'] / res['report']['median']:.2f}x** "
          f"(ratio of the medians; report is that much faster than the fields pipeline); per round: "
          f"{' '.join(f'{x:.2f}' for x in rounds)} (median {statistics.median(rounds):.2f}x)")
        P("")
        if "control" in res:
            floor = [p / q for p, q in zip(res["pipeline"]["walls"], res["control"]["walls"])]
            cost = [q / c for q, c in zip(res["report"]["walls"], res["control"]["walls"])]
            res["pipeline_over_control"] = {"per_round": floor, "median_per_round": statistics.median(floor)}
            res["report_over_control"] = {"per_round": cost, "median_per_round": statistics.median(cost)}
            P(f"pipeline / control (the most a plugin doing nothing reaches): per round "
              f"{' '.join(f'{x:.2f}' for x in floor)} (median **{statistics.median(floor):.2f}x**); "
              f"report / control (what the analysis adds to the wall time): per round "
              f"{' '.join(f'{x:.3f}' for x in cost)} (median {statistics.median(cost):.3f}x)")
            P("")
        P("| verdict | truth | report | pipeline |")
        P("|---|---:|---:|---:|")
        ok = True
        for v in VERDICTS + ["handshakes"]:
            t, a, b = truth.get(v, 0), rep_counts.get(v, "-") if zmb else "-", pipe_counts.get(v, 0)
            ok &= (t == b) and (not zmb or t == a)
            P(f"| {v} | {t} | {a} | {b} |")
        P("")
        P(f"counts equal: **{'yes' if ok else 'NO'}**; evictions in the report: {evictions}")
        P("")
        out["sizes"][n]["counts_equal"] = ok

    if len(args.sizes) >= 2:
        a, b = args.sizes[0], args.sizes[-1]
        P("### Linearity (median wall per packet, largest / smallest capture)")
        P("")
        for name in ("bare", "loaded", "report", "pipeline"):
            pa = out["sizes"][a]["results"][name]["median"] / out["sizes"][a]["packets"]
            pb = out["sizes"][b]["results"][name]["median"] / out["sizes"][b]["packets"]
            P(f"- {name}: {pa * 1e6:.2f} us/packet at {fmt_int(a)}, {pb * 1e6:.2f} us/packet at {fmt_int(b)}: "
              f"ratio {pb / pa:.2f}")
        P("")

    if args.cap and zmb and args.sizes:
        n = args.sizes[-1]
        cap, truth = gen(n, args.work, args.data)
        log(f"cap check: max_pending {args.cap} on {n}")
        cmds = {
            "default cap": r.tshark(True, ["-r", cap, "-q", "-z", "middlebox"]),
            f"max_pending {args.cap}": r.tshark(True, ["-r", cap, "-o", f"middlebox.max_pending:{args.cap}", "-q", "-z",
                                                         "middlebox"]),
        }
        P(f"### Pending-state cap ({fmt_int(n)} handshakes, {fmt_int(truth['no-answer'])} never answered)")
        P("")
        P("| preference | wall s | peak RSS MiB | evictions | verdicts |")
        P("|---|---:|---:|---:|---|")
        for label, cmd in cmds.items():
            wall, rss, text = r.timed(cmd, os.path.join(args.work, "out-cap.txt"))
            counts, ev = parse_report(text)
            P(f"| {label} | {wall:.2f} | {rss / 1024:.0f} | {ev} | "
              f"{', '.join(f'{k} {v}' for k, v in counts.items())} |")
        P("")

    if args.flood:
        cap, truth = gen(args.flood, args.work, 0, flood=True)
        log(f"flood: {args.flood} SYNs")
        runs = [
            ("bare tshark, -q -z io,stat,0", r.tshark(False, ["-r", cap, "-q", "-z", "io,stat,0"])),
            ("plugin loaded, -q -z io,stat,0", r.tshark(True, ["-r", cap, "-q", "-z", "io,stat,0"])),
            (f"-z middlebox, max_pending {args.cap}", r.tshark(True, ["-r", cap, "-o", f"middlebox.max_pending:{args.cap}",
                                                                   "-q", "-z", "middlebox"])),
            ("-z middlebox, default max_pending", r.tshark(True, ["-r", cap, "-q", "-z", "middlebox"])),
        ]
        P(f"### SYN flood: {fmt_int(args.flood)} distinct SYNs, none answered (`{os.path.basename(cap)}`)")
        P("")
        P("| run | wall s | peak RSS MiB | evictions | no-answer |")
        P("|---|---:|---:|---:|---:|")
        for label, cmd in runs:
            wall, rss, text = r.timed(cmd, os.path.join(args.work, "out-flood.txt"))
            counts, ev = parse_report(text)
            P(f"| {label} | {wall:.1f} | {rss / 1024:.0f} | {ev if ev is not None else '-'} | "
              f"{counts.get('no-answer', '-')} |")
        P("")

    if args.callgrind:
        cap, truth = gen(args.callgrind, args.work, args.data)
        empty, _ = gen(0, args.work, args.data)
        cg = callgrind(r, cap, zmb, f"scan{args.callgrind}", pipeline=True)
        cg0 = callgrind(r, empty, zmb, "empty", pipeline=True)
        out["callgrind"] = {"full": cg, "empty": cg0, "packets": truth["packets"]}
        P(f"### Instructions (callgrind, {fmt_int(args.callgrind)} handshakes = {fmt_int(truth['packets'])} packets)")
        P("")
        P("| run | Ir total | x bare | Ir of an empty capture (start-up) | Ir per packet (total - start-up) | x bare per packet | self Ir in middlebox.so | share of total |")
        P("|---|---:|---:|---:|---:|---:|---:|---:|")
        b_total = cg["bare"]["ir"]
        b_pp = (cg["bare"]["ir"] - cg0["bare"]["ir"]) / truth["packets"]
        for name in ("bare", "loaded", "report"):
            t = cg[name]["ir"]
            pp = (t - cg0[name]["ir"]) / truth["packets"]
            P(f"| {name} | {fmt_int(t)} | {t / b_total:.3f} | {fmt_int(cg0[name]['ir'])} | {pp:,.0f} | {pp / b_pp:.3f} | "
              f"{fmt_int(cg[name]['plugin_ir'])} | {100.0 * cg[name]['plugin_ir'] / t:.2f}% |")
        pipe, pipe0 = cg["pipeline"]["ir"], cg0["pipeline"]["ir"]
        rep, rep0 = cg["report"]["ir"], cg0["report"]["ir"]
        P(f"| pipeline (tshark -T fields + pair_fields.py, summed) | {fmt_int(pipe)} | {pipe / b_total:.3f} | "
          f"{fmt_int(pipe0)} | {(pipe - pipe0) / truth['packets']:,.0f} | "
          f"{(pipe - pipe0) / truth['packets'] / b_pp:.3f} | - | - |")
        P("")
        P(f"pipeline / report in instructions: **{pipe / rep:.2f}x** whole runs, "
          f"{(pipe - pipe0) / (rep - rep0):.2f}x per packet. Machine noise does not move these; "
          f"the wall-time ratio differs (bench/RESULTS.md says why).")
        P("")
        P(f"callgrind files: `{os.path.dirname(cg['bare']['file'])}` (callgrind_annotate --inclusive=yes FILE)")
        P("")

    text = "\n".join(lines)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, default=str)


if __name__ == "__main__":
    main()
