#!/usr/bin/env python3
"""middlebox-scan against tshark -z middlebox, byte for byte.

  * every capture under test_captures/, every form (text, json, csv, pairs):
    `middlebox-scan --format FORM` prints exactly what `tshark -n -q -z
    middlebox,FORM` prints with the plugin;
  * a generated scan (bench/gen_scan.py) re-wrapped in each link layer and
    tunnel the scanner decodes (raw IP, LINKTYPE_IPV4, BSD null, OpenBSD
    loopback, Linux SLL and SLL2, QinQ, MPLS, IP-in-IP, IPv4-in-IPv6, GRE
    with a key, VXLAN) and a non-IP frame: the same, form by form, against
    what Wireshark's own dissectors make of the same file;
  * gzip'd input, stdin, and two files read in order (frame numbers go on,
    as in the concatenation mergecap -a writes) give the same report;
  * ndjson: one line per handshake, its totals equal the JSON report's;
  * an unreadable file is an error: a message and a non-zero exit.

MIDDLEBOX_BUILD names the build tree. With captures as arguments, only those
are compared, form by form. Prints one line per check and "N passed, N
failed"; exit status 0 only when all passed.
"""
import concurrent.futures
import difflib
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tshark_runs  # noqa: E402
from tshark_runs import ROOT, SCANNER, TSHARK  # noqa: E402
FORMS = ("text", "json", "csv", "pairs", "path", "path,json")

results = []


def record(ok, what, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else "\n" + detail), flush=True)


def tshark_report(capture, form):
    """what `tshark -n -q -z middlebox,FORM` prints, from the one-pass run shared by the tests"""
    return tshark_runs.run(capture, "one")["reports"]["middlebox," + form].encode("utf-8", "surrogateescape")


def scan(args, stdin=None):
    return subprocess.run([SCANNER, "-q"] + list(args), capture_output=True, input=stdin)


def diff(a, b):
    return "".join(difflib.unified_diff(a.decode(errors="replace").splitlines(True),
                                        b.decode(errors="replace").splitlines(True), "tshark", "middlebox-scan", n=1))[:3000]


def compare(capture, label):
    """Every form of `capture`: tshark's bytes against the scanner's."""
    for form in FORMS:
        want = tshark_report(capture, form)
        got = scan(["--format", form, capture])
        record(got.returncode == 0 and got.stdout == want, f"{label} {form}",
               got.stderr.decode()[-500:] + diff(want, got.stdout))


# ---- re-wrapping a classic Ethernet pcap in other link layers and tunnels ----

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    assert magic == 0xA1B2C3D4, "gen_scan.py writes little-endian microsecond pcap"
    frames, at = [], 24
    while at < len(data):
        sec, usec, caplen, length = struct.unpack("<IIII", data[at:at + 16])
        frames.append((sec, usec, data[at + 16:at + 16 + caplen], length))
        at += 16 + caplen
    return frames


def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, body, length in frames:
            f.write(struct.pack("<IIII", sec, usec, len(body), length + len(body)) + body)


def write_pcapng_sections(path, linktype, frames):
    """frames as write_pcap takes them, as pcapng in two sections of one interface each"""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    out = []
    for n, (sec, usec, body, length) in enumerate(frames):
        if n in (0, len(frames) // 2):
            out.append(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
            out.append(block(1, struct.pack("<HHI", linktype, 0, 262144)))
        t = sec * 1000000 + usec
        out.append(block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(body), length + len(body)) + body))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def ipv4_header(payload_len, proto):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 0, 0, 64, proto, 0, bytes([203, 0, 113, 2]),
                       bytes([203, 0, 113, 200]))


def ipv6_header(payload_len, nxt):
    return struct.pack("!IHBB16s16s", 0x60000000, payload_len, nxt, 64, bytes.fromhex("20010db8" + "00" * 11 + "02"),
                       bytes.fromhex("20010db8" + "00" * 11 + "c8"))


ETH = bytes.fromhex("020000000002" "020000000001")
WRAPS = {  # name: (linktype, function of the IPv4 packet)
    "raw": (101, lambda ip: ip),
    "ipv4": (228, lambda ip: ip),
    "null": (0, lambda ip: struct.pack("<I", 2) + ip),
    "loop": (108, lambda ip: struct.pack(">I", 2) + ip),
    "sll": (113, lambda ip: struct.pack("!HHH8sH", 0, 1, 6, ETH[:6] + b"\0\0", 0x0800) + ip),
    "sll2": (276, lambda ip: struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, ETH[:6] + b"\0\0") + ip),
    "qinq": (1, lambda ip: ETH + struct.pack("!HHHHH", 0x88A8, 10, 0x8100, 20, 0x0800) + ip),
    "mpls": (1, lambda ip: ETH + struct.pack("!HI", 0x8847, (16 << 12) | 0x100 | 64) + ip),
    "ipip": (1, lambda ip: ETH + b"\x08\x00" + ipv4_header(len(ip), 4) + ip),
    "4in6": (1, lambda ip: ETH + b"\x86\xdd" + ipv6_header(len(ip), 4) + ip),
    "gre": (1, lambda ip: ETH + b"\x08\x00" + ipv4_header(len(ip) + 8, 47) + struct.pack("!HHI", 0x2000, 0x0800, 7) + ip),
    "vxlan": (1, lambda ip: ETH + b"\x08\x00" + ipv4_header(8 + 8 + 14 + len(ip), 17) +
              struct.pack("!HHHH", 49152, 4789, 8 + 8 + 14 + len(ip), 0) + struct.pack("!II", 0x08000000, 42 << 8) +
              ETH + b"\x08\x00" + ip),
}


def main():
    if not os.access(SCANNER, os.X_OK):
        print(f"no {SCANNER}: build first")
        return 1
    captures = sys.argv[1:]  # given: only these captures, form by form (run-tests.sh --quick)
    work = tempfile.mkdtemp(prefix="middlebox-scan-test.")
    os.chmod(work, 0o755)
    jobs = concurrent.futures.ThreadPoolExecutor(2)
    try:
        list(jobs.map(lambda c: tshark_runs.run(c, "one"), captures))
        for c in captures or tshark_runs.all_captures():
            compare(c, os.path.relpath(os.path.abspath(c), ROOT))
        if captures:
            return finish()

        scan_pcap = os.path.join(work, "scan.pcap")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_scan.py"), "-n", "400", "--data", "0.2",
                        "-o", scan_pcap], check=True, stdout=subprocess.DEVNULL)
        os.chmod(scan_pcap, 0o644)
        compare(scan_pcap, "generated scan")
        frames = read_pcap(scan_pcap)
        # One frame that is not IP (ARP) among them: counted, never analysed.
        arp = (frames[0][0], frames[0][1], ETH + b"\x08\x06" + bytes(28), 42)
        wrapped = {}
        for name, (linktype, wrap) in WRAPS.items():
            wrapped[name] = os.path.join(work, f"scan-{name}.pcap")
            write_pcap(wrapped[name], linktype, [(s, u, wrap(body[14:]), n - 14) for s, u, body, n in frames])
        with_arp = os.path.join(work, "scan-arp.pcap")
        write_pcap(with_arp, 1, [arp] + [(s, u, b, 0) for s, u, b, _ in frames])
        for path in list(wrapped.values()) + [with_arp]:
            os.chmod(path, 0o644)
        # tshark over them two at a time, then the scanner against each.
        list(jobs.map(lambda path: tshark_runs.run(path, "one"), list(wrapped.values()) + [with_arp]))
        for name, path in wrapped.items():
            compare(path, f"generated scan in {name}")
        compare(with_arp, "generated scan after an ARP frame")
        # The raw IP frames as pcapng in two sections: libpcap stops at the second section's
        # interface (it compares LINKTYPE_RAW with DLT_RAW), tshark reads on.
        sections = os.path.join(work, "scan-raw-sections.pcapng")
        write_pcapng_sections(sections, 101, [(s, u, body[14:], n - 14) for s, u, body, n in frames])
        want = tshark_report(wrapped["raw"], "json")
        got = scan(["--format", "json", sections])
        record(got.returncode == 0 and got.stdout == want, "raw IP in two pcapng sections = the same frames in pcap",
               diff(want, got.stdout) + got.stderr.decode())
        p = subprocess.run([SCANNER, "--format", "json", with_arp], capture_output=True, text=True)
        record("not-ip 1" in p.stderr, "the ARP frame is counted as not-ip on stderr", p.stderr)

        # gzip, stdin, two files in order.
        want = tshark_report(scan_pcap, "json")
        gz = scan_pcap + ".gz"
        with open(scan_pcap, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        got = scan(["--format", "json", gz])
        record(got.returncode == 0 and got.stdout == want, "gzip'd file", diff(want, got.stdout))
        with open(gz, "rb") as f:
            got = scan(["--format", "json", "-"], stdin=f.read())
        record(got.returncode == 0 and got.stdout == want, "gzip'd stdin", diff(want, got.stdout))
        with open(scan_pcap, "rb") as f:
            got = scan(["--format", "json", "-"], stdin=f.read())
        record(got.returncode == 0 and got.stdout == want, "plain stdin", diff(want, got.stdout))
        first = os.path.join(ROOT, "test_captures", "replicas", "kind222.pcapng")
        merged = os.path.join(work, "merged.pcapng")
        subprocess.run(["mergecap", "-a", "-w", merged, first, scan_pcap], check=True)
        os.chmod(merged, 0o644)
        for form in FORMS:
            want = tshark_report(merged, form)
            got = scan(["--format", form, first, scan_pcap])
            record(got.returncode == 0 and got.stdout == want, f"two files in order = mergecap -a, {form}",
                   diff(want, got.stdout))

        # ndjson: a line per handshake, the totals those of the JSON report.
        report = json.loads(tshark_report(scan_pcap, "json"))
        got = scan(["--format", "ndjson", scan_pcap])
        lines = [json.loads(x) for x in got.stdout.decode().splitlines()]
        totals = lines[-1]["totals"]
        keys = ("handshakes", "synacks", "verdicts", "mp_capable", "unknown_options", "syn_proxies", "evictions")
        record(got.returncode == 0 and len(lines) - 1 == report["totals"]["handshakes"] and
               all(totals[k] == report["totals"][k] for k in keys) and
               sum(1 for x in lines[:-1] if x["verdict"] == "no-answer") == report["totals"]["verdicts"].get("no-answer", 0),
               "ndjson: one line per handshake, totals equal the JSON report's",
               json.dumps(totals) + "\n" + json.dumps(report["totals"]))
        # --max-pending: the evictions of a small cap, as -o middlebox.max_pending says.
        p = subprocess.run([TSHARK, "-r", scan_pcap, "-n", "-q", "-o", "middlebox.max_pending:5", "-z", "middlebox,json"],
                           capture_output=True)
        got = scan(["--format", "json", "--max-pending", "5", scan_pcap])
        record(got.returncode == 0 and got.stdout == p.stdout, "--max-pending 5 = -o middlebox.max_pending:5",
               diff(p.stdout, got.stdout))

        bad = os.path.join(work, "not-a-capture.pcap")
        with open(bad, "wb") as f:
            f.write(b"this is not a capture file\n" * 4)
        for label, args in (("a file that is not a capture", [bad]), ("a missing file", [bad + ".missing"])):
            p = scan(["--format", "json", bad] if label.startswith("a file") else ["--format", "json"] + args)
            record(p.returncode != 0 and b"middlebox-scan:" in p.stderr, f"{label}: message and non-zero exit",
                   f"status {p.returncode}, stderr {p.stderr!r}")
        p = scan(["--format", "xml", scan_pcap])
        record(p.returncode != 0 and p.stdout == b"", "--format xml is refused", p.stderr.decode())
    finally:
        jobs.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return finish()


def finish():
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
