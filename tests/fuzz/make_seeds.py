#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (tests/fuzz/corpus/<harness>/) from the
captures in test_captures/: the TCP option blocks tshark extracts, the
SYN/SYN+ACK pairs, and each capture as a segment stream in the correlator
harness's input format (see fuzz_correlator.cpp). Deterministic; rerun when
captures are added:  python3 tests/fuzz/make_seeds.py
"""
import glob
import hashlib
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIELDS = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len", "tcp.options", "ip.ttl", "ipv6.hlim"]


def last(v):
    return v.split(",")[-1] if v else ""


def segments(capture):
    cmd = ["tshark", "-r", capture, "-T", "fields", "-Y", "tcp"] + sum((["-e", f] for f in FIELDS), [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        c = dict(zip(FIELDS, line.split("\t")))
        if not c.get("tcp.flags") or not last(c.get("tcp.seq_raw", "")) or not last(c.get("tcp.ack_raw", "")):
            continue
        opts = last(c["tcp.options"])
        opts = bytes.fromhex(opts) if opts and opts != "<MISSING>" else b""
        hdr = int(last(c["tcp.hdr_len"]) or 20)
        yield {
            "src": last(c["ip.src"]) or last(c["ipv6.src"]), "dst": last(c["ip.dst"]) or last(c["ipv6.dst"]),
            "v6": not last(c["ip.src"]), "sport": int(last(c["tcp.srcport"])), "dport": int(last(c["tcp.dstport"])),
            "flags": int(last(c["tcp.flags"]), 16), "seq": int(last(c["tcp.seq_raw"])),
            "ack": int(last(c["tcp.ack_raw"])), "declared": max(0, min(40, hdr - 20)), "opts": opts[:40],
            "ttl": int(last(c["ip.ttl"]) or last(c["ipv6.hlim"]) or 0),
        }


def put(harness, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def block(seg):
    return bytes([len(seg["opts"]), seg["declared"]]) + seg["opts"]


def correlator_stream(segs):
    clients, servers, ids = {}, {}, {}

    def small(v):
        if v not in ids:
            ids[v] = 1 + len(ids) % 253
        return ids[v]

    out = bytearray([16])
    flag_codes = {0x002: 0, 0x012: 1, 0x004: 2, 0x014: 3, 0x010: 4, 0x011: 5, 0x018: 6}
    for s in segs:
        to_client = s["sport"] < s["dport"]
        client, server = (s["dst"], s["src"]) if to_client else (s["src"], s["dst"])
        cport = s["dport"] if to_client else s["sport"]
        ci = clients.setdefault(client, len(clients) % 4)
        si = servers.setdefault(server, len(servers) % 4)
        pi = (cport % 4)
        out.append(ci | si << 2 | (0x10 if to_client else 0) | (0x20 if s["v6"] else 0) | pi << 6)
        code = flag_codes.get(s["flags"] & 0x1ff)
        if code is None:
            out += bytes([7, s["flags"] & 0xff, s["flags"] >> 8])
        else:
            out.append(code)
        out.append(small(s["seq"]))
        out.append(0 if s["ack"] == 0 else small((s["ack"] - 1) & 0xffffffff))
        out.append(s["ttl"] & 0xff)
        out += bytes([s["declared"] % 41, len(s["opts"])]) + s["opts"]
    return bytes(out)


# The decoder harness's link byte for each link type a test capture has
# (kLinkTypes in fuzz_decoder.cpp), and the same frames re-wrapped in the
# other link layers, so that each starts from real packets.
LINK_BYTE = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 9: 10, 51: 11, 104: 12, 239: 13, 105: 14,
             127: 15, 192: 16, 253: 17, 204: 18}
FRAMES_PER_CAPTURE = 6


def frames(capture):
    """(link type, frame bytes) of the first frames of a capture, via a classic pcap copy (none when
    its frames have several link types, which pcap cannot hold)."""
    p = subprocess.run(["editcap", "-F", "pcap", "-r", capture, "-", f"1-{FRAMES_PER_CAPTURE}"], capture_output=True)
    if p.returncode != 0:
        yield from pcapng_frames(capture)
        return
    out = p.stdout
    linktype = struct.unpack("<I", out[20:24])[0]
    at = 24
    while at + 16 <= len(out):
        caplen = struct.unpack("<I", out[at + 8:at + 12])[0]
        yield linktype, out[at + 16:at + 16 + caplen]
        at += 16 + caplen


def pcapng_frames(capture):
    """(link type, frame bytes) of each enhanced packet block of a little-endian pcapng file whose
    interfaces differ in link type (one section)."""
    if not capture.endswith(".pcapng"):
        return
    with open(capture, "rb") as f:
        data = f.read()
    interfaces, at = [], 0
    while at + 12 <= len(data):
        btype, length = struct.unpack("<II", data[at:at + 8])
        if btype == 1:
            interfaces.append(struct.unpack("<H", data[at + 8:at + 10])[0])
        elif btype == 6:
            iface, caplen = struct.unpack("<I", data[at + 8:at + 12])[0], struct.unpack("<I", data[at + 20:at + 24])[0]
            yield interfaces[iface], data[at + 28:at + 28 + caplen]
        at += length


def decoder_seeds(capture):
    for linktype, frame in frames(capture):
        put("decoder", bytes([LINK_BYTE.get(linktype, 9)]) + frame)
        if linktype == 1 and frame[12:14] == b"\x08\x00":  # Ethernet + IPv4: also raw and SLL2
            put("decoder", bytes([3]) + frame[14:])
            put("decoder", bytes([2]) + b"\x08\x00" + bytes(18) + frame[14:])


def main():
    caps = sorted(glob.glob(os.path.join(ROOT, "test_captures", "**", "*.pcap*"), recursive=True))
    for cap in caps:
        segs = list(segments(cap))
        for s in segs:
            put("options", block(s) + b"\x00\x00")
        syns = {}
        for s in segs:
            key = (s["src"], s["sport"], s["dst"], s["dport"])
            if s["flags"] & 0x17 == 0x02:
                syns[key] = s
            elif s["flags"] & 0x17 == 0x12:
                syn = syns.get((s["dst"], s["dport"], s["src"], s["sport"]))
                if syn is not None:
                    put("options", block(syn) + block(s))
                    put("evidence", b"\x00" + block(syn) + block(s))
        stream = correlator_stream(segs)
        put("correlator", stream)
        put("correlator", bytes([0x80 | 15]) + stream[1:])  # the same, streaming, cap 16
        decoder_seeds(cap)
    for h in ("options", "evidence", "correlator", "decoder"):
        print(h, len(os.listdir(os.path.join(HERE, "corpus", h))), "seeds")


if __name__ == "__main__":
    main()
