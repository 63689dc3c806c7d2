#!/usr/bin/env python3
"""Deterministic generator of zmap-like scan captures (classic pcap, Ethernet).

One scanner (192.0.2.1) sends one SYN to each of N distinct servers on port
80, at a fixed rate; each SYN carries MSS, SACK_PERM, TS, NOP, WS and, for
most, MP_CAPABLE v0 with a random key, sometimes kind 222. Answers arrive
after a random round-trip time and are mixed:

  plain      SYN+ACK with the server's own MSS/SACK_PERM/TS/WS (or MSS only);
             the scanner's kernel answers it with a RST, or (--data) the
             connection carries a request and a response, then a RST
  genuine    SYN+ACK with the server's own MP_CAPABLE v0 key
  echo       an echoing box returns the SYN's option block byte for byte
  rst        RST+ACK
  none       no answer

The same seed gives the same bytes. A ground-truth summary (how many of each
verdict the plugin must find, docs/verdicts.md) is written beside the
capture as <out>.truth.json (with --out -, the capture goes to stdout and
the summary to stderr: a scan larger than the disk is piped straight into
middlebox-scan).

--mix real answers as the Internet does a port-80 SYN scan: about 3% SYN+ACK
(2.7% plain, 0.1% genuine MPTCP, 0.2% echoing boxes), 10% RST, 87% nothing.
--template gives every SYN the same options (zmap's tcp_synopt sends one
block: MSS, SACK_PERM, TS, NOP, WS, MP_CAPABLE v0 with a fixed key, kind
222); the summary names it as "probe": "hex:...", for middlebox-scan
--probe. --answers-only leaves the scanner's own packets (SYNs, its RSTs)
out: a capture of the answers only, as a filter on the scanner's ports
makes.

  python3 bench/gen_scan.py --handshakes 1000000 --out /tmp/scan-1m.pcap
  python3 bench/gen_scan.py --handshakes 20000 --data 0.2 --out /tmp/s.pcap
  python3 bench/gen_scan.py --syn-flood --handshakes 5000000 --out flood.pcap   # SYNs only
  python3 bench/gen_scan.py -n 10000000 --mix real --template --out - | middlebox-scan --only answered -
"""
import argparse
import heapq
import json
import random
import struct
import sys

SCANNER = bytes([192, 0, 2, 1])
ETH_TO_SERVER = bytes.fromhex("020000000002" "020000000001" "0800")
ETH_TO_SCANNER = bytes.fromhex("020000000001" "020000000002" "0800")
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

MIXES = {  # (answer, share), in percent
    "bench": (
        ("none", 45.0),
        ("rst", 20.0),
        ("plain", 30.5),
        ("genuine", 2.0),
        ("echo", 2.5),
    ),
    "real": (
        ("none", 87.0),
        ("rst", 10.0),
        ("plain", 2.7),
        ("genuine", 0.1),
        ("echo", 0.2),
    ),
}
TEMPLATE_KEY = 0x0123456789ABCDEF
TEMPLATE_TSVAL = 0x2A2A2A2A


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


class Writer:
    def __init__(self, f, snaplen):
        self.f = f
        self.snaplen = snaplen
        self.packets = 0
        self.buf = []
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))

    def packet(self, ts_us, src, dst, sport, dport, seq, ack, flags, options=b"", payload=b"", ttl=64,
               to_server=True):
        optlen = len(options)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 + optlen // 4) << 4, flags, 64240, 0, 0)
        tcp += options + payload
        total = 20 + len(tcp)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, ttl, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        frame = (ETH_TO_SERVER if to_server else ETH_TO_SCANNER) + ip + tcp
        cut = frame[: self.snaplen]
        self.buf.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(cut), len(frame)) + cut)
        self.packets += 1
        if len(self.buf) >= 4096:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []


def server_address(i):
    # Multiplication by an odd constant is a bijection modulo 2^32: N distinct
    # addresses, spread like a zmap permutation. Skip 0.x/127.x/224+ ranges.
    a = (i * 0x9E3779B1 + 0x0B000001) & 0xFFFFFFFF
    b = struct.pack("!I", a)
    if b[0] in (0, 10, 127) or b[0] >= 224:
        b = bytes([(b[0] % 200) + 11]) + b[1:]
    return b


def syn_options(rng, mpc, k222, tsval, key=None):
    o = b"\x02\x04\x05\xb4" + b"\x04\x02" + struct.pack("!BBII", 8, 10, tsval, 0) + b"\x01\x03\x03\x07"
    if mpc:
        o += b"\x1e\x0c\x00\x81" + struct.pack("!Q", key if key is not None else rng.getrandbits(64) | 1)
    if k222:
        o += b"\xde\x04\xf9\x89"
    return o


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--handshakes", "-n", type=int, required=True, help="number of servers probed (SYNs)")
    ap.add_argument("--out", "-o", required=True)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--rate", type=int, default=50000, help="SYNs per second")
    ap.add_argument("--data", type=float, default=0.0, help="share of plain handshakes followed by data")
    ap.add_argument("--mpc", type=float, default=0.85, help="share of SYNs offering MP_CAPABLE v0")
    ap.add_argument("--kind222", type=float, default=0.2, help="share of SYNs carrying kind 222")
    ap.add_argument("--snaplen", type=int, default=262144)
    ap.add_argument("--syn-flood", action="store_true", help="SYNs only, no answers (state-cap test)")
    ap.add_argument("--mix", choices=sorted(MIXES), default="bench",
                    help="answers: bench (about half answered) or real (3%% SYN+ACK, 10%% RST, the rest silent)")
    ap.add_argument("--template", action="store_true",
                    help="every SYN carries the same options (MP_CAPABLE with a fixed key, kind 222), as zmap's "
                         "tcp_synopt sends them")
    ap.add_argument("--answers-only", action="store_true", help="leave the scanner's SYNs and RSTs out")
    args = ap.parse_args()
    template = syn_options(None, True, True, TEMPLATE_TSVAL, TEMPLATE_KEY) if args.template else None

    rng = random.Random(args.seed)
    truth = {v: 0 for v in ("mptcp-genuine", "mptcp-echo", "mptcp-absent", "option-echo", "plain", "rst",
                            "no-answer")}
    cuts = []
    acc = 0.0
    for name, share in MIXES[args.mix]:
        acc += share
        cuts.append((acc / 100.0, name))

    events = []  # heap of (ts_us, order, callable args)
    order = 0
    gap_us = 1e6 / args.rate
    t0 = 1700000000 * 1000000

    to_stdout = args.out == "-"
    with (open(sys.stdout.fileno(), "wb", closefd=False) if to_stdout else open(args.out, "wb")) as f:
        w = Writer(f, args.snaplen)
        answers_only = args.answers_only

        def emit_until(ts):
            while events and events[0][0] <= ts:
                at, _, a, kw = heapq.heappop(events)
                w.packet(at, *a, **kw)

        def later(ts, *a, **kw):
            nonlocal order
            order += 1
            heapq.heappush(events, (ts, order, a, kw))

        for i in range(args.handshakes):
            ts = t0 + int(i * gap_us)
            emit_until(ts)
            server = server_address(i)
            sport = 32768 + (i % 28000)
            seq = rng.getrandbits(32)
            tsval = rng.getrandbits(31) | 1
            mpc = rng.random() < args.mpc
            k222 = rng.random() < args.kind222
            if template is not None:
                mpc, k222, tsval, sopts = True, True, TEMPLATE_TSVAL, template
            else:
                sopts = syn_options(rng, mpc, k222, tsval)
            if not answers_only:
                w.packet(ts, SCANNER, server, sport, 80, seq, 0, F_SYN, sopts)
            if args.syn_flood:
                continue
            r = rng.random()
            kind = next(name for cut, name in cuts if r < cut)
            if kind == "genuine" and not mpc:
                kind = "plain"
            rtt = rng.randint(20000, 300000)
            at = ts + rtt
            hops = rng.randint(5, 25)
            sttl = rng.choice((64, 128, 255)) - hops
            sseq = rng.getrandbits(32)
            back = dict(to_server=False, ttl=sttl)
            if kind == "none":
                truth["no-answer"] += 1
                continue
            if kind == "rst":
                truth["rst"] += 1
                later(at, server, SCANNER, 80, sport, 0, (seq + 1) & 0xFFFFFFFF, F_RST | F_ACK, **back)
                continue
            if kind == "echo":
                # The box sits a few hops from the scanner and copies the SYN's options.
                truth["mptcp-echo" if mpc else "option-echo"] += 1
                at = ts + rng.randint(2000, 20000)
                later(at, server, SCANNER, 80, sport, sseq, (seq + 1) & 0xFFFFFFFF, F_SYN | F_ACK, sopts,
                      to_server=False, ttl=64 - rng.randint(2, 6))
            else:
                own_ts = rng.getrandbits(31) | 1
                if rng.random() < 0.7:
                    o = (struct.pack("!HH", 0x0204, rng.choice((1460, 1400, 1380))) + b"\x04\x02" +
                         struct.pack("!BBII", 8, 10, own_ts, tsval) + b"\x01\x03\x03" + bytes([rng.randint(0, 9)]))
                else:
                    o = struct.pack("!HH", 0x0204, 1460)
                if kind == "genuine":
                    truth["mptcp-genuine"] += 1
                    o += b"\x1e\x0c\x00\x01" + struct.pack("!Q", rng.getrandbits(64) | 2)
                else:
                    truth["mptcp-absent" if mpc else "plain"] += 1
                later(at, server, SCANNER, 80, sport, sseq, (seq + 1) & 0xFFFFFFFF, F_SYN | F_ACK, o, **back)
            cseq = (seq + 1) & 0xFFFFFFFF
            sack = (sseq + 1) & 0xFFFFFFFF
            with_data = kind == "plain" and rng.random() < args.data
            if answers_only:  # the same draws as with the SYNs: the same answers
                continue
            if with_data:
                req = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"
                later(at + 50, SCANNER, server, sport, 80, cseq, sack, F_ACK)
                later(at + 60, SCANNER, server, sport, 80, cseq, sack, F_PSH | F_ACK, payload=req)
                resp = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
                later(at + rtt, server, SCANNER, 80, sport, sack, (cseq + len(req)) & 0xFFFFFFFF, F_PSH | F_ACK,
                      payload=resp, **back)
                later(at + rtt + 40, SCANNER, server, sport, 80, (cseq + len(req)) & 0xFFFFFFFF, 0, F_RST)
            else:
                # No socket on the scanner: its kernel resets the connection.
                later(at + 30, SCANNER, server, sport, 80, cseq, 0, F_RST)
        emit_until(float("inf"))
        w.flush()

    truth["handshakes"] = args.handshakes
    truth["packets"] = w.packets
    truth["synacks"] = truth["mptcp-genuine"] + truth["mptcp-echo"] + truth["mptcp-absent"] + \
        truth["option-echo"] + truth["plain"]
    if args.syn_flood:
        truth = {"handshakes": args.handshakes, "packets": w.packets, "no-answer": args.handshakes}
    if template is not None:
        truth["probe"] = "hex:" + template.hex()
    if answers_only:  # without SYNs every SYN+ACK is no-syn, unless set against the probe
        truth["answers_only"] = True
    if to_stdout:
        json.dump(truth, sys.stderr, sort_keys=True)
        print(file=sys.stderr)
        return
    with open(args.out + ".truth.json", "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    json.dump(truth, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
