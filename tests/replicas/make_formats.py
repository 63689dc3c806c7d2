#!/usr/bin/python3
"""Writes test_captures/formats/: the same two handshakes in every capture
file format, link layer and encapsulation that middlebox-scan reads beyond
plain Ethernet pcap, each with its expected verdicts (test_captures/FORMAT.md).

    /usr/bin/python3 tests/replicas/make_formats.py           # write all
    /usr/bin/python3 tests/replicas/make_formats.py -o DIR    # elsewhere

Every file holds handshakes of two kinds, so that a reader or decoder that
loses frames changes the report: one whose SYN+ACK returns the SYN's
option kind 222 byte for byte (option-echo) and one whose SYN+ACK drops it
(plain). scanner.identity then requires the scanner's report of each file
to equal tshark's in every form.

  formats: mixed-links.pcapng (one interface each for Ethernet, Linux SLL and
           raw IP, frames alternating between them), netmon2.cap,
           sniffer-dos.cap (ngsniffer), sniffer-win.cap (Sniffer for Windows
           2.00x), snoop.snoop (the last four converted from an Ethernet pcap
           by editcap -F), and a gzip'd copy of each (X.gz: the same frames,
           compared by scanner.identity only, no expected file of its own)
  pcapng-blocks.pcapng: one link type, two sections, and between the packets
           blocks that are not packets (name resolution, statistics, decryption
           secrets, and a custom block, which tshark numbers as a frame)
  more-links.pcapng: netfilter in netlink (LINKTYPE_NETLINK: a queue packet and
           a log packet) and PPP after a direction byte (LINKTYPE_PPP_WITH_DIR)
  link layers: ppp.pcap (LINKTYPE_PPP, with and without HDLC-like framing),
           chdlc.pcap (Cisco HDLC), nflog.pcap, wlan.pcap (802.11 data and
           QoS data, LLC/SNAP), radiotap.pcap (one with the data pad),
           ppi.pcap (PPI carrying 802.11)
  ipv4-bogus-length.pcap: plain Ethernet/IPv4 where a SYN+ACK's IPv4 total
           length is shorter than its header (tshark reads no TCP in it)
  encaps.pcap (Ethernet): PPPoE, PPPoE behind a VLAN tag, GTP-U, GTP-U over
           MPLS, Geneve carrying Ethernet, Geneve carrying GRE, ERSPAN type
           II and type III

Deterministic: fixed times, addresses, sequence numbers; gzip without a
name or time. Needs python3-scapy and editcap.
"""
import argparse
import gzip
import os
import struct
import subprocess
import sys
import tempfile

from scapy.config import conf

conf.verb = 0
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.packet import Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_replicas import CLIENT4, T0, ip4, o_kind222, o_mss, swap_echo, tcp  # noqa: E402

sys.path.insert(0, os.path.dirname(HERE))
from tshark_runs import SAME_FRAMES  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "test_captures", "formats")
CLIENT_MAC = bytes.fromhex("020000000010")
GATEWAY_MAC = bytes.fromhex("020000000001")
TUNNEL_A, TUNNEL_B = "10.23.0.1", "10.23.0.2"  # tunnel endpoints


def handshake(n, echo):
    """SYN and SYN+ACK (IPv4 bytes, client first) of handshake n: the SYN
    carries kind 222; the SYN+ACK echoes the SYN's options or drops them."""
    server = "198.51.100.%d" % (20 + n)
    sport = 40000 + n
    syn_l3 = ip4(CLIENT4, server, 64, 0x2300 + n)
    syn_tcp = tcp(sport, 80, 1000000 * (n + 1), 0, "S", 64240, o_mss(1460) + o_kind222())
    if echo:
        l3, t = swap_echo(syn_l3, syn_tcp, 7000000 + n, ttl=52)
        synack = l3 / t
    else:
        synack = ip4(server, CLIENT4, 52, 0) / tcp(80, sport, 7000000 + n, syn_tcp.seq + 1, "SA", 65160,
                                                    o_mss(1400))
    return [bytes(syn_l3 / syn_tcp), bytes(synack)]


class Capture:
    """Frames (link type, bytes) of one file and their expected verdicts."""

    def __init__(self, name, summary, same_frames=False):
        """same_frames: the frames are ones other captures hold, in another file format."""
        self.name, self.summary, self.frames, self.verdicts = name, summary, [], {}
        self.same_frames = same_frames

    def add_handshake(self, n, wrap, linktype=1):
        """Handshake n, wrapped by wrap(ip bytes, outgoing), echoing when n is even."""
        echo = n % 2 == 0
        syn, synack = handshake(n, echo)
        s = len(self.frames) + 1
        self.frames.append((linktype, wrap(syn, True)))
        self.frames.append((linktype, wrap(synack, False)))
        verdict = "option-echo" if echo else "plain"
        self.verdicts[s] = (verdict, s + 1)
        self.verdicts[s + 1] = (verdict, s)

    def write_expected(self, outdir, capture_name, summary=None):
        lines = ["# %s: written by tests/replicas/make_formats.py, same run" % capture_name]
        lines += ["# " + s for s in (summary or self.summary).strip().splitlines()]
        lines += [SAME_FRAMES] if self.same_frames else []
        lines.append("frame\tverdict\tlink")
        lines += ["%d\t%s\t%s" % (f, v, "" if link is None else link) for f, (v, link) in sorted(self.verdicts.items())]
        with open(os.path.join(outdir, capture_name.split(".")[0] + ".expected.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def times(self):
        return [(T0 + i * 10000) for i in range(len(self.frames))]

    def write_pcap(self, path):
        linktypes = {lt for lt, _ in self.frames}
        assert len(linktypes) == 1, self.name
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktypes.pop()))
            for (lt, body), t in zip(self.frames, self.times()):
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(body), len(body)) + body)

    def write_pcapng(self, path, between=None):
        """One interface per link type, in order of first use; each frame on its own. `between`:
        {frame number: blocks written before it} (a block 'SHB' starts a new section there)."""
        interfaces = []
        out = [SHB]
        for lt, _ in self.frames:
            if lt not in interfaces:
                interfaces.append(lt)
                out.append(idb(lt))
        for n, ((lt, body), t) in enumerate(zip(self.frames, self.times()), 1):
            for b in (between or {}).get(n, []):
                out.append(b"".join([SHB] + [idb(x) for x in interfaces]) if b == "SHB" else b)
            out.append(pcapng_block(6, struct.pack("<IIIII", interfaces.index(lt), t >> 32, t & 0xFFFFFFFF,
                                                   len(body), len(body)) + body))
        with open(path, "wb") as f:
            f.write(b"".join(out))


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


SHB = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype):
    return pcapng_block(1, struct.pack("<HHI", linktype, 0, 262144))  # microsecond times


def ip_checksum(header):
    total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# ---- link layers -------------------------------------------------------

def ether(ip, outgoing, ethertype=0x0800):
    src, dst = (CLIENT_MAC, GATEWAY_MAC) if outgoing else (GATEWAY_MAC, CLIENT_MAC)
    return dst + src + struct.pack("!H", ethertype) + ip


def sll(ip, outgoing):
    return struct.pack("!HHH", 4 if outgoing else 0, 1, 6) + CLIENT_MAC + b"\0\0" + struct.pack("!H", 0x0800) + ip


def ppp_framed(ip, outgoing):
    return b"\xff\x03\x00\x21" + ip


def ppp_bare(ip, outgoing):
    return b"\x00\x21" + ip


def chdlc(ip, outgoing):
    return b"\x0f\x00\x08\x00" + ip


def nflog(ip, outgoing):
    """AF_INET, version 0, resource 23; TLVs in this (little-endian) host's order."""
    def tlv(t, v):
        b = struct.pack("<HH", 4 + len(v), t) + v
        return b + b"\0" * (-len(b) % 4)
    return (bytes([2, 0]) + struct.pack("!H", 23) + tlv(1, struct.pack("!HBB", 0x0800, 3 if outgoing else 1, 0)) +
            tlv(10, b"mb23\0") + tlv(9, ip))


def netlink(message_type, body):
    """nlmon's cooked header (ARPHRD_NETLINK, family NETLINK_NETFILTER), then one netlink message of
    `message_type` (subsystem << 8 | message) in this (little-endian) host's order."""
    cooked = struct.pack("!HHH", 4, 824, 0) + b"\0" * 8 + struct.pack("!H", 12)
    body += b"\0" * (-len(body) % 4)
    return cooked + struct.pack("<IHHII", 16 + len(body), message_type, 0, 23, 0) + body


def nfqueue(ip, outgoing):
    """A netfilter queue packet: nfgenmsg, the packet header attribute (id, Ethernet type, hook), the payload."""
    def attr(t, v):
        b = struct.pack("<HH", 4 + len(v), t) + v
        return b + b"\0" * (-len(b) % 4)
    return netlink(0x0300, bytes([2, 0]) + struct.pack("!H", 23) +
                   attr(1, struct.pack("!IHB", 23, 0x0800, 3 if outgoing else 1)) + attr(10, ip))


def ulog(ip, outgoing):
    """A netfilter log packet: its body is NFLOG's."""
    return netlink(0x0400, nflog(ip, outgoing))


def ppp_with_direction(ip, outgoing):
    return bytes([1 if outgoing else 0]) + ppp_framed(ip, outgoing)


def wlan(ip, outgoing, qos=False, pad=0, iv=b""):
    """An 802.11 data frame (QoS data with qos), to the DS when outgoing, then LLC/SNAP; with an
    iv, protected, its body in clear after the IV (as a Centrino card hands it over)."""
    ap, sta = bytes.fromhex("020000000a01"), CLIENT_MAC
    control = bytes([0x88 if qos else 0x08, (0x01 if outgoing else 0x02) | (0x40 if iv else 0)])
    addrs = ap + sta + GATEWAY_MAC if outgoing else sta + ap + GATEWAY_MAC
    h = control + b"\0\0" + addrs + b"\x10\x00" + (b"\x00\x00" if qos else b"")
    return h + b"\0" * pad + iv + bytes.fromhex("aaaa03000000") + struct.pack("!H", 0x0800) + ip


def radiotap(ip, outgoing, qos):
    """Flags, rate and channel; with qos, the data pad flag and a 26-byte header padded to 28."""
    flags = 0x20 if qos else 0x00
    h = struct.pack("<BBHI", 0, 0, 14, 0x0000000E) + bytes([flags, 0x0C]) + struct.pack("<HH", 2437, 0x00A0)
    return h + wlan(ip, outgoing, qos, pad=2 if qos else 0)


def ppi(ip, outgoing):
    """PPI with one 802.11-common field (type 2, 20 bytes), carrying 802.11 (DLT 105)."""
    common = struct.pack("<HH", 2, 20) + struct.pack("<QHHHHBBbb", 0, 0, 0, 2437, 0x00A0, 0, 0, -40, -95)
    return struct.pack("<BBHI", 0, 0, 8 + len(common), 105) + common + wlan(ip, outgoing)


# ---- encapsulations over Ethernet --------------------------------------

def outer_ip(proto_payload, proto=None, udp=None, ident=1):
    if udp is not None:
        pkt = IP(src=TUNNEL_A, dst=TUNNEL_B, ttl=64, id=ident) / UDP(sport=udp[0], dport=udp[1], chksum=0) / \
            Raw(proto_payload)
    else:
        pkt = IP(src=TUNNEL_A, dst=TUNNEL_B, ttl=64, id=ident, proto=proto) / Raw(proto_payload)
    return bytes(pkt)


def pppoe(ip):
    return struct.pack("!BBHH", 0x11, 0, 0x2323, len(ip) + 2) + b"\x00\x21" + ip


def gtp_u(ip):
    return struct.pack("!BBHI", 0x30, 0xFF, len(ip), 0x23230001) + ip


def geneve(ethertype, payload):
    return struct.pack("!BBHI", 0, 0, ethertype, 0x002323 << 8) + payload


def gre(ethertype, payload, seq=None):
    flags = 0x1000 if seq is not None else 0
    return struct.pack("!HH", flags, ethertype) + (struct.pack("!I", seq) if seq is not None else b"") + payload


ENCAPS = [  # (name, function of (ip, outgoing) -> Ethernet frame)
    ("PPPoE session", lambda ip, o: ether(pppoe(ip), o, 0x8864)),
    ("PPPoE session behind a VLAN tag", lambda ip, o: ether(struct.pack("!HH", 7, 0x8864) + pppoe(ip), o, 0x8100)),
    ("802.11 behind Ethernet type 0x2452 (Intel Centrino)", lambda ip, o: ether(wlan(ip, o), o, 0x2452)),
    ("the same, protected, decrypted with its CCMP header left in",
     lambda ip, o: ether(wlan(ip, o, iv=bytes.fromhex("0100002000000000")), o, 0x2452)),
    ("GTP-U (UDP 2152)", lambda ip, o: ether(outer_ip(gtp_u(ip), udp=(2152, 2152)), o)),
    ("GTP-U over MPLS", lambda ip, o: ether(struct.pack("!I", (23 << 12) | 0x100 | 64) +
                                            outer_ip(gtp_u(ip), udp=(2152, 2152)), o, 0x8847)),
    ("Geneve (UDP 6081) carrying Ethernet",
     lambda ip, o: ether(outer_ip(geneve(0x6558, ether(ip, o)), udp=(49323, 6081)), o)),
    ("Geneve carrying IPv4 carrying GRE",
     lambda ip, o: ether(outer_ip(geneve(0x0800, outer_ip(gre(0x0800, ip), proto=47, ident=2)),
                                  udp=(49323, 6081)), o)),
    ("ERSPAN type II", lambda ip, o: ether(outer_ip(gre(0x88BE, struct.pack("!HHI", 0x1000 | 23, 0x0001, 0) +
                                                        ether(ip, o), seq=1), proto=47), o)),
    ("ERSPAN type III", lambda ip, o: ether(outer_ip(gre(0x22EB, struct.pack("!HHIHH", 0x2000 | 23, 0x0001, 0, 0, 0) +
                                                         ether(ip, o), seq=1), proto=47), o)),
]


def captures():
    out = []
    mixed = Capture("mixed-links", """
Three interfaces of different link types in one pcapng (Ethernet, Linux SLL,
raw IP), as Wireshark writes a capture on several interfaces; frames alternate.""")
    for n, (lt, wrap) in enumerate([(1, ether), (113, sll), (101, lambda ip, o: ip), (1, ether)]):
        mixed.add_handshake(n, wrap, lt)
    out.append(mixed)
    more = Capture("more-links", """
Two interfaces: netfilter in netlink as nlmon captures it (LINKTYPE_NETLINK: a queue
packet, then a log packet), and PPP after a direction byte (LINKTYPE_PPP_WITH_DIR).""")
    for n, (lt, wrap) in enumerate([(253, nfqueue), (253, ulog), (204, ppp_with_direction)]):
        more.add_handshake(n, wrap, lt)
    out.append(more)
    for name, summary, wraps, lt in [
        ("ppp", "LINKTYPE_PPP: PPP in HDLC-like framing (ff 03), then without address and control.",
         [ppp_framed, ppp_bare], 9),
        ("chdlc", "LINKTYPE_C_HDLC: Cisco HDLC.", [chdlc, chdlc], 104),
        ("nflog", "LINKTYPE_NFLOG: the packet in the payload TLV, after a packet header and a prefix TLV.",
         [nflog, nflog], 239),
        ("wlan", "LINKTYPE_IEEE802_11: a data frame, then a QoS data frame, LLC/SNAP.",
         [wlan, lambda ip, o: wlan(ip, o, qos=True)], 105),
        ("radiotap", "LINKTYPE_IEEE802_11_RADIOTAP: flags, rate, channel; the second with the data pad.",
         [lambda ip, o: radiotap(ip, o, False), lambda ip, o: radiotap(ip, o, True)], 127),
        ("ppi", "LINKTYPE_PPI: an 802.11-common field, then an 802.11 data frame (DLT 105).", [ppi, ppi], 192),
    ]:
        c = Capture(name, summary)
        for n, wrap in enumerate(wraps):
            c.add_handshake(n, wrap, lt)
        out.append(c)
    bogus = Capture("ipv4-bogus-length", """
Ethernet, IPv4. The second SYN+ACK's IPv4 total length (16) is shorter than its header:
Wireshark stops at the IP header ("bogus IP length") and reads no TCP, so its SYN has no answer.""")
    bogus.add_handshake(0, ether)
    syn, synack = handshake(1, echo=False)
    synack = bytearray(synack)
    synack[2:4], synack[10:12] = struct.pack("!H", 16), b"\0\0"
    synack[10:12] = struct.pack("!H", ip_checksum(bytes(synack[:20])))
    bogus.frames += [(1, ether(syn, True)), (1, ether(bytes(synack), False))]
    bogus.verdicts[3] = ("no-answer", None)
    out.append(bogus)
    enc = Capture("encaps", "Ethernet; handshakes, in order: " + "; ".join(name for name, _ in ENCAPS) + ".")
    for n, (_, wrap) in enumerate(ENCAPS):
        enc.add_handshake(n, wrap)
    out.append(enc)
    blocks = Capture("pcapng-blocks", """
Ethernet, one interface, two sections. Between the packets: a name resolution,
an interface statistics and a decryption secrets block (no frame to tshark),
a custom block (frame 3: tshark numbers it), and a new section header with
its interface description.""", same_frames=True)
    for n in range(3):
        blocks.add_handshake(n, ether)
    # The custom block before the third packet is frame 3.
    blocks.verdicts = {f + (1 if f > 2 else 0): (v, link + (1 if link > 2 else 0))
                       for f, (v, link) in blocks.verdicts.items()}
    out.append(blocks)
    return out


# Blocks between the packets of pcapng-blocks.pcapng, before frame (by packet order).
PCAPNG_BLOCKS = {
    1: [pcapng_block(4, struct.pack("<HH", 0, 0))],  # name resolution: no records
    2: [pcapng_block(5, struct.pack("<IIIHH", 0, 0, 0, 0, 0))],  # interface statistics
    3: [pcapng_block(10, struct.pack("<II", 0x544C534B, 9) + b"# no keys"),  # decryption secrets (TLS key log)
        pcapng_block(0x00000BAD, struct.pack("<I", 32473) + b"middlebox")],  # custom block, PEN 32473
    5: ["SHB"],
}


# editcap -F format, file name: the same Ethernet handshakes in each.
CONVERTED = [("netmon2", "netmon2.cap"), ("ngsniffer", "sniffer-dos.cap"), ("ngwsniffer_2_0", "sniffer-win.cap"),
             ("snoop", "snoop.snoop")]


def gzip_copy(path):
    with open(path, "rb") as f, open(path + ".gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as g:
            g.write(f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--outdir", default=DEFAULT_OUT)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for c in captures():
        if c.name == "more-links":
            name = c.name + ".pcapng"
            c.write_pcapng(os.path.join(args.outdir, name))
        elif c.name == "mixed-links":
            name = c.name + ".pcapng"
            c.write_pcapng(os.path.join(args.outdir, name))
            gzip_copy(os.path.join(args.outdir, name))
        elif c.name == "pcapng-blocks":
            name = c.name + ".pcapng"
            c.write_pcapng(os.path.join(args.outdir, name), PCAPNG_BLOCKS)
        else:
            name = c.name + ".pcap"
            c.write_pcap(os.path.join(args.outdir, name))
        c.write_expected(args.outdir, name)
        print("%-22s %2d frames" % (name, len(c.frames)))
    base = Capture("ethernet", "Ethernet, converted by editcap -F {format} from a pcap of the same run.",
                   same_frames=True)
    for n in range(2):
        base.add_handshake(n, ether)
    with tempfile.TemporaryDirectory(prefix="mb23-formats.") as tmp:
        pcap = os.path.join(tmp, "ethernet.pcap")
        base.write_pcap(pcap)
        for fmt, name in CONVERTED:
            path = os.path.join(args.outdir, name)
            subprocess.run(["editcap", "-F", fmt, pcap, path], check=True)
            gzip_copy(path)
            base.write_expected(args.outdir, name, base.summary.format(format=fmt))
            print("%-22s %2d frames (+ .gz)" % (name, len(base.frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
