#!/usr/bin/env python3
"""gen-scan (bench/gen_scan.cpp) piped into middlebox-scan, as the 1B-SYN
benchmark runs them:

  * the scan read from stdin (-r -) gives the report of the same scan read
    from a file, byte for byte, and the generator writes the same bytes to
    each of several outputs;
  * the report's verdict totals are the generator's truth, every SYN went to
    a distinct server, --only answered lists exactly the answered servers
    and its suspects are exactly the echoing ones; ndjson --only answered
    has one line per SYN+ACK;
  * streaming at the --max-pending cap evicts nothing: the window of live
    handshakes leaves the table room for the next SYN;
  * the same scan without the scanner's packets (--answers-only), read with
    --probe, finds the same suspects.

MIDDLEBOX_BUILD names the build tree. Prints one line per check and
"N passed, N failed"; exit status 0 only when all passed.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tshark_runs import BUILD, SCANNER  # noqa: E402
GEN = os.path.join(BUILD, "bench", "gen-scan")
N = 40000
VERDICTS = ("mptcp-absent", "mptcp-genuine", "mptcp-echo", "rst", "no-answer")

results = []


def record(ok, what, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else "\n" + detail), flush=True)


def piped(gen_args, scan_args):
    """gen-scan's stdout into middlebox-scan -r -: (report, truth)."""
    gen = subprocess.Popen([GEN, "-n", str(N)] + gen_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = subprocess.run([SCANNER, "-q", "-r", "-"] + scan_args, stdin=gen.stdout, capture_output=True)
    gen.stdout.close()
    truth = json.loads(gen.stderr.read())
    gen.wait()
    assert gen.returncode == 0 and out.returncode == 0, out.stderr.decode()
    return out.stdout, truth


def suspects(doc):
    return sorted(s["address"] for s in doc["servers"] if s["suspect"])


def main():
    work = tempfile.mkdtemp(prefix="middlebox-gen-scan.")
    cap = os.path.join(work, "scan.pcap")
    copies = [os.path.join(work, "copy%d.pcap" % i) for i in range(2)]
    subprocess.run([GEN, "-n", str(N), "-o", cap], check=True, stdout=subprocess.DEVNULL)
    truth = json.load(open(cap + ".truth.json"))
    subprocess.run([GEN, "-n", str(N), "-o", copies[0], "-o", copies[1]], check=True, capture_output=True)
    same = all(open(c, "rb").read() == open(cap, "rb").read() for c in copies)
    record(same, "gen-scan writes the same bytes to every output, every run")

    whole_file = subprocess.run([SCANNER, "-q", "--format", "json", cap], capture_output=True).stdout
    whole, piped_truth = piped([], ["--format", "json"])
    record(whole == whole_file and piped_truth == truth, "json from stdin (-r -) = json from the file")
    doc = json.loads(whole)
    t = doc["totals"]
    want = {v: truth[v] for v in VERDICTS if truth[v]}
    record(t["verdicts"] == want and t["handshakes"] == N and truth["handshakes"] == N,
           "verdict totals = the generator's truth", "%s != %s" % (t["verdicts"], want))
    record(t["servers"] == N, "every SYN went to a distinct server", "%d servers" % t["servers"])
    shares = truth["no-answer"] / N, truth["rst"] / N, truth["synacks"] / N
    record(0.85 < shares[0] < 0.89 and 0.08 < shares[1] < 0.12 and 0.02 < shares[2] < 0.04,
           "the real mix: about 87% silent, 10% RST, 3% SYN+ACK", str(shares))

    answered = json.loads(piped([], ["--format", "json", "--only", "answered"])[0])
    listed = {s["address"] for s in answered["servers"]}
    want_listed = {s["address"] for s in doc["servers"] if s["synacks"] > 0}
    echoes = truth["mptcp-echo"] + truth["option-echo"]
    record(listed == want_listed and len(listed) == truth["synacks"],
           "--only answered lists exactly the answered servers", "%d != %d" % (len(listed), truth["synacks"]))
    record(len(suspects(answered)) == echoes > 0, "its suspects are exactly the echoing servers",
           "%d != %d" % (len(suspects(answered)), echoes))
    lines = piped([], ["--format", "ndjson", "--only", "answered"])[0].splitlines()
    last = json.loads(lines[-1])["totals"]
    record(len(lines) - 1 == truth["synacks"] and last["verdicts"] == want,
           "ndjson --only answered: one line per SYN+ACK, the truth's totals")

    # A window of live handshakes at the cap (--max-pending) still larger
    # than the longest round trip: nothing is evicted, nothing lost.
    capped = json.loads(piped([], ["--format", "json", "--only", "answered", "--max-pending", "20000"])[0])["totals"]
    record(capped["evictions"] == 0 and capped["verdicts"] == want,
           "--only answered at --max-pending 20000: no eviction, the truth's totals",
           "evictions %d, %s != %s" % (capped["evictions"], capped["verdicts"], want))

    only, _ = piped(["--answers-only"], ["--format", "json", "--probe", truth["probe"], "--only", "suspects"])
    record(suspects(json.loads(only)) == suspects(answered),
           "answers only, read with --probe: the same suspects")

    for f in [cap, cap + ".truth.json"] + copies:
        os.unlink(f)
    os.rmdir(work)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
