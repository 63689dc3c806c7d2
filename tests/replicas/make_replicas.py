#!/usr/bin/python3
"""Deterministic generator of replica captures with known ground truth.

Writes, for every scenario, test_captures/replicas/NAME.pcapng (every frame
carries a pcapng comment explaining it) and NAME.expected.tsv (format:
test_captures/FORMAT.md, verdicts: docs/verdicts.md).

    /usr/bin/python3 tests/replicas/make_replicas.py            # write all
    /usr/bin/python3 tests/replicas/make_replicas.py --check    # write, then
        check every file with tshark (checksums, comments, no "Malformed")
    /usr/bin/python3 tests/replicas/make_replicas.py -o DIR v0-echo kind222

Everything is fixed (timestamps, ISNs, keys, IP IDs, MACs, nonces), so two
runs produce identical bytes.  Scapy (Debian python3-scapy 2.5) builds the
packets and their IP/TCP/ICMP checksums; TCP options are given as raw bytes so
their order and layout are exactly the ones written here.  The pcapng file is
written by the small writer below, not by scapy's wrpcapng (see README.md).
"""

import argparse
import hashlib
import hmac
import os
import struct
import subprocess
import sys

from scapy.config import conf

conf.verb = 0
from scapy.layers.l2 import Ether, Dot1Q  # noqa: E402
from scapy.layers.inet import IP, TCP, ICMP  # noqa: E402
from scapy.layers.inet6 import (IPv6, ICMPv6TimeExceeded, IPv6ExtHdrHopByHop,  # noqa: E402
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrSegmentRouting, HBHOptUnknown, PadN, RouterAlert)
from scapy.layers.ipsec import AH  # noqa: E402
from scapy.packet import Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "test_captures", "replicas")

# 2015-09-20 12:00:00 UTC, the month of the write-up; every scenario starts here.
T0 = 1442750400 * 1000000  # microseconds

CLIENT4 = "192.0.2.10"
CLIENT6 = "2001:db8::10"
CLIENT_MAC = "02:00:00:00:00:10"
GATEWAY_MAC = "02:00:00:00:00:01"
ROUTER4 = "203.0.113.1"        # first-hop router (ICMP errors)
ROUTER6 = "2001:db8:ff::1"

# --------------------------------------------------------------------------
# TCP options, as raw bytes
# --------------------------------------------------------------------------


def o_nop():
    return b"\x01"


def o_mss(v):
    return struct.pack("!BBH", 2, 4, v)


def o_ws(shift):
    return struct.pack("!BBB", 3, 3, shift)


def o_sackp():
    return b"\x04\x02"


def o_ts(val, ecr):
    return struct.pack("!BBII", 8, 10, val, ecr)


def o_kind222():
    """The write-up's experimental option: kind 222, length 4, data f9 89."""
    return bytes([222, 4, 0xF9, 0x89])


# MPTCP (kind 30).  Byte 2 = subtype << 4 | version (MP_CAPABLE) ...
MPC_FLAGS = 0x81  # A (checksum required) + H (HMAC-SHA1 in v0, HMAC-SHA256 in v1)


def o_mpc_v0(key):
    return struct.pack("!BBBBQ", 30, 12, 0x00, MPC_FLAGS, key)


def o_mpc_v0_ack(key_a, key_b):
    return struct.pack("!BBBBQQ", 30, 20, 0x00, MPC_FLAGS, key_a, key_b)


def o_mpc_v1_syn():
    return bytes([30, 4, 0x01, MPC_FLAGS])


def o_mpc_v1_synack(key):
    return struct.pack("!BBBBQ", 30, 12, 0x01, MPC_FLAGS, key)


def o_mpc_v1_ack(key_a, key_b):
    return struct.pack("!BBBBQQ", 30, 20, 0x01, MPC_FLAGS, key_a, key_b)


def o_join_syn(token, nonce, addr_id=0):
    return struct.pack("!BBBBII", 30, 12, 0x10, addr_id, token, nonce)


def o_join_synack(hmac64, nonce, addr_id=0):
    return struct.pack("!BBBB8sI", 30, 16, 0x10, addr_id, hmac64, nonce)


def o_join_ack(hmac160):
    return struct.pack("!BBBB20s", 30, 24, 0x10, 0x00, hmac160)


def o_dss_v0(data_ack32, dsn64, ssn, payload):
    """DSS with a 4-byte data ACK and a 4-byte DSN mapping plus checksum
    (RFC 6824 3.3: checksum over the pseudo-header DSN(64) SSN(32) len(16)
    zero(16) and the payload)."""
    length = len(payload)
    pseudo = struct.pack("!QIHH", dsn64, ssn, length, 0) + payload
    csum = (~ones_sum(pseudo)) & 0xFFFF
    return struct.pack("!BBBBIIIHH", 30, 20, 0x20, 0x05, data_ack32,
                       dsn64 & 0xFFFFFFFF, ssn, length, csum)


def o_dss_ack(data_ack32):
    return struct.pack("!BBBBI", 30, 8, 0x20, 0x01, data_ack32)


def ones_sum(data):
    if len(data) % 2:
        data += b"\x00"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def linux_syn_opts(mss, tsval, tsecr=0, extra=b""):
    """Linux SYN / SYN+ACK layout: MSS, SACK_PERM, TS, NOP, WS 7, then MPTCP."""
    return o_mss(mss) + o_sackp() + o_ts(tsval, tsecr) + o_nop() + o_ws(7) + extra


def linux_ack_opts(tsval, tsecr, extra=b""):
    return o_nop() + o_nop() + o_ts(tsval, tsecr) + extra


# MPTCP key material (RFC 6824 / RFC 8684)
def v0_idsn(key):
    return int.from_bytes(hashlib.sha1(key.to_bytes(8, "big")).digest()[-8:], "big")


def v1_token(key):
    return int.from_bytes(hashlib.sha256(key.to_bytes(8, "big")).digest()[:4], "big")


def v1_join_hmac(key_1, key_2, nonce_1, nonce_2):
    return hmac.new(key_1.to_bytes(8, "big") + key_2.to_bytes(8, "big"),
                    nonce_1.to_bytes(4, "big") + nonce_2.to_bytes(4, "big"),
                    hashlib.sha256).digest()


def hexkey(k):
    return "0x%016X" % k


# --------------------------------------------------------------------------
# Packet building
# --------------------------------------------------------------------------

def l2(outgoing, vlan=None):
    e = Ether(src=CLIENT_MAC, dst=GATEWAY_MAC) if outgoing else \
        Ether(src=GATEWAY_MAC, dst=CLIENT_MAC)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan, prio=0)
    return e


def tcp(sport, dport, seq, ack, flags, win, opts=b"", payload=b""):
    assert len(opts) % 4 == 0, opts.hex()
    assert len(opts) <= 40
    t = TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
            window=win, dataofs=5 + len(opts) // 4, urgptr=0)
    if opts or payload:
        t = t / Raw(opts + payload)
    return t


def ip4(src, dst, ttl, ident, df=True, tos=0):
    return IP(src=src, dst=dst, ttl=ttl, id=ident, flags="DF" if df else 0, tos=tos)


def ip6(src, dst, hlim, fl=0, tc=0):
    return IPv6(src=src, dst=dst, hlim=hlim, fl=fl, tc=tc)


def swap_echo(syn_l3, syn_tcp, isn, ttl=None, hlim=None):
    """What an echoing middlebox sends back: the SYN with addresses and ports
    swapped, SYN+ACK flags, its own sequence number, ack = SYN seq + 1, and the
    SYN's IP ID / DF / window / options copied unchanged."""
    payload = bytes(syn_tcp.payload) if syn_tcp.payload else b""
    t = tcp(syn_tcp.dport, syn_tcp.sport, isn, syn_tcp.seq + 1, "SA",
            syn_tcp.window, payload)
    if isinstance(syn_l3, IPv6):
        l3 = ip6(syn_l3.dst, syn_l3.src, hlim, syn_l3.fl, syn_l3.tc)
    else:
        l3 = IP(src=syn_l3.dst, dst=syn_l3.src, ttl=ttl, id=syn_l3.id,
                flags=syn_l3.flags, tos=syn_l3.tos)
    return l3, t


# --------------------------------------------------------------------------
# pcapng writer (SHB, one IDB, EPBs with opt_comment), little endian
# --------------------------------------------------------------------------

def _pad4(b):
    return b + b"\x00" * ((-len(b)) % 4)


def _options(opts):
    if not opts:
        return b""
    out = b""
    for code, val in opts:
        out += struct.pack("<HH", code, len(val)) + _pad4(val)
    return out + struct.pack("<HH", 0, 0)


def _block(btype, body):
    body = _pad4(body)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng_bytes(frames, appl):
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) +
                 _options([(4, appl.encode())]))          # shb_userappl
    idb = _block(1, struct.pack("<HHI", 1, 0, 262144) +   # LINKTYPE_ETHERNET
                 _options([(2, b"replica0"), (9, b"\x06")]))  # if_name, if_tsresol=us
    out = [shb, idb]
    for data, ts_us, caplen, comment in frames:
        cap = data[:caplen] if caplen is not None else data
        body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF,
                           len(cap), len(data)) + _pad4(cap)
        body += _options([(1, comment.encode("utf-8"))] if comment else [])
        out.append(_block(6, body))
    return b"".join(out)


# --------------------------------------------------------------------------
# Scenario container
# --------------------------------------------------------------------------

class Capture:
    def __init__(self, name, summary):
        self.name = name
        self.summary = summary
        self.frames = []        # (bytes, ts_us, caplen, comment)
        self.verdicts = {}      # frame -> (verdict, link or None)
        self.t = T0

    def add(self, pkt, comment, dt=0.0, caplen=None):
        """Append pkt dt seconds after the previous frame; returns its number."""
        self.t += int(round(dt * 1000000))
        self.frames.append((bytes(pkt), self.t, caplen, comment))
        return len(self.frames)

    def expect(self, frame, verdict, link=None):
        assert frame not in self.verdicts, (self.name, frame)
        self.verdicts[frame] = (verdict, link)

    def pair(self, syns, synacks, verdict):
        """Two-pass verdicts of one handshake: every SYN copy links to the
        first SYN+ACK, every SYN+ACK (copy) links to the latest SYN copy."""
        for s in syns:
            self.expect(s, verdict, synacks[0])
        for sa in synacks:
            self.expect(sa, verdict, syns[-1])

    def write(self, outdir):
        pc = os.path.join(outdir, self.name + ".pcapng")
        with open(pc, "wb") as f:
            f.write(pcapng_bytes(self.frames,
                                 "tests/replicas/make_replicas.py (%s)" % self.name))
        lines = ["# %s.pcapng: written by tests/replicas/make_replicas.py, same run" % self.name]
        lines += ["# " + s for s in self.summary.strip().splitlines()]
        lines.append("frame\tverdict\tlink")
        for fr in sorted(self.verdicts):
            v, link = self.verdicts[fr]
            lines.append("%d\t%s\t%s" % (fr, v, "" if link is None else link))
        with open(os.path.join(outdir, self.name + ".expected.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")
        return pc


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

V0_GENUINE_CLIENT_KEY = 692439777126907904     # 0x099C0A4F00000000 (write-up, case 1)
V0_GENUINE_SERVER_KEY = 17898842517462319104   # 0xF865767000000000
V0_ABSENT_CLIENT_KEY = 1674215399152943104     # 0x173C020900000000 (write-up, case 2)
V0_ECHO_CLIENT_KEY = 0x3A5B1C9D00000000        # case 3 (the write-up shows no key)

assert hexkey(V0_GENUINE_CLIENT_KEY) == "0x099C0A4F00000000"


def v0_echo_exchange(c, label):
    """Case 3 of the write-up (cnzz.com): the SYN+ACK is the SYN turned around.
    Returns (syn frame, syn+ack packet, syn+ack comment, ack packet, ack comment)
    so that 'truncated' can reuse it."""
    key = V0_ECHO_CLIENT_KEY
    sport, dport, srv = 7487, 80, "198.51.100.55"
    syn_l3 = ip4(CLIENT4, srv, 23, 0x1D2E, df=False)
    syn_tcp = tcp(sport, dport, 915764810, 0, "S", 5840, o_mpc_v0(key))
    f_syn = c.add(l2(True) / syn_l3 / syn_tcp,
                  "%sSYN offering MPTCP v0: MP_CAPABLE (kind 30, 12 bytes) with the client's key "
                  "%s, no other option (tracebox-style probe, TTL 23)." % (label, hexkey(key)))
    sa_l3, sa_tcp = swap_echo(syn_l3, syn_tcp, 316943796, ttl=46)
    sa = l2(False) / sa_l3 / sa_tcp
    sa_comment = ("%sSYN+ACK repeats the SYN's MP_CAPABLE key %s byte for byte: an echoing "
                  "middlebox, not an MPTCP server (a real server picks its own key). Even "
                  "the window (5840), the IP ID and the missing MSS are the SYN's."
                  % (label, hexkey(key)))
    ack = l2(True) / ip4(CLIENT4, srv, 64, 0x1D2F, df=False) / \
        tcp(sport, dport, 915764811, 316943797, "A", 5840, o_mpc_v0_ack(key, key))
    ack_comment = ("%sThird ACK: the fooled client believes MPTCP was agreed and sends "
                   "both keys, which are the same key %s twice. Not a handshake packet "
                   "for the plugin: no verdict." % (label, hexkey(key)))
    return f_syn, sa, sa_comment, ack, ack_comment


def sc_v0_genuine():
    c = Capture("v0-genuine", """
Write-up case 1 (multipath-tcp.org): a genuine MPTCP v0 server.
SYN: MP_CAPABLE v0 with key 692439777126907904 = 0x099C0A4F00000000, no MSS, TTL 9.
SYN+ACK: adds MSS 1380 and MP_CAPABLE with its own key 17898842517462319104, TTL 57.
Then the third ACK with both keys, one data segment with a DSS mapping, the server's data ACK.
""")
    ka, kb = V0_GENUINE_CLIENT_KEY, V0_GENUINE_SERVER_KEY
    srv, sport, dport = "198.51.100.45", 47416, 80
    isn_c, isn_s = 554672918, 3111441317
    syn = c.add(l2(True) / ip4(CLIENT4, srv, 9, 0x50AB, df=False) /
                tcp(sport, dport, isn_c, 0, "S", 5840, o_mpc_v0(ka)),
                "SYN offering MPTCP v0: MP_CAPABLE (kind 30, length 12, version 0, flags 0x81 = "
                "checksum required + HMAC-SHA1) with the client's key %s (692439777126907904). "
                "No MSS option. TTL 9 as in the write-up's tracebox probe." % hexkey(ka))
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 57, 0, df=True) /
               tcp(dport, sport, isn_s, isn_c + 1, "SA", 28800, o_mss(1380) + o_mpc_v0(kb)),
               "SYN+ACK from a real MPTCP server: it adds MSS 1380 (not in the SYN) and answers "
               "MP_CAPABLE with its OWN key %s (17898842517462319104), different from the "
               "client's %s: genuine MPTCP, not an echo." % (hexkey(kb), hexkey(ka)), dt=0.021)
    c.pair([syn], [sa], "mptcp-genuine")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x50AC, df=True) /
          tcp(sport, dport, isn_c + 1, isn_s + 1, "A", 5840, o_mpc_v0_ack(ka, kb)),
          "Third ACK: MP_CAPABLE (20 bytes) carrying both keys, client's %s then server's %s. "
          "No verdict (not a SYN or SYN+ACK)." % (hexkey(ka), hexkey(kb)), dt=0.0002)
    data = b"GET / HTTP/1.0\r\n\r\n"
    dsn = (v0_idsn(ka) + 1) & 0xFFFFFFFFFFFFFFFF
    dack = (v0_idsn(kb) + 1) & 0xFFFFFFFF
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x50AD, df=True) /
          tcp(sport, dport, isn_c + 1, isn_s + 1, "PA", 5840,
              o_dss_v0(dack, dsn, 1, data), data),
          "A little data (%d bytes): the DSS option maps it to data sequence number IDSN+1 "
          "(IDSN = low 64 bits of SHA-1 of the client key) with the DSS checksum the 0x81 "
          "flags asked for. No verdict." % len(data), dt=0.0001)
    c.add(l2(False) / ip4(srv, CLIENT4, 57, 1, df=True) /
          tcp(dport, sport, isn_s + 1, isn_c + 1 + len(data), "A", 28800,
              o_dss_ack((dsn + len(data)) & 0xFFFFFFFF)),
          "Server ACK with a DSS data ACK for those bytes. No verdict.", dt=0.021)
    return c


def sc_v0_absent():
    c = Capture("v0-absent", """
Write-up case 2 (google.com): a server without MPTCP.
SYN: MP_CAPABLE v0 key 1674215399152943104 = 0x173C020900000000. SYN+ACK: MSS 1460, no MP_CAPABLE.
""")
    ka = V0_ABSENT_CLIENT_KEY
    srv, sport, dport = "198.51.100.231", 12002, 80
    isn_c, isn_s = 304251108, 752364946
    syn = c.add(l2(True) / ip4(CLIENT4, srv, 5, 0x7C31, df=False) /
                tcp(sport, dport, isn_c, 0, "S", 5840, o_mpc_v0(ka)),
                "SYN offering MPTCP v0: MP_CAPABLE with the client's key %s (1674215399152943104). "
                "TTL 5 as in the write-up." % hexkey(ka))
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 60, 0xAEAC, df=False) /
               tcp(dport, sport, isn_s, isn_c + 1, "SA", 29200, o_mss(1460)),
               "SYN+ACK with only MSS 1460: the MP_CAPABLE option is gone, this server does not "
               "speak MPTCP (plain TCP answer, no echo).", dt=0.012)
    c.pair([syn], [sa], "mptcp-absent")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x7C32, df=False) /
          tcp(sport, dport, isn_c + 1, isn_s + 1, "A", 5840),
          "Third ACK: the client falls back to regular TCP (no MPTCP option). No verdict.",
          dt=0.0002)
    data = b"GET / HTTP/1.0\r\n\r\n"
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x7C33, df=False) /
          tcp(sport, dport, isn_c + 1, isn_s + 1, "PA", 5840, b"", data),
          "Plain TCP data. No verdict.", dt=0.0001)
    return c


def sc_v0_echo():
    c = Capture("v0-echo", """
Write-up case 3 (cnzz.com): an echoing middlebox.
The SYN+ACK carries exactly the SYN's options (the same MP_CAPABLE key), nothing else changed.
""")
    syn, sa, sa_comment, ack, ack_comment = v0_echo_exchange(c, "")
    f_sa = c.add(sa, sa_comment, dt=0.160)
    c.pair([syn], [f_sa], "mptcp-echo")
    c.add(ack, ack_comment, dt=0.0002)
    return c


def sc_kind222():
    c = Capture("kind222", """
Write-up case 4: option kind 222 (length 4, data f9 89) sent to two servers.
Server A (198.51.100.208, like baidu.com) returns it byte for byte: option-echo.
Server B (198.51.100.45, like multipath-tcp.org) drops it and adds MSS 1380: plain.
""")
    a, b = "198.51.100.208", "198.51.100.45"
    syn_l3 = ip4(CLIENT4, a, 20, 0x4C1F, df=False)
    syn_tcp = tcp(46253, 80, 569044298, 0, "S", 5840, o_kind222())
    s1 = c.add(l2(True) / syn_l3 / syn_tcp,
               "SYN to server A with an unknown experimental option: kind 222, length 4, data "
               "f9 89. A normal server ignores options it does not know.")
    l3, t = swap_echo(syn_l3, syn_tcp, 733320366, ttl=47)
    a1 = c.add(l2(False) / l3 / t,
               "SYN+ACK 'from server A' returns kind 222 (f9 89) byte for byte and nothing else: "
               "no server implements kind 222, so a middlebox echoed the SYN's options.",
               dt=0.210)
    c.pair([s1], [a1], "option-echo")
    s2 = c.add(l2(True) / ip4(CLIENT4, b, 9, 0x2B81, df=False) /
               tcp(51065, 80, 10489234, 0, "S", 5840, o_kind222()),
               "SYN to server B with the same kind 222 option (f9 89).", dt=1.0)
    b1 = c.add(l2(False) / ip4(b, CLIENT4, 57, 0, df=True) /
               tcp(80, 51065, 3886645051, 10489235, "SA", 29200, o_mss(1380)),
               "SYN+ACK from server B: kind 222 removed, MSS 1380 added. This is what a normal "
               "server does: nothing echoed.", dt=0.021)
    c.pair([s2], [b1], "plain")
    return c


V1_CLIENT_KEY = 0x6A3F0C2B9D84E157
V1_SERVER_KEY = 0xB1E2D3C4A5968778


def v1_syn_opts(tsval, mss=1460):
    return linux_syn_opts(mss, tsval, 0, o_mpc_v1_syn())


def sc_v1_genuine():
    c = Capture("v1-genuine", """
MPTCP v1 (RFC 8684), Linux-like client and a Linux-like MPTCP server.
SYN: MSS 1460, SACK_PERM, TS, NOP, WS 7, MP_CAPABLE v1 keyless (30,4,0x01,0x81).
SYN+ACK: its own TS (TSecr = client TSval) and a 12-byte MP_CAPABLE with the server key: mptcp-genuine.
""")
    srv, sport, dport = "198.51.100.80", 50312, 443
    isn_c, isn_s, ts_c, ts_s = 0x8E3A11F0, 0x2C55D7A1, 2718281828, 314159265
    syn = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x9F21) /
                tcp(sport, dport, isn_c, 0, "S", 64240, v1_syn_opts(ts_c)),
                "SYN from a Linux MPTCP v1 client: MSS 1460, SACK permitted, timestamps "
                "(TSval %d), NOP, window scale 7, and the 4-byte keyless MP_CAPABLE "
                "(version 1: in RFC 8684 the client's key is sent only in the third ACK)." % ts_c)
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 52, 0) /
               tcp(dport, sport, isn_s, isn_c + 1, "SA", 65160,
                   linux_syn_opts(1460, ts_s, ts_c, o_mpc_v1_synack(V1_SERVER_KEY))),
               "SYN+ACK from a real MPTCP v1 server: its own TSval %d (TSecr echoes the "
               "client's %d as it should) and the 12-byte MP_CAPABLE carrying the server's "
               "key %s: genuine MPTCP." % (ts_s, ts_c, hexkey(V1_SERVER_KEY)), dt=0.018)
    c.pair([syn], [sa], "mptcp-genuine")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x9F22) /
          tcp(sport, dport, isn_c + 1, isn_s + 1, "A", 502,
              linux_ack_opts(ts_c + 18, ts_s, o_mpc_v1_ack(V1_CLIENT_KEY, V1_SERVER_KEY))),
          "Third ACK: 20-byte MP_CAPABLE with both keys (client %s, server %s). No verdict."
          % (hexkey(V1_CLIENT_KEY), hexkey(V1_SERVER_KEY)), dt=0.0001)
    return c


def v1_echo_pair(c, l3_syn, sport, dport, isn_c, isn_echo, ts_c, ttl_or_hlim, dt, vlan=None,
                 outer=None, note="", syn_dt=0.0, mss=1460):
    """A v1 SYN and an echoed SYN+ACK, returns (syn frame, synack frame).
    Linux's initial window is the largest multiple of the MSS <= 64KiB - 1."""
    syn_tcp = tcp(sport, dport, isn_c, 0, "S", 65535 // mss * mss, v1_syn_opts(ts_c, mss))

    def wrap(outgoing, inner):
        p = l2(outgoing, vlan)
        if outer is not None:
            o_src, o_dst = outer if outgoing else (outer[1], outer[0])
            p = p / ip4(o_src, o_dst, 64 if outgoing else 60, 0, df=True)
        return p / inner

    f_syn = c.add(wrap(True, l3_syn / syn_tcp),
                  "%sSYN from a Linux MPTCP v1 client: MSS %d, SACK_PERM, TS (TSval %d), NOP, "
                  "WS 7, and the 4-byte keyless MP_CAPABLE (30,4,0x01,0x81)." % (note, mss, ts_c),
                  dt=syn_dt)
    if isinstance(l3_syn, IPv6):
        l3, t = swap_echo(l3_syn, syn_tcp, isn_echo, hlim=ttl_or_hlim)
    else:
        l3, t = swap_echo(l3_syn, syn_tcp, isn_echo, ttl=ttl_or_hlim)
    f_sa = c.add(wrap(False, l3 / t),
                 "%sSYN+ACK returns the SYN's option block byte for byte: keyless 4-byte "
                 "MP_CAPABLE (a v1 server sends 12 bytes with its own key) and the client's "
                 "TSval %d, TSecr 0: an echoing middlebox." % (note, ts_c),
                 dt=dt)
    return f_syn, f_sa


def sc_v1_echo():
    c = Capture("v1-echo", """
MPTCP v1: the same Linux SYN as v1-genuine; the SYN+ACK is the SYN's option block byte for byte
(keyless MP_CAPABLE, same TSval, TSecr 0): mptcp-echo. The client then falls back to plain TCP.
""")
    srv, sport, dport = "198.51.100.81", 50313, 443
    isn_c, ts_c = 0x8E3A2201, 2718290000
    s, sa = v1_echo_pair(c, ip4(CLIENT4, srv, 64, 0x5A10), sport, dport, isn_c, 0x77001234,
                         ts_c, 47, 0.034)
    c.pair([s], [sa], "mptcp-echo")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x5A11) /
          tcp(sport, dport, isn_c + 1, 0x77001235, "A", 64240 >> 7,
              linux_ack_opts(ts_c + 34, ts_c)),
          "Third ACK: a 4-byte MP_CAPABLE is not valid in a SYN+ACK, so Linux ignores it and "
          "falls back to plain TCP (no MPTCP option here). No verdict.", dt=0.0001)
    return c


def sc_v1_echo_ipv6():
    c = Capture("v1-echo-ipv6", """
MPTCP v1 over IPv6. Server 2001:db8:1::81 is behind an echoing middlebox (SYN+ACK hop limit 52,
the SYN's option block byte for byte): mptcp-echo. Server 2001:db8:1::80 is a genuine v1 server.
""")
    srv1, srv2 = "2001:db8:1::81", "2001:db8:1::80"
    isn_c, ts_c = 0x41C0FFEE, 1122334455
    s, sa = v1_echo_pair(c, ip6(CLIENT6, srv1, 64, fl=0x3A1B2), 50400, 443, isn_c, 0x1E1E1E1E,
                         ts_c, 52, 0.041, note="IPv6: ", mss=1440)
    c.pair([s], [sa], "mptcp-echo")
    c.add(l2(True) / ip6(CLIENT6, srv1, 64, fl=0x3A1B2) /
          tcp(50400, 443, isn_c + 1, 0x1E1E1E1F, "A", 64800 >> 7,
              linux_ack_opts(ts_c + 41, ts_c)),
          "IPv6: third ACK, the client fell back to plain TCP. No verdict.", dt=0.0001)
    isn2, ts2, tss = 0x5EED0001, 1122336000, 987654321
    s2 = c.add(l2(True) / ip6(CLIENT6, srv2, 64, fl=0x0C0DE) /
               tcp(50401, 443, isn2, 0, "S", 64800, linux_syn_opts(1440, ts2, 0, o_mpc_v1_syn())),
               "IPv6: SYN to a second server, MSS 1440, SACK_PERM, TS (TSval %d), NOP, WS 7, "
               "keyless MP_CAPABLE v1." % ts2, dt=0.5)
    sa2 = c.add(l2(False) / ip6(srv2, CLIENT6, 55, fl=0x7E57) /
                tcp(443, 50401, 0x0A0B0C0D, isn2 + 1, "SA", 64260,
                    linux_syn_opts(1440, tss, ts2, o_mpc_v1_synack(V1_SERVER_KEY))),
                "IPv6: SYN+ACK from a genuine v1 server: own TSval %d (TSecr = client's %d) and "
                "a 12-byte MP_CAPABLE with the server's key %s."
                % (tss, ts2, hexkey(V1_SERVER_KEY)), dt=0.022)
    c.pair([s2], [sa2], "mptcp-genuine")
    c.add(l2(True) / ip6(CLIENT6, srv2, 64, fl=0x0C0DE) /
          tcp(50401, 443, isn2 + 1, 0x0A0B0C0E, "A", 507,
              linux_ack_opts(ts2 + 22, tss, o_mpc_v1_ack(V1_CLIENT_KEY, V1_SERVER_KEY))),
          "IPv6: third ACK with both keys (20-byte MP_CAPABLE). No verdict.", dt=0.0001)
    return c


def sc_pairing_edge():
    c = Capture("pairing-edge", """
Pairing edge cases (docs/verdicts.md, Pairing), one capture:
(a) SYN sent 3 times (same seq, +1 s, +3 s; the 3rd without MP_CAPABLE as Linux does), answered
    plainly: the SYN+ACK pairs with the latest copy (no MP_CAPABLE offered) -> plain on all copies
    (pairing with the 1st copy would wrongly give mptcp-absent).
(b) one 4-tuple reused for three handshakes with different ISNs, each plain.
(c) a SYN+ACK whose SYN is not in the capture: no-syn.
(d) an unanswered SYN: no-answer.
(e) a SYN answered by RST+ACK: rst on both. The SYN's link is the RST frame (its answer).
(f) a true simultaneous open: simultaneous-open on all four; each SYN+ACK pairs with the peer's SYN.
(g) a retransmitted SYN+ACK: both copies mptcp-genuine, linked to the SYN; the SYN links to the first.
(h) ICMP time exceeded (IPv4) and ICMPv6 time exceeded quoting a SYN with MP_CAPABLE: no verdict
    on the ICMP frames. The IPv4 probe is re-sent with TTL 2 (a copy, same seq) and answered
    (mptcp-genuine on both copies); the IPv6 probe's only answer is the router's error: icmp-error,
    the SYN linked to the ICMPv6 frame.
""")
    # (a) retransmitted SYN ---------------------------------------------------
    srv, sport = "198.51.100.110", 41000
    isn, isn_s = 0x10000001, 0x6F000001
    tsv = [100000, 101000, 103000]
    a1 = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1001) /
               tcp(sport, 443, isn, 0, "S", 64240, v1_syn_opts(tsv[0])),
               "(a) SYN with MP_CAPABLE v1 (keyless), TSval %d. A firewall on the path drops "
               "SYNs carrying MPTCP options, so nothing comes back." % tsv[0])
    a2 = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1002) /
               tcp(sport, 443, isn, 0, "S", 64240, v1_syn_opts(tsv[1])),
               "(a) Retransmitted SYN 1 s later: same sequence number, still MP_CAPABLE, new "
               "TSval %d." % tsv[1], dt=1.0)
    a3 = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1003) /
               tcp(sport, 443, isn, 0, "S", 64240, linux_syn_opts(1460, tsv[2])),
               "(a) Second retransmission 2 s after that (3 s after the first): Linux gives up on "
               "MPTCP and sends the SYN WITHOUT MP_CAPABLE (TSval %d)." % tsv[2], dt=2.0)
    a4 = c.add(l2(False) / ip4(srv, CLIENT4, 56, 0) /
               tcp(443, sport, isn_s, isn + 1, "SA", 65160,
                   linux_syn_opts(1460, 777000, tsv[2])),
               "(a) SYN+ACK answers the LATEST copy (its TSecr %d is that copy's TSval), which "
               "offered no MP_CAPABLE: nothing to report, plain. Every SYN copy gets that verdict."
               % tsv[2], dt=0.020)
    c.pair([a1, a2, a3], [a4], "plain")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1004) /
          tcp(sport, 443, isn + 1, isn_s + 1, "A", 502, linux_ack_opts(tsv[2] + 20, 777000)),
          "(a) Third ACK. No verdict.", dt=0.0001)

    # (b) reused 4-tuple --------------------------------------------------------
    srv, sport = "198.51.100.111", 41001
    for i, (isn, isn_s, ts) in enumerate([(0x20000000, 0x7A000000, 200000),
                                          (0x2A000000, 0x7B000000, 210000),
                                          (0x34000000, 0x7C000000, 220000)]):
        n = i + 1
        s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2000 + 16 * i) /
                  tcp(sport, 80, isn, 0, "S", 64240, linux_syn_opts(1460, ts)),
                  "(b) Handshake %d on the SAME 4-tuple %s:%d -> %s:80, new ISN %d: a new "
                  "connection, not a retransmission." % (n, CLIENT4, sport, srv, isn),
                  dt=1.0 if i == 0 else 5.0)
        sa = c.add(l2(False) / ip4(srv, CLIENT4, 58, 0) /
                   tcp(80, sport, isn_s, isn + 1, "SA", 65160,
                       linux_syn_opts(1460, 900000 + ts, ts)),
                   "(b) SYN+ACK for handshake %d (ack = ISN+1): plain TCP options." % n, dt=0.010)
        c.pair([s], [sa], "plain")
        c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2001 + 16 * i) /
              tcp(sport, 80, isn + 1, isn_s + 1, "A", 502, linux_ack_opts(ts + 10, 900000 + ts)),
              "(b) Third ACK of handshake %d. No verdict." % n, dt=0.0001)
        c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2002 + 16 * i) /
              tcp(sport, 80, isn + 1, isn_s + 1, "FA", 502, linux_ack_opts(ts + 11, 900000 + ts)),
              "(b) Client closes connection %d (FIN). No verdict." % n, dt=0.001)
        c.add(l2(False) / ip4(srv, CLIENT4, 58, 1) /
              tcp(80, sport, isn_s + 1, isn + 2, "FA", 509, linux_ack_opts(900011 + ts, ts + 11)),
              "(b) Server's FIN+ACK. No verdict.", dt=0.010)
        c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2003 + 16 * i) /
              tcp(sport, 80, isn + 2, isn_s + 2, "A", 502, linux_ack_opts(ts + 21, 900011 + ts)),
              "(b) Last ACK of connection %d. No verdict." % n, dt=0.0001)

    # (c) no-syn ---------------------------------------------------------------
    f = c.add(l2(False) / ip4("198.51.100.112", CLIENT4, 52, 0) /
              tcp(443, 41002, 0x5A5A0000, 0x30000001, "SA", 65160,
                  linux_syn_opts(1460, 555555, 444444, o_mpc_v1_synack(V1_SERVER_KEY))),
              "(c) SYN+ACK whose SYN was sent before the capture started: it cannot be paired "
              "(no-syn), so its MP_CAPABLE key says nothing about echo or not.", dt=2.0)
    c.expect(f, "no-syn", None)

    # (d) no-answer -----------------------------------------------------------
    f = c.add(l2(True) / ip4(CLIENT4, "198.51.100.113", 64, 0x4001) /
              tcp(41003, 443, 0x40000001, 0, "S", 64240, v1_syn_opts(300000)),
              "(d) SYN with MP_CAPABLE v1 that is never answered in the capture: no-answer.",
              dt=0.5)
    c.expect(f, "no-answer", None)

    # (e) rst ------------------------------------------------------------------
    isn = 0x50000001
    s = c.add(l2(True) / ip4(CLIENT4, "198.51.100.114", 64, 0x5001) /
              tcp(41004, 81, isn, 0, "S", 64240, v1_syn_opts(310000)),
              "(e) SYN with MP_CAPABLE v1 to a closed port (81).", dt=0.5)
    r = c.add(l2(False) / ip4("198.51.100.114", CLIENT4, 58, 0) /
              tcp(81, 41004, 0, isn + 1, "RA", 0),
              "(e) RST+ACK (seq 0, ack = SYN seq + 1): the port is closed. The SYN and the RST "
              "both get 'rst'.", dt=0.010)
    c.expect(s, "rst", r)
    c.expect(r, "rst", s)

    # (f) simultaneous open ---------------------------------------------------
    peer, port = "198.51.100.115", 5001
    x, y, tx, ty = 0x60000001, 0x61000001, 320000, 650000
    s_a = c.add(l2(True) / ip4(CLIENT4, peer, 64, 0x6001) /
                tcp(port, port, x, 0, "S", 64240, v1_syn_opts(tx)),
                "(f) Simultaneous open: our SYN %s:%d -> %s:%d, MSS 1460, SACK_PERM, TS, WS 7, "
                "keyless MP_CAPABLE." % (CLIENT4, port, peer, port), dt=0.5)
    s_b = c.add(l2(False) / ip4(peer, CLIENT4, 60, 0x7001) /
                tcp(port, port, y, 0, "S", 64240, v1_syn_opts(ty)),
                "(f) The peer's SYN crosses ours (same tuple, other direction) before any "
                "SYN+ACK, with the very same option layout (its own TSval).", dt=0.0005)
    sa_a = c.add(l2(True) / ip4(CLIENT4, peer, 64, 0x6002) /
                 tcp(port, port, x, y + 1, "SA", 64240,
                     linux_syn_opts(1460, tx + 1, ty, o_mpc_v1_syn())),
                 "(f) Our SYN+ACK (seq = our ISN, ack = peer ISN + 1) repeats OUR OWN SYN's "
                 "options, keyless MP_CAPABLE included. Compared with the peer's SYN it would "
                 "look like an echo: it is not, this is a simultaneous open.", dt=0.0005)
    sa_b = c.add(l2(False) / ip4(peer, CLIENT4, 60, 0x7002) /
                 tcp(port, port, y, x + 1, "SA", 64240,
                     linux_syn_opts(1460, ty + 1, tx, o_mpc_v1_syn())),
                 "(f) The peer's SYN+ACK, likewise repeating its own SYN's options. All four "
                 "packets: simultaneous-open.", dt=0.0003)
    c.expect(s_a, "simultaneous-open", sa_b)
    c.expect(s_b, "simultaneous-open", sa_a)
    c.expect(sa_a, "simultaneous-open", s_b)
    c.expect(sa_b, "simultaneous-open", s_a)

    # (g) retransmitted SYN+ACK --------------------------------------------------
    srv, sport = "198.51.100.116", 41005
    isn, isn_s, tc, tsrv = 0x70000001, 0x0BADCAFE, 330000, 123456
    s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x8001) /
              tcp(sport, 443, isn, 0, "S", 64240, v1_syn_opts(tc)),
              "(g) SYN with keyless MP_CAPABLE v1.", dt=0.5)
    sa1 = c.add(l2(False) / ip4(srv, CLIENT4, 52, 0) /
                tcp(443, sport, isn_s, isn + 1, "SA", 65160,
                    linux_syn_opts(1460, tsrv, tc, o_mpc_v1_synack(V1_SERVER_KEY))),
                "(g) SYN+ACK from a genuine v1 server: 12-byte MP_CAPABLE with its own key %s."
                % hexkey(V1_SERVER_KEY), dt=0.020)
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x8002) /
          tcp(sport, 443, isn + 1, isn_s + 1, "A", 502,
              linux_ack_opts(tc + 20, tsrv, o_mpc_v1_ack(V1_CLIENT_KEY, V1_SERVER_KEY))),
          "(g) Third ACK with both keys; it gets lost on the way to the server. No verdict.",
          dt=0.0001)
    sa2 = c.add(l2(False) / ip4(srv, CLIENT4, 52, 0) /
                tcp(443, sport, isn_s, isn + 1, "SA", 65160,
                    linux_syn_opts(1460, tsrv + 1000, tc, o_mpc_v1_synack(V1_SERVER_KEY))),
                "(g) The server did not get the ACK and retransmits its SYN+ACK 1 s later (same "
                "seq, same key, new TSval): paired again with the same SYN, same verdict.",
                dt=1.0)
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x8003) /
          tcp(sport, 443, isn + 1, isn_s + 1, "A", 502,
              linux_ack_opts(tc + 1020, tsrv + 1000, o_mpc_v1_ack(V1_CLIENT_KEY, V1_SERVER_KEY))),
          "(g) The client ACKs again. No verdict.", dt=0.0001)
    c.pair([s], [sa1, sa2], "mptcp-genuine")

    # (h) ICMP / ICMPv6 time exceeded -------------------------------------------
    srv, sport, isn, kc, ks = "198.51.100.117", 41006, 0x80000001, 0x1122334455667788, \
        0x99AABBCCDDEEFF00
    probe_tcp = tcp(sport, 80, isn, 0, "S", 5840, o_mpc_v0(kc))
    probe1 = ip4(CLIENT4, srv, 1, 0x9001, df=False) / probe_tcp
    h1 = c.add(l2(True) / probe1,
               "(h) tracebox probe: SYN with MP_CAPABLE v0 (key %s) sent with TTL 1." % hexkey(kc),
               dt=0.5)
    c.add(l2(False) / ip4(ROUTER4, CLIENT4, 64, 0x0F01, df=False, tos=0xC0) /
          ICMP(type=11, code=0) / Raw(bytes(probe1)),
          "(h) ICMP time exceeded from the first router, quoting the whole SYN (IP + TCP header "
          "with MP_CAPABLE) as Linux routers do. A copy of a packet, not a packet: no verdict.",
          dt=0.002)
    h2 = c.add(l2(True) / ip4(CLIENT4, srv, 2, 0x9001, df=False) / probe_tcp,
               "(h) The same probe again with TTL 2 (same seq: a copy of the SYN).", dt=0.5)
    h3 = c.add(l2(False) / ip4(srv, CLIENT4, 63, 0, df=True) /
               tcp(80, sport, 0x33445566, isn + 1, "SA", 28800, o_mss(1460) + o_mpc_v0(ks)),
               "(h) SYN+ACK from a genuine v0 server 2 hops away: MSS 1460 and its own key %s. "
               "Pairs with the latest SYN copy (TTL 2)." % hexkey(ks), dt=0.003)
    c.pair([h1, h2], [h3], "mptcp-genuine")

    probe6 = ip6(CLIENT6, "2001:db8:1::117", 1) / \
        tcp(41007, 80, 0x90000001, 0, "S", 5760, o_mpc_v0(kc))
    h6 = c.add(l2(True) / probe6,
               "(h) IPv6 tracebox probe: SYN with MP_CAPABLE v0 (key %s), hop limit 1."
               % hexkey(kc), dt=0.5)
    e6 = c.add(l2(False) / ip6(ROUTER6, CLIENT6, 64) / ICMPv6TimeExceeded(code=0) / Raw(bytes(probe6)),
               "(h) ICMPv6 time exceeded (hop limit exceeded in transit) quoting the whole SYN "
               "(IPv6 + TCP header with MP_CAPABLE). No verdict: it is the SYN's only answer, which makes "
               "the SYN icmp-error.", dt=0.002)
    c.expect(h6, "icmp-error", e6)
    return c


def sc_encap():
    c = Capture("encap", """
Encapsulations: the 4-tuple is the inner one.
(1) IPv4 inside an 802.1Q VLAN (id 100): v0 MP_CAPABLE echoed -> mptcp-echo.
(2) IPv4-in-IPv4 (IP protocol 4, tunnel 203.0.113.2 <-> 203.0.113.200): v1 keyless MP_CAPABLE echoed -> mptcp-echo.
(3) IPv6 inside an 802.1Q VLAN (id 200): v1 keyless MP_CAPABLE echoed -> mptcp-echo.
""")
    key = 0x0FEDCBA987654321
    syn_l3 = ip4(CLIENT4, "198.51.100.130", 64, 0xA001)
    syn_tcp = tcp(42000, 80, 0xA0000001, 0, "S", 29200, o_mss(1460) + o_mpc_v0(key))
    s = c.add(l2(True, vlan=100) / syn_l3 / syn_tcp,
              "(1) In VLAN 100: SYN with MSS 1460 and MP_CAPABLE v0, key %s." % hexkey(key))
    l3, t = swap_echo(syn_l3, syn_tcp, 0xA1000001, ttl=50)
    sa = c.add(l2(False, vlan=100) / l3 / t,
               "(1) In VLAN 100: SYN+ACK repeats the SYN's options, same MP_CAPABLE key %s byte "
               "for byte: an echoing middlebox." % hexkey(key), dt=0.030)
    c.pair([s], [sa], "mptcp-echo")
    s, sa = v1_echo_pair(c, ip4(CLIENT4, "198.51.100.131", 64, 0xB001), 42001, 443,
                         0xB0000001, 0xB1000001, 440000, 49, 0.030,
                         outer=("203.0.113.2", "203.0.113.200"), note="(2) IPv4-in-IPv4: ",
                         syn_dt=1.0, mss=1440)
    c.pair([s], [sa], "mptcp-echo")
    s, sa = v1_echo_pair(c, ip6(CLIENT6, "2001:db8:1::132", 64, fl=0x12345), 42002, 443,
                         0xC0000001, 0xC1000001, 450000, 51, 0.030, vlan=200,
                         note="(3) IPv6 in VLAN 200: ", syn_dt=1.0, mss=1440)
    c.pair([s], [sa], "mptcp-echo")
    return c


def sc_truncated():
    c = Capture("truncated", """
The options cannot be compared, so no echo or MPTCP verdict is guessed: truncated.
(1) Frames 1-3 are v0-echo's exchange, but the SYN+ACK (frame 2) was captured with snaplen 54
    (Ethernet 14 + IPv4 20 + TCP 20): its 12 option bytes are cut off.
(2) A SYN with MP_CAPABLE v0 and a SYN+ACK whose second option (the MP_CAPABLE copy) has a length
    byte of 1 (invalid: the minimum is 2).
""")
    syn, sa, sa_comment, ack, ack_comment = v0_echo_exchange(c, "(1) ")
    f_sa = c.add(sa, "(1) Captured with snaplen 54: the TCP header says 12 option bytes follow "
                 "but none were captured, so it cannot be compared with the SYN: truncated "
                 "(on the wire this was v0-echo's SYN+ACK, an echo of the key %s)."
                 % hexkey(V0_ECHO_CLIENT_KEY), dt=0.160, caplen=54)
    c.pair([syn], [f_sa], "truncated")
    c.add(ack, ack_comment, dt=0.0002)

    key = 0x2468ACE013579BDF
    srv, sport, isn = "198.51.100.140", 43000, 0xD0000001
    s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0xD001) /
              tcp(sport, 80, isn, 0, "S", 29200, o_mss(1460) + o_mpc_v0(key)),
              "(2) SYN with MSS 1460 and MP_CAPABLE v0, key %s." % hexkey(key), dt=1.0)
    bad = bytearray(o_mpc_v0(key))
    bad[1] = 1
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 50, 0) /
               tcp(80, sport, 0xD1000001, isn + 1, "SA", 29200, o_mss(1460) + bytes(bad)),
               "(2) SYN+ACK whose MP_CAPABLE copy has a LENGTH BYTE OF 1 (invalid, the minimum "
               "is 2): the option list cannot be parsed, so no verdict is guessed although the "
               "SYN's key bytes follow: truncated. Malformed on purpose.", dt=0.030)
    c.pair([s], [sa], "truncated")
    return c


def sc_option_echo_ts():
    c = Capture("option-echo-ts", """
No MP_CAPABLE offered.
(1) The SYN+ACK returns the SYN's whole block (MSS, SACK_PERM, TS, NOP, WS) with the SYN's TSval
    and TSecr 0: option-echo (a correct SYN+ACK's TSecr is the SYN's TSval; only a copy carries the
    SYN's TSecr).
(2) A genuine Linux pair where client and server MSS are both 1460: plain (equal MSS is not evidence).
(3) Two sockets of one host over loopback: the SYN+ACK's TSval equals the SYN's (one clock, one
    millisecond, the same offset for the same address pair) and its TSecr acknowledges the SYN's
    TSval: plain, with middlebox.tsval_equal as a weak sign.
""")
    srv, sport, isn, ts = "198.51.100.150", 44000, 0xE0000001, 3000000001
    syn_l3 = ip4(CLIENT4, srv, 64, 0xE001)
    syn_tcp = tcp(sport, 443, isn, 0, "S", 64240, linux_syn_opts(1460, ts))
    s = c.add(l2(True) / syn_l3 / syn_tcp,
              "(1) Linux SYN without MPTCP: MSS 1460, SACK_PERM, TS (TSval %d), NOP, WS 7." % ts)
    l3, t = swap_echo(syn_l3, syn_tcp, 0xE1000001, ttl=48)
    sa = c.add(l2(False) / l3 / t,
               "(1) SYN+ACK returns the SYN's whole option block byte for byte: TSval %d is the "
               "CLIENT's timestamp, and TSecr is 0, the SYN's. A correct server's TSecr would be the "
               "SYN's TSval: an echoing middlebox built this: option-echo." % ts, dt=0.025)
    c.pair([s], [sa], "option-echo")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0xE002) /
          tcp(sport, 443, isn + 1, 0xE1000002, "A", 502, linux_ack_opts(ts + 25, ts)),
          "(1) Third ACK. No verdict.", dt=0.0001)

    srv, sport, isn, ts, tss = "198.51.100.151", 44001, 0xF0000001, 3000001000, 17171717
    s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0xF001) /
              tcp(sport, 443, isn, 0, "S", 64240, linux_syn_opts(1460, ts)),
              "(2) Linux SYN: MSS 1460, SACK_PERM, TS (TSval %d), NOP, WS 7." % ts, dt=1.0)
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 54, 0) /
               tcp(443, sport, 0xF1000001, isn + 1, "SA", 65160, linux_syn_opts(1460, tss, ts)),
               "(2) Genuine Linux SYN+ACK: MSS 1460 (same value as the client's, both sit on "
               "Ethernet), SACK_PERM, its own TSval %d with TSecr = client's %d, WS 7. Equal MSS "
               "and window scale are normal: plain." % (tss, ts), dt=0.015)
    c.pair([s], [sa], "plain")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0xF002) /
          tcp(sport, 443, isn + 1, 0xF1000002, "A", 502, linux_ack_opts(ts + 15, tss)),
          "(2) Third ACK. No verdict.", dt=0.0001)

    # (3) loopback: one clock on both sides
    lo, sport, isn, ts = "127.0.0.1", 44002, 0x12000001, 2000000000
    s = c.add(l2(True) / ip4(lo, lo, 64, 0x1201) /
              tcp(sport, 6379, isn, 0, "S", 65495, linux_syn_opts(65495, ts)),
              "(3) Loopback SYN (127.0.0.1 to itself, port 6379): MSS 65495, SACK_PERM, TS (TSval %d), "
              "NOP, WS 7." % ts, dt=1.0)
    sa = c.add(l2(False) / ip4(lo, lo, 64, 0) /
               tcp(6379, sport, 0x13000001, isn + 1, "SA", 65483, linux_syn_opts(65495, ts, ts)),
               "(3) Loopback SYN+ACK in the same millisecond: TSval %d equals the SYN's (both sockets read "
               "one clock, with the offset of the same address pair), and TSecr %d acknowledges it as "
               "RFC 7323 says. An ordinary SYN+ACK: plain, with middlebox.tsval_equal as a weak sign." % (ts, ts),
               dt=0.00005)
    c.pair([s], [sa], "plain")
    c.add(l2(True) / ip4(lo, lo, 64, 0x1202) /
          tcp(sport, 6379, isn + 1, 0x13000002, "A", 512, linux_ack_opts(ts, ts)),
          "(3) Third ACK. No verdict.", dt=0.00005)
    return c


def sc_mptcp_join():
    c = Capture("mptcp-join", """
(1) Frames 1-3: the initial MPTCP v1 subflow (MP_CAPABLE, genuine) that the join belongs to.
(2) A genuine MP_JOIN subflow: SYN 12 bytes (token = SHA-256(server key)[0:4], client nonce),
    SYN+ACK 16 bytes (truncated HMAC-SHA256, server nonce), third ACK 24 bytes (full HMAC): mptcp-join.
(3) An MP_JOIN SYN answered with its own options byte for byte: mptcp-echo.
""")
    srv, dport = "198.51.100.160", 443
    ka, kb = V1_CLIENT_KEY, V1_SERVER_KEY
    isn_c, isn_s, tc, ts = 0x12340001, 0x56780001, 500000, 800000
    s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1101) /
              tcp(45000, dport, isn_c, 0, "S", 64240, v1_syn_opts(tc)),
              "(1) Initial subflow: SYN with keyless MP_CAPABLE v1.")
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 52, 0) /
               tcp(dport, 45000, isn_s, isn_c + 1, "SA", 65160,
                   linux_syn_opts(1460, ts, tc, o_mpc_v1_synack(kb))),
               "(1) SYN+ACK with the server's own key %s: genuine MPTCP." % hexkey(kb), dt=0.018)
    c.pair([s], [sa], "mptcp-genuine")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x1102) /
          tcp(45000, dport, isn_c + 1, isn_s + 1, "A", 502,
              linux_ack_opts(tc + 18, ts, o_mpc_v1_ack(ka, kb))),
          "(1) Third ACK with both keys (client %s). No verdict." % hexkey(ka), dt=0.0001)

    token_b = v1_token(kb)
    r_a, r_b = 0x1A2B3C4D, 0x5E6F7081
    hmac_b = v1_join_hmac(kb, ka, r_b, r_a)[:8]
    hmac_a = v1_join_hmac(ka, kb, r_a, r_b)[:20]
    isn_c, isn_s = 0x22340001, 0x66780001
    s = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2101) /
              tcp(45001, dport, isn_c, 0, "S", 64240,
                  linux_syn_opts(1460, tc + 100, 0, o_join_syn(token_b, r_a, 0))),
              "(2) New subflow: SYN with MP_JOIN (kind 30, 12 bytes, subtype 1): the server's "
              "token 0x%08X (first 4 bytes of SHA-256 of its key) and the client's random nonce "
              "0x%08X." % (token_b, r_a), dt=0.2)
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 52, 0) /
               tcp(dport, 45001, isn_s, isn_c + 1, "SA", 65160,
                   linux_syn_opts(1460, ts + 200, tc + 100, o_join_synack(hmac_b, r_b, 0))),
               "(2) SYN+ACK with a 16-byte MP_JOIN: truncated HMAC 0x%s (proves the server knows "
               "both keys) and the server's own nonce 0x%08X: a genuine join."
               % (hmac_b.hex().upper(), r_b), dt=0.018)
    c.pair([s], [sa], "mptcp-join")
    c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x2102) /
          tcp(45001, dport, isn_c + 1, isn_s + 1, "A", 502,
              linux_ack_opts(tc + 118, ts + 200, o_join_ack(hmac_a))),
          "(2) Third ACK with the 24-byte MP_JOIN carrying the client's full 160-bit HMAC. "
          "No verdict.", dt=0.0001)
    c.add(l2(False) / ip4(srv, CLIENT4, 52, 1) /
          tcp(dport, 45001, isn_s + 1, isn_c + 1, "A", 509, linux_ack_opts(ts + 201, tc + 118)),
          "(2) The server's ACK that completes an MP_JOIN subflow. No verdict.", dt=0.018)

    srv, sport, isn_c, tsc = "198.51.100.161", 45002, 0x32340001, 600000
    syn_l3 = ip4(CLIENT4, srv, 64, 0x3101)
    syn_tcp = tcp(sport, dport, isn_c, 0, "S", 64240,
                  linux_syn_opts(1460, tsc, 0, o_join_syn(0xDEADBEEF, 0x0BB0CAFE, 2)))
    s = c.add(l2(True) / syn_l3 / syn_tcp,
              "(3) SYN with MP_JOIN (12 bytes, address id 2, token 0xDEADBEEF, nonce 0x0BB0CAFE).",
              dt=1.0)
    l3, t = swap_echo(syn_l3, syn_tcp, 0x33000001, ttl=46)
    sa = c.add(l2(False) / l3 / t,
               "(3) SYN+ACK returns the SYN's 12-byte MP_JOIN (same token, same nonce) byte for "
               "byte, and the SYN's TSval: a genuine join answer is 16 bytes with an HMAC and "
               "the server's own nonce. An echoing middlebox: mptcp-echo.", dt=0.030)
    c.pair([s], [sa], "mptcp-echo")
    return c


# IPv6 extension headers (RFC 8200 4.3-4.6): scapy layers with every next
# header field set explicitly, so the chain is exactly the one written here.

def hbh_pmtu(nh, min_pmtu=1280):
    """Hop-by-hop: Minimum Path MTU option (RFC 9268, type 0x30, 4 bytes:
    Min-PMTU << 1 | R, Rtn-PMTU << 1), 8 bytes in all."""
    return IPv6ExtHdrHopByHop(nh=nh, options=[
        HBHOptUnknown(otype=0x30, optdata=struct.pack("!HH", min_pmtu << 1, 0))])


def hbh_router_alert(nh):
    """Hop-by-hop: router alert (RFC 2711, value 0) and a PadN, 8 bytes."""
    return IPv6ExtHdrHopByHop(nh=nh, options=[RouterAlert(value=0), PadN(optdata=b"")])


def dst_pdm(nh, psn):
    """Destination options: PDM (RFC 8250, type 0x0F, 10 bytes: scales,
    packet sequence numbers, deltas) and a PadN, 16 bytes (length field 1)."""
    return IPv6ExtHdrDestOpt(nh=nh, options=[
        HBHOptUnknown(otype=0x0F, optdata=struct.pack("!BBHHHH", 0, 0, psn, 0, 0, 0)),
        PadN(optdata=b"")])


def frag_atomic(nh, ident):
    """Fragment header of an atomic fragment (RFC 6946): offset 0, M 0."""
    return IPv6ExtHdrFragment(nh=nh, offset=0, m=0, id=ident)


def ext_chain(l3, ident, psn, hlim=None):
    """`l3` (an IPv6 header) followed by hop-by-hop (Min PMTU), destination
    options (PDM) and an atomic fragment header, then TCP."""
    return IPv6(src=l3.src, dst=l3.dst, hlim=l3.hlim if hlim is None else hlim, fl=l3.fl, tc=l3.tc,
                nh=0) / hbh_pmtu(60) / dst_pdm(44, psn) / frag_atomic(6, ident)


def tcp_csum6(src, dst, t):
    """`t` with its checksum set from the IPv6 pseudo-header: scapy 2.5 gets
    it wrong when AH sits between IPv6 and TCP (AH is not in the pseudo-header,
    RFC 8200 8.1)."""
    t = t.copy()
    t.chksum = IPv6(bytes(IPv6(src=src, dst=dst) / t))[TCP].chksum
    return t


def sc_ipv6_ext_headers():
    c = Capture("ipv6-ext-headers", """
IPv6 with extension headers between the IPv6 header and TCP (every TCP header sits behind them):
hop-by-hop (Minimum Path MTU option), destination options (PDM), an atomic fragment header
(offset 0, M 0); a router alert added by a box; a segment routing header and AH.
(1) v1 SYN behind hop-by-hop + destination options + fragment; the box turns the whole packet
    round, extension headers included (hop limit 52): mptcp-echo.
(2) the same chain to a genuine v1 server, whose SYN+ACK carries only a PDM destination option: mptcp-genuine.
(3) kind 222 SYN without extension headers; the echoed SYN+ACK comes back with a hop-by-hop router
    alert and an atomic fragment header the box added: option-echo.
(4) tracebox probe with hop limit 1 and the extension header chain, the router's ICMPv6 time
    exceeded quoting all of it (no verdict), the probe again with hop limit 2 answered without
    MP_CAPABLE: mptcp-absent on both copies.
(5) SYN behind a segment routing header (segments left 0) and AH (HMAC-SHA1-96); a genuine Linux
    SYN+ACK without MPTCP behind AH: plain.
""")
    # (1) echo -----------------------------------------------------------------
    srv, sport, isn, ts = "2001:db8:1::170", 46000, 0x46000001, 1500000001
    syn_l3 = ip6(CLIENT6, srv, 64, fl=0x2E001)
    syn_tcp = tcp(sport, 443, isn, 0, "S", 64800, v1_syn_opts(ts, 1440))
    s = c.add(l2(True) / ext_chain(syn_l3, 0x0E000001, 1) / syn_tcp,
              "(1) IPv6 SYN with three extension headers before TCP: hop-by-hop (Minimum Path MTU "
              "1280), destination options (PDM, sequence number 1), fragment header of an atomic "
              "fragment (offset 0, M 0). Linux v1 options: MSS 1440, SACK_PERM, TS (TSval %d), "
              "NOP, WS 7, keyless MP_CAPABLE." % ts)
    l3, t = swap_echo(syn_l3, syn_tcp, 0x4E000001, hlim=52)
    sa = c.add(l2(False) / ext_chain(l3, 0x0E000001, 1) / t,
               "(1) SYN+ACK: the SYN turned round by a box, extension headers and all (same fragment "
               "identification, same PDM), and the SYN's option block byte for byte: keyless 4-byte "
               "MP_CAPABLE and the client's TSval %d. Hop limit 52: mptcp-echo." % ts, dt=0.041)
    c.pair([s], [sa], "mptcp-echo")
    c.add(l2(True) / ip6(CLIENT6, srv, 64, fl=0x2E001) /
          tcp(sport, 443, isn + 1, 0x4E000002, "A", 64800 >> 7, linux_ack_opts(ts + 41, ts)),
          "(1) Third ACK without extension headers; the client fell back to plain TCP. No verdict.",
          dt=0.0001)

    # (2) genuine ---------------------------------------------------------------
    srv, sport, isn, ts, tss = "2001:db8:1::171", 46001, 0x46100001, 1500001000, 424242
    s = c.add(l2(True) / ext_chain(ip6(CLIENT6, srv, 64, fl=0x2E002), 0x0E000002, 2) /
              tcp(sport, 443, isn, 0, "S", 64800, v1_syn_opts(ts, 1440)),
              "(2) The same extension header chain (PDM sequence number 2, fragment identification "
              "0x0E000002) on a v1 SYN to a second server.", dt=0.5)
    sa = c.add(l2(False) / IPv6(src=srv, dst=CLIENT6, hlim=55, fl=0x7E571, nh=60) /
               dst_pdm(6, 1) /
               tcp(443, sport, 0x4E100001, isn + 1, "SA", 64260,
                   linux_syn_opts(1440, tss, ts, o_mpc_v1_synack(V1_SERVER_KEY))),
               "(2) SYN+ACK from a genuine v1 server behind a destination options header only "
               "(its own PDM): its own TSval %d, TSecr = client's %d, 12-byte MP_CAPABLE with the "
               "server's key %s: mptcp-genuine." % (tss, ts, hexkey(V1_SERVER_KEY)), dt=0.022)
    c.pair([s], [sa], "mptcp-genuine")

    # (3) a box adds extension headers --------------------------------------------
    srv, sport, isn = "2001:db8:1::172", 46002, 0x46200001
    syn_l3 = ip6(CLIENT6, srv, 64, fl=0x2E003)
    syn_tcp = tcp(sport, 80, isn, 0, "S", 64800, o_mss(1440) + o_kind222())
    s = c.add(l2(True) / syn_l3 / syn_tcp,
              "(3) IPv6 SYN without extension headers: MSS 1440 and the experimental kind 222 "
              "(f9 89).", dt=0.5)
    l3, t = swap_echo(syn_l3, syn_tcp, 0x4E200001, hlim=49)
    sa = c.add(l2(False) / IPv6(src=l3.src, dst=l3.dst, hlim=49, fl=l3.fl, nh=0) /
               hbh_router_alert(44) / frag_atomic(6, 0x0B0C0001) / t,
               "(3) SYN+ACK returning MSS 1440 and kind 222 byte for byte, with a hop-by-hop header "
               "(router alert) and an atomic fragment header the answering box put in front of "
               "TCP: option-echo.", dt=0.030)
    c.pair([s], [sa], "option-echo")

    # (4) tracebox probe and quote ------------------------------------------------
    srv, sport, isn, kc, ks = "2001:db8:1::173", 46003, 0x46300001, 0x1122334455667788, \
        0x99AABBCCDDEEFF00
    probe_tcp = tcp(sport, 80, isn, 0, "S", 5760, o_mpc_v0(kc))
    probe1 = ext_chain(ip6(CLIENT6, srv, 1), 0x0E000004, 4) / probe_tcp
    h1 = c.add(l2(True) / probe1,
               "(4) tracebox probe: SYN with MP_CAPABLE v0 (key %s) behind hop-by-hop, destination "
               "options and fragment headers, hop limit 1." % hexkey(kc), dt=0.5)
    c.add(l2(False) / ip6(ROUTER6, CLIENT6, 64) / ICMPv6TimeExceeded(code=0) / Raw(bytes(probe1)),
          "(4) ICMPv6 time exceeded from the first router quoting the whole probe: IPv6 header, "
          "the three extension headers, TCP header with MP_CAPABLE. Linked to the probe, no "
          "verdict.", dt=0.002)
    h2 = c.add(l2(True) / ext_chain(ip6(CLIENT6, srv, 2), 0x0E000004, 4) / probe_tcp,
               "(4) The same probe with hop limit 2 (same seq: a copy of the SYN).", dt=0.5)
    h3 = c.add(l2(False) / ip6(srv, CLIENT6, 62) /
               tcp(80, sport, 0x4E300001, isn + 1, "SA", 28800, o_mss(1440)),
               "(4) SYN+ACK without MP_CAPABLE (MSS 1440 only, no extension headers): the server "
               "does not speak MPTCP. Pairs with the latest probe copy: mptcp-absent, on both "
               "copies.", dt=0.003)
    c.pair([h1, h2], [h3], "mptcp-absent")

    # (5) segment routing header and AH --------------------------------------------
    srv, sport, isn, ts, tss = "2001:db8:1::174", 46004, 0x46400001, 1500003000, 737373
    icv = bytes(range(0xA0, 0xAC))  # 12 bytes, HMAC-SHA1-96 (not a real MAC)
    s = c.add(l2(True) / IPv6(src=CLIENT6, dst=srv, hlim=64, fl=0x2E005, nh=43) /
              IPv6ExtHdrSegmentRouting(nh=51, addresses=[srv, "2001:db8:ff::5"], segleft=0,
                                       lastentry=1) /
              AH(nh=6, payloadlen=4, spi=0x00000500, seq=1, icv=icv) /
              tcp_csum6(CLIENT6, srv, tcp(sport, 443, isn, 0, "S", 64800, linux_syn_opts(1440, ts))),
              "(5) IPv6 SYN that came through a segment routing header (2 segments, segments left "
              "0: this is the final destination) and carries AH (SPI 0x500, 12-byte ICV) before "
              "TCP. Linux options without MPTCP.", dt=0.5)
    sa = c.add(l2(False) / IPv6(src=srv, dst=CLIENT6, hlim=57, fl=0x7E575, nh=51) /
               AH(nh=6, payloadlen=4, spi=0x00000600, seq=1, icv=icv[::-1]) /
               tcp_csum6(srv, CLIENT6, tcp(443, sport, 0x4E400001, isn + 1, "SA", 64260,
                                           linux_syn_opts(1440, tss, ts))),
               "(5) Genuine Linux SYN+ACK behind AH (SPI 0x600): MSS 1440, SACK_PERM, its own "
               "TSval %d (TSecr = client's %d), WS 7: plain." % (tss, ts), dt=0.020)
    c.pair([s], [sa], "plain")
    return c


def inet_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def icmp4_time_exceeded(original, rfc4884_extension=None):
    """ICMPv4 time exceeded quoting `original` bytes; with an RFC 4884 extension the
    original datagram field is zero-padded to 128 bytes, its length attribute set (in
    32-bit words) and the extension structure (version 2, checksum, objects) follows."""
    length_attr = 0
    body = original
    if rfc4884_extension is not None:
        body = original + b"\0" * (128 - len(original))
        length_attr = 128 // 4
        ext = struct.pack("!BBH", 0x20, 0, 0) + rfc4884_extension
        ext = ext[:2] + struct.pack("!H", inet_checksum(ext)) + ext[4:]
        body += ext
    hdr = struct.pack("!BBHBBH", 11, 0, 0, 0, length_attr, 0)
    pkt = hdr + body
    return pkt[:2] + struct.pack("!H", inet_checksum(pkt)) + pkt[4:]


def mpls_object(label, ttl=1):
    """RFC 4950 MPLS label stack object: class 1, c-type 1, one entry (bottom of stack)."""
    entry = struct.pack("!I", (label << 12) | (0 << 9) | (1 << 8) | ttl)
    return struct.pack("!HBB", 4 + len(entry), 1, 1) + entry


def sc_partial_quotes():
    c = Capture("partial-quotes", """
ICMP time exceeded errors that quote less than the whole SYN (RFC 792 allows 8 bytes of TCP),
and RFC 4884 errors whose original datagram field is zero-padded to 128 bytes and followed by an
MPLS extension (RFC 4950), as MPLS routers send. One probe (same seq: copies), TTL 1, 2, 3:
(1) TTL 1: the router quotes the IP header and 8 bytes of TCP: the options are not in the quote,
    nothing can be said about them (never a deletion).
(2) TTL 2: the router quotes IP + the 20-byte TCP header, cuts the options, pads with zeros
    (RFC 4884): the zeros are padding, not an option block: not a deletion either.
(3) TTL 3: the whole SYN quoted, padded, with an MPLS label stack extension after it: parsed up
    to the quoted packet, the options arrived unchanged.
No answer but these errors: the SYN's copies are icmp-error, linked to the first error.
""")
    srv, sport, isn, kc, ts = "198.51.100.190", 45000, 0xA0000001, 0x0102030405060708, 700000001
    probe_tcp = tcp(sport, 80, isn, 0, "S", 64240, linux_syn_opts(1460, ts, 0, o_mpc_v0(kc)))
    frames = []
    quotes = []
    for ttl, router, quote, text in (
            (1, "203.0.113.1", 28, "the IP header and 8 bytes of TCP (RFC 792): the options are not quoted, so "
             "nothing is said about them"),
            (2, "203.0.113.2", 40, "the IP header and the 20-byte TCP header, then zero padding to 128 bytes and "
             "an MPLS extension (RFC 4884, RFC 4950): the zeros are padding, not a (stripped) option block"),
            (3, "203.0.113.3", None, "the whole SYN, padded to 128 bytes, then an MPLS extension (RFC 4884, RFC "
             "4950): read up to the quoted packet's length, its options arrived unchanged")):
        probe = ip4(CLIENT4, srv, ttl, 0xA001, df=False) / probe_tcp
        f = c.add(l2(True) / probe,
                  "Probe SYN (tracebox style), TTL %d: MSS, SACK_PERM, TS, NOP, WS, MP_CAPABLE v0 key %s%s."
                  % (ttl, hexkey(kc), "" if ttl == 1 else "; a copy of the first (same seq)"), dt=0.5 if frames else 0)
        frames.append(f)
        raw = bytes(probe)
        original = raw if quote is None else raw[:quote]
        ext = None if ttl == 1 else mpls_object(16000 + ttl)
        icmp = icmp4_time_exceeded(original, ext)
        outer = ip4(router, CLIENT4, 64 - ttl + 1, 0x0F10 + ttl, df=False, tos=0xC0)
        outer.proto = 1  # ICMP, built by hand above (scapy 2.5 writes no RFC 4884 length)
        q = c.add(l2(False) / outer / Raw(icmp),
                  "ICMP time exceeded from %s quoting %s. No verdict: a copy of a packet." % (router, text),
                  dt=0.002)
        quotes.append(q)
    for f in frames:
        c.expect(f, "icmp-error", quotes[0])
    return c


def sc_distance_signs():
    """Ordinary servers whose TTLs differ for reasons of their own, and boxes
    that answered for a server: what the plugin can tell from the TTLs and
    the IP ID (docs/verdicts.md, "Distances")."""
    c = Capture("distance-signs", """
Distances (docs/verdicts.md): every handshake is plain; the SYN+ACK's TTL against the server's
data, FIN and RST.  (a) eBGP: the router answers at 255 and sends BGP at TTL 1 -> ttl-set;
(b) GTSM: SYN+ACK from the kernel at 64, data at 255, 3 hops both -> other-initial-ttl;
(c) a capture site where SYN+ACK and FIN arrive one TTL lower than data -> same (the FIN);
(d) the same site, capture cut before the FIN -> synack-farther, no SYN proxy;
(e) a load balancer at 255 beside a server at 64, 5 hops both -> other-initial-ttl;
(f) a box that built its SYN+ACK from the SYN (its IP ID and TTL, options its own) -> syn_proxy;
(g) a SYN proxy 4 hops nearer than the server -> syn_proxy; (h) a proxy starting at 255 -> syn_proxy;
(i) the SYN's IP ID returned, no data to compare -> a note only.
""")
    srv_isn = 0x5E000000

    def conn(label, srv, dport, sport, syn_ttl, syn_id, sa_ttl, sa_id, data_ttls, fin_ttl=None,
             sa_opts=None, why=""):
        isn = 0x10000000 + sport * 1000
        ts = 0x01000000 + sport
        syn_opts = linux_syn_opts(1460, ts)
        f_syn = c.add(l2(True) / ip4(CLIENT4, srv, syn_ttl, syn_id) /
                      tcp(sport, dport, isn, 0, "S", 64240, syn_opts),
                      "(%s) SYN to %s:%d, TTL %d, IP ID %d." % (label, srv, dport, syn_ttl, syn_id), dt=0.5)
        opts = sa_opts if sa_opts is not None else linux_syn_opts(1400, 0x0A000000 + sport, ts)
        f_sa = c.add(l2(False) / ip4(srv, CLIENT4, sa_ttl, sa_id) /
                     tcp(dport, sport, srv_isn, isn + 1, "SA", 65160, opts),
                     "(%s) SYN+ACK, TTL %d, IP ID %d. %s" % (label, sa_ttl, sa_id, why), dt=0.01)
        c.pair([f_syn], [f_sa], "plain")
        c.add(l2(True) / ip4(CLIENT4, srv, syn_ttl, syn_id + 1) /
              tcp(sport, dport, isn + 1, srv_isn + 1, "A", 502, linux_ack_opts(ts + 10, 0x0A000000 + sport)),
              "(%s) Third ACK." % label, dt=0.01)
        seq = srv_isn + 1
        for i, ttl in enumerate(data_ttls):
            body = bytes([0x41 + i]) * 100
            c.add(l2(False) / ip4(srv, CLIENT4, ttl, sa_id + 1 + i) /
                  tcp(dport, sport, seq, isn + 1, "PA", 509, linux_ack_opts(0x0A000010 + sport + i, ts + 10), body),
                  "(%s) The server's data, 100 bytes, TTL %d." % (label, ttl), dt=0.01)
            seq += 100
        if fin_ttl is not None:
            c.add(l2(False) / ip4(srv, CLIENT4, fin_ttl, sa_id + 50) /
                  tcp(dport, sport, seq, isn + 1, "FA", 509, linux_ack_opts(0x0A000100 + sport, ts + 10)),
                  "(%s) The server's FIN, TTL %d: at the SYN+ACK's TTL, so the same host." % (label, fin_ttl),
                  dt=0.01)

    # (a) eBGP, RFC 4271: TTL 1 both ways for the session; the router's
    # kernel answers the SYN at its own initial 255 (0 hops: a neighbour).
    conn("a", "198.51.100.81", 179, 50081, 1, 0x0a01, 255, 0x2001, [1, 1, 1],
         why="The eBGP router's own stack, initial TTL 255, on the link.")
    # (b) GTSM, RFC 5082: the BGP speaker sets 255 on its socket; the SYN+ACK
    # came from the kernel's default 64. Both 3 hops.
    conn("b", "198.51.100.82", 179, 50082, 64, 0x0b01, 61, 0, [252, 252, 252],
         why="The kernel's default 64 over 3 hops; the application then sends at 255 (GTSM).")
    # (c), (d) a capture site where the server's SYN+ACK and FIN arrive one
    # TTL lower than its data (control segments routed one hop longer).
    conn("c", "198.51.100.83", 80, 50083, 64, 0x0c01, 52, 0, [53, 53, 53, 53], fin_ttl=52,
         why="One TTL below the data: control segments take one more hop at this site.")
    conn("d", "198.51.100.84", 80, 50084, 64, 0x0d01, 52, 0, [53, 53, 53],
         why="One TTL below the data, and the capture ends before the server's FIN.")
    # (e) two initial TTLs, 5 hops each.
    conn("e", "198.51.100.85", 443, 50085, 64, 0x0e01, 250, 0x3e01, [59, 59, 59],
         why="Initial 255, 5 hops; the data from a stack that starts at 64, 5 hops too.")
    # (f) a box that turned the SYN round: the SYN's IP ID, its TTL after 7
    # hops (57) and 7 back (50); options of its own (MSS only); the server
    # is 12 hops away (52).
    conn("f", "198.51.100.86", 80, 50086, 64, 0x4d2e, 50, 0x4d2e, [52, 52, 52], sa_opts=o_mss(1460),
         why="Built from the SYN by a box: the SYN's IP ID, its TTL carried on, MSS 1460 its own.")
    # (g) a SYN proxy 4 hops nearer than the server (a CDN's edge).
    conn("g", "198.51.100.87", 443, 50087, 64, 0x0f01, 60, 0, [56, 56, 56],
         why="4 hops; the server's data comes from 8.")
    # (h) a proxy whose stack starts at 255, on the capture's link.
    conn("h", "198.51.100.88", 80, 50088, 64, 0x1001, 255, 0x4001, [57, 57, 57],
         why="A box on this link (initial 255, 0 hops); the server's data from 7 hops.")
    # (i) the SYN's IP ID back, nothing else to compare.
    conn("i", "198.51.100.89", 80, 50089, 64, 0x5a5a, 57, 0x5a5a, [],
         why="The SYN's IP ID: a box may have built it; no data follows.")
    return c


def sc_rst_then_echo():
    """An RST answers the SYN first, then a SYN+ACK that copies the SYN: the
    copy pairs with the SYN (docs/verdicts.md, "RST answering a SYN")."""
    c = Capture("rst-then-echo", """
(a) A box resets the client (RST+ACK, TTL 60) and a SYN+ACK that is the SYN turned round (kind 222, the
SYN's IP ID and window) follows: SYN and SYN+ACK option-echo, the RST rst, the SYN+ACK linked to the SYN, with
middlebox.rst_frame.  (b) The same tuple's next SYN (another sequence number) and an RST: rst.
""")
    srv, sport = "198.51.100.90", 50090
    syn_l3 = ip4(CLIENT4, srv, 64, 0x6a6a)
    syn_tcp = tcp(sport, 80, 0x20000000, 0, "S", 64240, linux_syn_opts(1460, 0x777) + o_kind222())
    f_syn = c.add(l2(True) / syn_l3 / syn_tcp, "(a) SYN with kind 222 (f9 89).", dt=0.5)
    f_rst = c.add(l2(False) / ip4(srv, CLIENT4, 60, 0) / tcp(80, sport, 0, 0x20000001, "RA", 0),
                  "(a) RST+ACK answering the SYN, TTL 60: a box's or the server's, the bytes do not say.", dt=0.005)
    sa_l3, sa_tcp = swap_echo(syn_l3, syn_tcp, 0x31000000, ttl=50)
    f_sa = c.add(l2(False) / sa_l3 / sa_tcp,
                 "(a) SYN+ACK acknowledging the same SYN: the SYN turned round (kind 222, IP ID, window, TS with "
                 "TSecr 0): an echo, found although the RST came first.", dt=0.005)
    c.expect(f_syn, "option-echo", f_sa)
    c.expect(f_rst, "rst", f_syn)  # the RST frame keeps its own verdict
    c.expect(f_sa, "option-echo", f_syn)
    f_syn2 = c.add(l2(True) / ip4(CLIENT4, srv, 64, 0x6a70) /
                   tcp(sport, 80, 0x28000000, 0, "S", 64240, linux_syn_opts(1460, 0x999)),
                   "(b) A new SYN on the same tuple (another sequence number).", dt=1.0)
    f_rst2 = c.add(l2(False) / ip4(srv, CLIENT4, 60, 0) / tcp(80, sport, 0, 0x28000001, "RA", 0),
                   "(b) RST+ACK answering it.", dt=0.005)
    c.expect(f_syn2, "rst", f_rst2)
    c.expect(f_rst2, "rst", f_syn2)
    return c


def o_accecn0(ee0b, eceb, ee1b):
    """AccECN Order 0 (kind 172, RFC 9768 3.2.3): EE0B, ECEB, EE1B, 24 bits each, NOP-padded."""
    return bytes([172, 11]) + b"".join(v.to_bytes(3, "big") for v in (ee0b, eceb, ee1b)) + o_nop()


def sc_accecn():
    """RFC 9768's handshake table (3.1.1, Table 2), each answer to an AccECN
    SYN (AE, CWR, ECE = 1, 1, 1), and a classic ECN SYN to an AccECN server:
    only the reflected (1, 1, 1) is a flag echo.  Kind 172 sent alike in
    both directions is AccECN, never an unknown kind."""
    c = Capture("accecn", """
RFC 9768 (AccECN) handshakes: SYN AE=CWR=ECE=1 answered as Table 2 lists: (0,1,0) Not-ECT, (0,1,1) ECT(1),
(1,0,0) ECT(0), (1,1,0) CE on the SYN (AccECN server), (0,0,1) classic ECN server, (0,0,0) no ECN,
(1,0,1) the nonce-era answer: plain; (1,1,1), a host that reflects the SYN's flags: flag-echo.  A classic ECN
SYN (0,1,1) answered (0,0,1) by an AccECN server: plain.  An AccECN0 option (kind 172) with the same initial
counters in SYN and SYN+ACK: plain (a known kind both ends may send alike).
""")
    srv = "198.51.100.91"
    AE, CWR, ECE = 0x100, 0x80, 0x40

    def bits(a, c_, e):
        return (AE if a else 0) | (CWR if c_ else 0) | (ECE if e else 0)
    cases = [
        (bits(1, 1, 1), 0, bits(0, 1, 0), "plain", "AccECN server, the SYN arrived Not-ECT"),
        (bits(1, 1, 1), 1, bits(0, 1, 1), "plain", "AccECN server, the SYN arrived ECT(1)"),
        (bits(1, 1, 1), 2, bits(1, 0, 0), "plain", "AccECN server, the SYN arrived ECT(0)"),
        (bits(1, 1, 1), 3, bits(1, 1, 0), "plain", "AccECN server, the SYN arrived CE"),
        (bits(1, 1, 1), 0, bits(0, 0, 1), "plain", "a classic ECN server (RFC 3168)"),
        (bits(1, 1, 1), 0, bits(0, 0, 0), "plain", "a server without ECN"),
        (bits(1, 1, 1), 0, bits(1, 0, 1), "plain", "the ECN-nonce era's answer (RFC 3540)"),
        (bits(1, 1, 1), 0, bits(1, 1, 1), "flag-echo", "the SYN's flags reflected: RFC 9768's broken host"),
        (bits(0, 1, 1), 0, bits(0, 0, 1), "plain", "a classic ECN SYN answered by an AccECN server"),
    ]
    sport = 50100
    for syn_flags, tos, sa_flags, verdict, what in cases:
        sport += 1
        isn = 0x40000000 + sport
        syn = c.add(l2(True) / ip4(CLIENT4, srv, 64, sport, tos=tos) /
                    tcp(sport, 443, isn, 0, 0x02 | syn_flags, 64240, linux_syn_opts(1460, 0x500 + sport)),
                    "SYN with AE,CWR,ECE = %d,%d,%d, IP ECN field %d." % (
                        bool(syn_flags & AE), bool(syn_flags & CWR), bool(syn_flags & ECE), tos), dt=0.2)
        sa = c.add(l2(False) / ip4(srv, CLIENT4, 55, 0) /
                   tcp(443, sport, 0x70000000 + sport, isn + 1, 0x12 | sa_flags, 65160,
                       linux_syn_opts(1400, 0x900 + sport, 0x500 + sport)),
                   "SYN+ACK with AE,CWR,ECE = %d,%d,%d: %s." % (
                       bool(sa_flags & AE), bool(sa_flags & CWR), bool(sa_flags & ECE), what), dt=0.01)
        c.pair([syn], [sa], verdict)
    # Kind 172 in both directions, the same initial counters (EE0B 1, ECEB 0, EE1B 1).
    sport += 1
    isn = 0x40000000 + sport
    acc = o_accecn0(1, 0, 1)
    syn = c.add(l2(True) / ip4(CLIENT4, srv, 64, sport) /
                tcp(sport, 443, isn, 0, 0x02 | bits(1, 1, 1), 64240, o_mss(1460) + acc),
                "AccECN SYN carrying an AccECN0 option (kind 172) with the initial counters.", dt=0.2)
    sa = c.add(l2(False) / ip4(srv, CLIENT4, 55, 0) /
               tcp(443, sport, 0x70000000 + sport, isn + 1, 0x12 | bits(0, 1, 0), 65160, o_mss(1400) + acc),
               "AccECN SYN+ACK (0,1,0) with the same AccECN0 bytes: the counters start alike at both ends; "
               "a known kind, no echo.", dt=0.01)
    c.pair([syn], [sa], "plain")
    return c


SCENARIOS = [sc_v0_genuine, sc_v0_absent, sc_v0_echo, sc_kind222, sc_v1_genuine,
             sc_v1_echo, sc_v1_echo_ipv6, sc_pairing_edge, sc_encap, sc_truncated,
             sc_option_echo_ts, sc_mptcp_join, sc_ipv6_ext_headers, sc_partial_quotes, sc_distance_signs,
             sc_rst_then_echo, sc_accecn]


# --------------------------------------------------------------------------
# Optional self-check with tshark
# --------------------------------------------------------------------------

def check(cap, path):
    """Checks checksums, comments and malformed-ness with tshark; returns errors."""
    errs = []
    prefs = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    out = subprocess.run(["tshark", "-n", "-r", path] + prefs + ["-T", "fields", "-E",
                          "separator=\t", "-e", "frame.number", "-e", "frame.comment",
                          "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                          "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status"],
                         capture_output=True, text=True, check=True).stdout
    rows = [r.split("\t") for r in out.splitlines()]
    if len(rows) != len(cap.frames):
        errs.append("tshark read %d frames, wrote %d" % (len(rows), len(cap.frames)))
    for r, (_, _, caplen, comment) in zip(rows, cap.frames):
        if any(r[4:6]):  # an ICMP error: the TCP header it quotes may be cut, its checksum proves nothing
            r = r[:3] + [""] + r[4:]
        num, com, sts = r[0], r[1], ",".join(r[2:])
        if com != comment:
            errs.append("frame %s: comment mismatch" % num)
        if caplen is None:
            for st in sts.split(","):
                if st not in ("", "1"):   # 0 bad, 1 good, 2 unverified
                    errs.append("frame %s: checksum status %r" % (num, r[2:]))
                    break
    # Frames Wireshark calls malformed or short, or that carry a warning/error
    # expert entry (0x600000 = PI_WARN); reported as notes, some are intended.
    for label, flt in (("malformed", "_ws.malformed"), ("short", "_ws.short"),
                       ("warn+", "_ws.expert.severity >= 0x600000")):
        hit = subprocess.run(["tshark", "-n", "-r", path, "-Y", flt, "-T", "fields",
                              "-e", "frame.number"], capture_output=True, text=True,
                             check=True).stdout.split()
        if hit:
            errs.append("note: %s in frame(s) %s" % (label, ",".join(hit)))
    subprocess.run(["tshark", "-n", "-r", path, "-V"], capture_output=True, check=True)
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--outdir", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="verify the files with tshark")
    ap.add_argument("names", nargs="*", help="scenarios to write (default: all)")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    caps = [f() for f in SCENARIOS]
    known = [c.name for c in caps]
    for n in args.names:
        if n not in known:
            ap.error("unknown scenario %r (known: %s)" % (n, ", ".join(known)))
    rc = 0
    for c in caps:
        if args.names and c.name not in args.names:
            continue
        path = c.write(args.outdir)
        line = "%-16s %3d frames %3d verdicts" % (c.name, len(c.frames), len(c.verdicts))
        if args.check:
            errs = check(c, path)
            hard = [e for e in errs if not e.startswith("note:")]
            line += "  " + ("; ".join(errs) if errs else "ok")
            rc |= bool(hard)
        print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main())
