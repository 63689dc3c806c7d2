"""The real tshark over one capture, run once per mode and shared by every test that reads it.

tshark's start (loading every dissector) costs more than reading a test capture, so the
per-capture checks of report.tshark_z_middlebox, scanner.identity and
integration.expected_verdicts read three runs of each capture instead of starting tshark for
each form and field set:

  one   one pass, -Y middlebox.verdict: the fields the tests read (FIELDS, every occurrence) and
        every report form (ONE_PASS_REPORTS: each -z middlebox form, the bare -z middlebox and
        -z middlebox,path, the stat table);
  two   -2 -Y middlebox.verdict: the fields the tests read (FIELDS, every occurrence) and the
        two-pass forms (TWO_PASS_REPORTS);
  bare  -2 without -Y and without -z: the same fields, from a first pass that builds no tree
        and has no tap listening (the plugin must read every header from the frame's bytes);
        not for a capture whose expected file has the line SAME_FRAMES (frames other captures
        already give the plugin, in another file format: the run would repeat theirs).

tshark prints several -z reports one after the other; `split_reports` cuts them apart by the
first lines each form starts with, so a form that stops starting that way fails loudly.

A gzip'd copy X.gz of a capture X beside it (test_captures/FORMAT.md) holds X's bytes: tshark reads
the same frames from both, so the copy shares X's runs (the scanner still reads the copy itself).

Runs are cached in $MIDDLEBOX_BUILD/tshark-runs/, keyed by the capture's bytes, the plugin's
bytes, the tshark binary and the arguments: a changed plugin or capture is never served from
the cache. `python3 tests/tshark_runs.py [CAPTURE...]` fills it (ctest's tshark.runs fixture,
every capture under test_captures/, two at a time).
"""
import concurrent.futures
import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
CAPTURES = os.path.join(ROOT, "test_captures")
BUILD = os.environ.get("MIDDLEBOX_BUILD", os.path.join(ROOT, "build"))
SCANNER = os.path.join(BUILD, "cli", "middlebox-scan")
# Capture files by name: pcap and pcapng, and the other formats tshark reads
# (test_captures/formats/: NetMon and Sniffer .cap, snoop), gzip'd or not.
CAPTURE_EXTENSIONS = (".pcapng", ".pcap", ".cap", ".snoop")

# Every field a per-capture test reads from the runs.
FIELDS = ("frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "middlebox.verdict", "middlebox.syn_frame",
          "middlebox.synack_frame", "middlebox.rst_frame", "middlebox.icmp_frame", "middlebox.copy.first_frame",
          "middlebox.copy.ttl_delta", "middlebox.copy.changed", "middlebox.copy.diff", "middlebox.rewritten_on_path",
          "middlebox.hop_mismatch")
# An expected file's line saying its capture needs no `bare` run (test_captures/FORMAT.md).
SAME_FRAMES = "# frames other captures hold, in another file format: no run without a tree"
# Between a field's occurrences: a byte no field value holds (a diff holds commas).
AGGREGATOR = "\x1f"

REPORT_FORMS = ("text", "json", "csv", "pairs", "path,text", "path,json")
# Forms in a scope (-z middlebox,FORM,SCOPE), read by scanner.scope_probe.
SCOPED_REPORTS = ("middlebox,json,answered", "middlebox,json,suspects", "middlebox,pairs,suspects",
                  "middlebox,text,answered")
ONE_PASS_REPORTS = tuple("middlebox," + f for f in REPORT_FORMS) + ("middlebox", "middlebox,path",
                                                                    "middlebox_verdicts") + SCOPED_REPORTS
TWO_PASS_REPORTS = tuple("middlebox," + f for f in REPORT_FORMS) + ("middlebox_verdicts",)

# How each kind of report begins: (kind, patterns its first lines start with).
STARTS = (
    ("text", (r"=+$", r"Middlebox: TCP options echoed")),
    ("table", (r"$", r"=+$", r"Middlebox Verdicts:")),
    ("json", (r"\{$", r'  "report": "middlebox",$')),
    ("path,json", (r'\{"report": "middlebox-path"',)),
    ("csv", (r"address,port,handshakes,",)),
    ("pairs", (r"# middlebox pairs",)),
    ("path,text", (r"# middlebox path",)),
)


def kind_of(z):
    """the kind of report a -z argument prints"""
    if z == "middlebox_verdicts":
        return "table"
    words = z.split(",")[1:] or ["text"]
    if words[0] == "path":
        return "path,json" if words[1:2] == ["json"] else "path,text"
    return words[0] if words[0] in ("json", "csv", "pairs") else "text"


class SplitError(Exception):
    pass


def split_reports(out, zs):
    """(what comes before the first report, {-z argument: its output}) of a run with every
    report of `zs`; raises SplitError when the reports found are not those asked for."""
    lines = out.split("\n")
    starts = []
    for i in range(len(lines)):
        for kind, pats in STARTS:
            if i + len(pats) <= len(lines) and all(re.match(p, lines[i + k]) for k, p in enumerate(pats)):
                starts.append((i, kind))
                break
    found = [k for _, k in starts]
    if sorted(found) != sorted(kind_of(z) for z in zs):
        raise SplitError(f"reports found {found}, asked for {[kind_of(z) for z in zs]}")
    blocks = {}
    for n, (i, kind) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        blocks.setdefault(kind, []).append("\n".join(lines[i:end]) + ("\n" if end < len(lines) else ""))
    # tshark draws its listeners newest first (tap.c keeps them in a list it prepends to).
    result = {}
    for z in reversed(zs):
        result[z] = blocks[kind_of(z)].pop(0)
    return "\n".join(lines[:starts[0][0]]) + "\n" if starts and starts[0][0] else "", result


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def plugin_path():
    found = sorted(glob.glob(os.path.join(BUILD, "plugins", "*", "epan", "middlebox.so")))
    if not found:
        raise RuntimeError(f"no middlebox.so under {BUILD}/plugins: build first")
    return found[0]


_plugin_digest = None


def _args(capture, mode):
    fields = []
    for f in FIELDS:
        fields += ["-e", f]
    fmt = ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGGREGATOR]
    if mode == "one":
        return (["-r", capture, "-n", "-Y", "middlebox.verdict"] + fmt + fields +
                [a for z in ONE_PASS_REPORTS for a in ("-z", z)])
    if mode == "two":
        return (["-r", capture, "-n", "-2", "-Y", "middlebox.verdict"] + fmt + fields +
                [a for z in TWO_PASS_REPORTS for a in ("-z", z)])
    if mode == "bare":
        return ["-r", capture, "-n", "-2"] + fmt + fields
    raise ValueError(mode)


def runs_of(capture):
    """the capture whose runs stand for `capture`: X for a gzip'd copy X.gz of it, else itself"""
    plain = capture[:-len(".gz")]
    if capture.endswith(".gz") and os.path.exists(plain):
        with gzip.open(capture, "rb") as g, open(plain, "rb") as f:
            if g.read() == f.read():
                return plain
    return capture


def run(capture, mode):
    """{'fields': [rows of FIELDS values, each a list of occurrences], 'reports': {-z argument: output}}
    of `mode` over `capture`; raises RuntimeError when tshark fails or writes to stderr."""
    global _plugin_digest
    capture = runs_of(capture)
    if _plugin_digest is None:
        st = os.stat("/usr/bin/tshark")
        _plugin_digest = _digest(plugin_path()) + f"{st.st_size}:{st.st_mtime_ns}"
    args = _args(capture, mode)
    key = hashlib.sha256("\0".join([_digest(capture), _plugin_digest, mode] + args[2:]).encode()).hexdigest()
    cache = os.path.join(BUILD, "tshark-runs", key[:32] + ".json")
    try:
        with open(cache) as f:
            return json.load(f)
    except (OSError, ValueError):
        pass
    # Bytes, decoded without newline translation: the scanner's output is compared byte for byte.
    p = subprocess.run([TSHARK] + args, capture_output=True)
    out, err = (x.decode("utf-8", "surrogateescape") for x in (p.stdout, p.stderr))
    if p.returncode != 0 or err.strip():
        raise RuntimeError(f"tshark {' '.join(args)} exited {p.returncode}: {err.strip()[-800:]}")
    zs = {"one": ONE_PASS_REPORTS, "two": TWO_PASS_REPORTS, "bare": ()}[mode]
    head, reports = split_reports(out, zs) if zs else (out, {})
    rows = [[v.split(AGGREGATOR) if v else [] for v in line.split("\t")] for line in head.splitlines()]
    result = {"capture": capture, "mode": mode, "fields": rows, "reports": reports}
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache))
    with os.fdopen(fd, "w") as f:
        json.dump(result, f)
    os.replace(tmp, cache)
    return result


# tshark 4.2 and later print a boolean field as True/False, 4.0 as 1/0: the tests read 1/0.
AS_40 = {"True": "1", "False": "0"}


def field_rows(result):
    """the rows of a fields run as dicts: field name -> list of occurrences"""
    return [dict(zip(FIELDS, [[AS_40.get(x, x) for x in v] for v in row] + [[]] * (len(FIELDS) - len(row))))
            for row in result["fields"]]


def test_captures():
    """every capture under test_captures/ that has an expected TSV beside it"""
    found = []
    for d, _, files in os.walk(CAPTURES):
        for f in sorted(files):
            if f.endswith(".expected.tsv"):
                base = os.path.join(d, f[: -len(".expected.tsv")])
                for ext in CAPTURE_EXTENSIONS:
                    if os.path.exists(base + ext):
                        found.append(base + ext)
                        break
                else:
                    raise SystemExit(f"{base}.expected.tsv: no capture beside it")
    return sorted(found)


def all_captures():
    """every capture file under test_captures/"""
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(CAPTURES) for f in fs
                  if f.endswith(CAPTURE_EXTENSIONS + tuple(e + ".gz" for e in CAPTURE_EXTENSIONS)))


def modes(capture):
    """the runs the per-capture tests read of a capture that has an expected file"""
    with open(os.path.splitext(capture)[0] + ".expected.tsv") as f:
        same = any(line.rstrip("\n") == SAME_FRAMES for line in f)
    return ("one", "two") if same else ("one", "two", "bare")


def main():
    captures = sys.argv[1:] or sorted(set(all_captures()) | set(test_captures()))
    expected = set(test_captures())
    jobs = [(c, m) for c in dict.fromkeys(runs_of(c) for c in captures) for m in ("one", "two", "bare")
            if m == "one" or sys.argv[1:] or (c in expected and m in modes(c))]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for (c, m), fut in zip(jobs, [pool.submit(run, c, m) for c, m in jobs]):
            try:
                fut.result()
            except (RuntimeError, SplitError) as e:
                failed += 1
                print(f"FAIL {os.path.relpath(c, ROOT)} ({m}): {e}", flush=True)
    print(f"tshark runs: {len(jobs) - failed} ready in {os.path.relpath(os.path.join(BUILD, 'tshark-runs'), ROOT)}, "
          f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
