#!/usr/bin/python3
"""Programs the lab runs *inside* its namespaces (started by lab.py through `ip netns exec`).

    roles.py serve   PORT:PROTO[,PORT:PROTO...]      listeners (PROTO mptcp|tcp|tfo), echo data back
    roles.py connect --dst A --dport P [--src A] [--sport P] [--mptcp] [--data N] [--fastopen] [--ttl N] ...
    roles.py echo-proxy --iface IF --match DST:PORT[,...] --ready FILE
    roles.py nfq --queue N --mode rewrite|delay [--delay S] --ready FILE
    roles.py short-icmp --queue N --src A --ready FILE   ICMP time exceeded quoting 8 bytes (RFC 792)
    roles.py craft --dst A --dport P --sport P --opt v0key|v1|kind222|tfo-req|tfo-exp-req|tfo-cookie|tfo-exp-cookie|none
                   [--no-ts] [--cookie HEX] [--ttl N] [--copies N] [--wait S]
    roles.py tracebox --dst A --dport P --sport-base P --opt v0key|v1|kind222|v0key+222 --max-ttl N --out JSON
    roles.py simopen --src A --sport P --dst A --dport P --at EPOCH

Every role stops by itself (bounded loops, timeouts) or when the lab kills it by pid.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ---------------------------------------------------------------- options bytes
def ts_opt(tsval, tsecr=0):
    return bytes([8, 10]) + struct.pack("!II", tsval, tsecr)


TFO_EXID = b"\xf9\x89"      # RFC 7413: TCP Fast Open's ExID in the experimental kind 254


# A Linux-like SYN option block (MSS, SACK permitted, timestamps, NOP, window scale)
# followed by the option under test.  Lengths are padded with NOPs to 4 bytes.
# Without timestamps (ts=False): MSS, SACK permitted, NOP, window scale, the option under test.
def syn_options(kind, mss=1460, v6=False, ts=True, cookie=None):
    if ts:
        base = struct.pack("!BBH", 2, 4, 1440 if v6 else mss) + bytes([4, 2]) + \
            ts_opt(int(time.time() * 1000) & 0xFFFFFFFF) + bytes([1, 3, 3, 7])
    else:
        base = struct.pack("!BBH", 2, 4, 1440 if v6 else mss) + bytes([4, 2, 1, 3, 3, 7])
    cookie = cookie if cookie is not None else os.urandom(8)
    if kind == "tfo-req":
        # TCP Fast Open cookie request (RFC 7413): kind 34, length 2, no cookie
        extra = bytes([34, 2])
    elif kind == "tfo-exp-req":
        # the same request in the experimental form: kind 254, length 4, ExID f989
        extra = bytes([254, 4]) + TFO_EXID
    elif kind == "tfo-cookie":
        extra = bytes([34, 2 + len(cookie)]) + cookie
    elif kind == "tfo-exp-cookie":
        extra = bytes([254, 4 + len(cookie)]) + TFO_EXID + cookie
    elif kind == "v0key":
        # MP_CAPABLE, RFC 6824 (v0): subtype 0, version 0, flags A|H (0x81), 64-bit sender key
        extra = bytes([30, 12, 0x00, 0x81]) + os.urandom(8)
    elif kind == "v0key+222":
        # both probes of the story in one SYN: MP_CAPABLE v0 with a key, then kind 222
        extra = bytes([30, 12, 0x00, 0x81]) + os.urandom(8) + bytes([222, 4, 0xF9, 0x89])
    elif kind == "v1":
        # MP_CAPABLE, RFC 8684 (v1) as Linux sends it in a SYN: 4 bytes, no key, flags H (0x01)
        extra = bytes([30, 4, 0x01, 0x01])
    elif kind == "kind222":
        # the experimental kind of the story: kind 222, length 4, data f9 89
        extra = bytes([222, 4, 0xF9, 0x89])
    elif kind == "none":
        extra = b""
    else:
        raise SystemExit(f"unknown --opt {kind}")
    opts = base + extra
    while len(opts) % 4:
        opts += b"\x01"
    return opts


def tcp_segment(sport, dport, seq, ack, flags, opts, window=64240):
    """scapy TCP header whose option bytes are given raw: byte-exact on the wire."""
    from scapy.all import TCP, Raw
    return TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=window,
               dataofs=(20 + len(opts)) // 4) / Raw(opts)


def ip_layer(src, dst, ttl=64):
    from scapy.all import IP, IPv6
    if ":" in dst:
        return IPv6(src=src, dst=dst, hlim=ttl) if src else IPv6(dst=dst, hlim=ttl)
    return IP(src=src, dst=dst, ttl=ttl) if src else IP(dst=dst, ttl=ttl)


# ---------------------------------------------------------------- serve
def cmd_serve(a):
    socks = []
    for spec in a.listen.split(","):
        port, proto = spec.split(":")
        for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(fam, socket.SOCK_STREAM, IPPROTO_MPTCP if proto == "mptcp" else 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if proto == "tfo":
                # TCP Fast Open listener (needs the server bit of net.ipv4.tcp_fastopen): the value
                # is the queue of pending TFO connections
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, int(port)))
            s.listen(16)
            socks.append(s)

    def handle(c):
        c.settimeout(10)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        finally:
            c.close()

    def accept_loop(s):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    for s in socks:
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    open(a.ready, "w").close()
    deadline = time.time() + a.lifetime
    while time.time() < deadline:
        time.sleep(1)


# ---------------------------------------------------------------- connect
def cmd_connect(a):
    fam = family_of(a.dst)
    for i in range(a.repeat):
        s = socket.socket(fam, socket.SOCK_STREAM, IPPROTO_MPTCP if a.mptcp else 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.src or a.sport:
            s.bind((a.src or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), a.sport))
        if a.ttl:
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
            else:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
        s.settimeout(a.timeout)
        ok = True
        first = 0
        if a.align_ms:
            # start right after a millisecond tick of the kernel's TCP clock (CLOCK_MONOTONIC):
            # a fast answer then carries a TSval of the same millisecond
            while not 10_000 <= time.monotonic_ns() % 1_000_000 < 40_000:
                pass
        try:
            if a.fastopen:
                # TCP Fast Open: the first data leaves with the SYN when a cookie for this server is
                # cached; otherwise the SYN asks for a cookie and the data follows the handshake
                # (a blocking call, bounded by SO_SNDTIMEO: a non-blocking one fails with EINPROGRESS
                # when it has no cookie to send the data with)
                s.settimeout(None)
                sec = int(a.timeout)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                             struct.pack("ll", sec, int((a.timeout - sec) * 1e6)))
                s.sendto(bytes([65]) * a.data, socket.MSG_FASTOPEN, (a.dst, a.dport))
                s.settimeout(a.timeout)
                first = 1
            else:
                s.connect((a.dst, a.dport))
        except (OSError, socket.timeout) as e:
            ok = False
            print(f"connect {a.dst}:{a.dport}: {e!r}", file=sys.stderr)
        if ok:
            if a.mptcp:
                try:  # MPTCP_INFO would say whether the kernel fell back; keep the simple view
                    pass
                except OSError:
                    pass
            for chunk in range(a.chunks):
                if a.data:
                    if not (chunk == 0 and first):
                        s.sendall(bytes([65 + chunk % 26]) * a.data)
                    got = 0
                    try:
                        while got < a.data:
                            d = s.recv(65536)
                            if not d:
                                break
                            got += len(d)
                    except (OSError, socket.timeout):
                        pass
                time.sleep(a.pause)
        if a.linger0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        if i + 1 < a.repeat:
            time.sleep(a.gap)


# ---------------------------------------------------------------- simultaneous open
def cmd_simopen(a):
    fam = family_of(a.dst)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(5)
    delay = a.at - time.time()
    if delay > 0:
        time.sleep(delay)
    try:
        s.connect((a.dst, a.dport))
        print("simopen: connected", file=sys.stderr)
        time.sleep(0.3)
    except OSError as e:
        print(f"simopen: {e!r}", file=sys.stderr)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


# ---------------------------------------------------------------- echo proxy
def cmd_echo_proxy(a):
    """Answers every SYN to a matched destination with a SYN+ACK whose TCP options are the
    SYN's option bytes, copied byte for byte (the lab's iptables drops those SYNs, so the
    real server never sees them).  This is what the echoing middleboxes of the story do."""
    from scapy.all import sniff, sendp, Ether, TCP, IP, IPv6, conf
    conf.verb = 0
    matches = set()
    for m in a.match.split(","):
        addr, port = m.rsplit(":", 1)
        matches.add((addr.strip("[]"), int(port)))
    log = open(a.log, "a") if a.log else None

    def handle(p):
        if TCP not in p or Ether not in p:
            return
        t = p[TCP]
        if (int(t.flags) & 0x12) != 0x02:      # SYN without ACK only
            return
        ip = p[IP] if IP in p else p[IPv6]
        if (ip.dst, t.dport) not in matches and ("*", t.dport) not in matches:
            return
        raw_tcp = bytes(t)
        # --own-options: a box that writes its own (MSS 1460) but keeps the SYN's header flags
        opts = bytes.fromhex("020405b4") if a.own_options else raw_tcp[20:t.dataofs * 4]
        # --copy-flags: the SYN's ECN-setup flags (AE, CWR, ECE) come back too, as a box that turns the header round
        flags = 0x12 | (int(t.flags) & 0x1C0) if a.copy_flags else "SA"
        isn = int.from_bytes(os.urandom(4), "big")
        if IP in p:
            l3 = IP(src=ip.dst, dst=ip.src, ttl=64)
        else:
            l3 = IPv6(src=ip.dst, dst=ip.src, hlim=64)
        reply = Ether(src=p[Ether].dst, dst=p[Ether].src) / l3 / \
            tcp_segment(t.dport, t.sport, isn, (t.seq + 1) & 0xFFFFFFFF, flags, opts, window=65535)
        sendp(reply, iface=a.iface, verbose=0)
        if log:
            log.write(json.dumps({"src": ip.src, "sport": t.sport, "dst": ip.dst, "dport": t.dport,
                                  "seq": t.seq, "opts": opts.hex(), "isn": isn}) + "\n")
            log.flush()

    sniff(iface=a.iface, filter="tcp", prn=handle, store=0, timeout=a.lifetime,
          started_callback=lambda: open(a.ready, "w").close())


# ---------------------------------------------------------------- NFQUEUE (raw netlink)
NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR, NFQA_PAYLOAD = 1, 2, 10
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_PACKET = 2
NF_DROP, NF_ACCEPT = 0, 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4


def _nla(t, data):
    ln = 4 + len(data)
    return struct.pack("=HH", ln, t) + data + b"\0" * ((4 - ln % 4) % 4)


def _nlmsg(mtype, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


class NfQueue:
    """Minimal NFQUEUE client over a raw netlink socket (Debian has no python3-netfilterqueue)."""

    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.lock = threading.Lock()
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.s.bind((0, 0))
        self._config(_nla(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0)))
        self._config(_nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0xFFFF, NFQNL_COPY_PACKET)))

    def _hdr(self):
        return struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num)

    def _send(self, mtype, flags, body):
        with self.lock:
            self.seq += 1
            self.s.send(_nlmsg((NFNL_SUBSYS_QUEUE << 8) | mtype, flags, self.seq, self._hdr() + body))

    def _config(self, body):
        self._send(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, body)
        data = self.s.recv(65536)
        ln, mtype, _, _, _ = struct.unpack_from("=IHHII", data)
        if mtype == 2:  # NLMSG_ERROR
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0:
                raise OSError(-err, f"nfqueue config failed: {os.strerror(-err)}")

    def packets(self, timeout):
        """Yields (packet_id, payload) until `timeout` seconds have passed."""
        deadline = time.time() + timeout
        self.s.settimeout(0.5)
        while time.time() < deadline:
            try:
                data = self.s.recv(262144)
            except socket.timeout:
                continue
            off = 0
            while off + 16 <= len(data):
                ln, mtype, _, _, _ = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    break
                if mtype == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    pid, payload = None, None
                    a = off + 16 + 4
                    while a + 4 <= off + ln:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        val = data[a + 4:a + alen]
                        atype &= 0x7FFF
                        if atype == NFQA_PACKET_HDR:
                            pid = struct.unpack_from("!I", val)[0]
                        elif atype == NFQA_PAYLOAD:
                            payload = bytes(val)
                        a += (alen + 3) & ~3
                    if pid is not None:
                        yield pid, payload
                off += (ln + 3) & ~3

    def drop(self, pid):
        self._send(NFQNL_MSG_VERDICT, NLM_F_REQUEST, _nla(NFQA_VERDICT_HDR, struct.pack("!II", NF_DROP, pid)))

    def verdict(self, pid, payload=None):
        body = _nla(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))
        if payload is not None:
            body += _nla(NFQA_PAYLOAD, payload)
        self._send(NFQNL_MSG_VERDICT, NLM_F_REQUEST, body)


def cmd_nfq(a):
    from scapy.all import IP, IPv6, TCP, Raw
    q = NfQueue(a.queue)
    open(a.ready, "w").close()
    syn_opts = {}
    log = open(a.log, "a") if a.log else None
    for pid, payload in q.packets(a.lifetime):
        if not payload:
            q.verdict(pid)
            continue
        pkt = IP(payload) if payload[0] >> 4 == 4 else IPv6(payload)
        if TCP not in pkt:
            q.verdict(pid)
            continue
        ip, t = pkt, pkt[TCP]
        fl = int(t.flags) & 0x12
        key = (ip.src, t.sport, ip.dst, t.dport)
        if a.mode == "delay":
            # hold every SYN and SYN+ACK for a while: two SYNs sent at once then cross in flight,
            # and each reaches its peer before the peer's SYN+ACK does
            if fl & 0x02:
                threading.Timer(a.delay, q.verdict, args=(pid,)).start()
            else:
                q.verdict(pid)
            continue
        # mode rewrite: the SYN+ACK leaves with the SYN's option bytes instead of its own
        if fl == 0x02:
            syn_opts[key] = bytes(t)[20:t.dataofs * 4]
            q.verdict(pid)
            continue
        if fl == 0x12:
            rkey = (ip.dst, t.dport, ip.src, t.sport)
            if rkey in syn_opts:
                opts = syn_opts[rkey]
                orig = bytes(t)[20:t.dataofs * 4]
                new_tcp = tcp_segment(t.sport, t.dport, t.seq, t.ack, "SA", opts, window=t.window)
                l3 = ip.copy()
                l3.remove_payload()
                if IPv6 in l3:
                    del l3.plen
                else:
                    del l3.len
                    del l3.chksum
                newpkt = bytes(l3 / new_tcp)
                if log:
                    log.write(json.dumps({"src": ip.src, "sport": t.sport, "orig": orig.hex(),
                                          "new": opts.hex()}) + "\n")
                    log.flush()
                q.verdict(pid, newpkt)
                continue
        q.verdict(pid)


def cmd_short_icmp(a):
    """A router that quotes as little as RFC 792 asks: the IP header and the first 8 bytes of the
    datagram (the TCP ports and sequence number, no data offset, no options). The packets queued to
    it are those whose TTL runs out here; each is dropped and answered with ICMP time exceeded."""
    from scapy.all import IP, ICMP, Raw, send, conf
    conf.verb = 0
    q = NfQueue(a.queue)
    open(a.ready, "w").close()
    for pid, payload in q.packets(a.lifetime):
        if not payload or payload[0] >> 4 != 4:
            q.verdict(pid)
            continue
        q.drop(pid)
        quote = payload[:(payload[0] & 0x0F) * 4 + 8]
        send(IP(src=a.src, dst=IP(payload).src) / ICMP(type=11, code=0) / Raw(quote), verbose=0)


# ---------------------------------------------------------------- crafted SYNs
def l2(a, pkt):
    """Crafted packets leave at layer 2 on a given interface towards a given next hop: scapy's own
    routing would otherwise pick any default route it reads (policy-routing tables included)."""
    from scapy.all import Ether, get_if_hwaddr
    return Ether(src=get_if_hwaddr(a.iface), dst=a.gw_mac) / pkt


def cmd_craft(a):
    from scapy.all import sendp, conf
    conf.verb = 0
    opts = syn_options(a.opt, v6=":" in a.dst, ts=not a.no_ts,
                       cookie=bytes.fromhex(a.cookie) if a.cookie else None)
    seq = int.from_bytes(os.urandom(4), "big")
    pkt = ip_layer(a.src, a.dst, a.ttl) / tcp_segment(a.sport, a.dport, seq, 0, "S", opts)
    for i in range(a.copies):     # copies: the same SYN again (same sequence number), a retransmission
        if i:
            time.sleep(a.gap)
        sendp(l2(a, pkt), iface=a.iface, verbose=0)
    time.sleep(a.wait)


def cmd_tracebox(a):
    """tracebox-style: the same kind of probe with TTL / hop limit 1, 2, ... until the
    destination answers.  Each probe has its own source port (sport-base + ttl)."""
    from scapy.all import srp1, conf, TCP, IP, IPv6, ICMP, ICMPv6TimeExceeded
    conf.verb = 0
    v6 = ":" in a.dst
    res = []
    for ttl in range(1, a.max_ttl + 1):
        opts = syn_options(a.opt, v6=v6)
        seq = int.from_bytes(os.urandom(4), "big")
        pkt = ip_layer(a.src, a.dst, ttl) / tcp_segment(a.sport_base + ttl, a.dport, seq, 0, "S", opts)
        ans = srp1(l2(a, pkt), iface=a.iface, timeout=2, verbose=0)
        if ans is None:
            res.append({"ttl": ttl, "from": None, "kind": "none"})
            continue
        src = ans[IPv6].src if IPv6 in ans else ans[IP].src
        if TCP in ans and not (ICMP in ans or ICMPv6TimeExceeded in ans):
            res.append({"ttl": ttl, "from": src, "kind": "tcp", "flags": int(ans[TCP].flags)})
            break
        res.append({"ttl": ttl, "from": src, "kind": "icmp"})
        time.sleep(0.05)
    json.dump(res, open(a.out, "w"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--listen", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--lifetime", type=float, default=1800)
    p.set_defaults(fn=cmd_serve)
    p = sub.add_parser("connect")
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--src", default="")
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--mptcp", action="store_true")
    p.add_argument("--data", type=int, default=0)
    p.add_argument("--chunks", type=int, default=1)
    p.add_argument("--pause", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--gap", type=float, default=0.3)
    p.add_argument("--linger0", action="store_true")
    p.add_argument("--fastopen", action="store_true", help="sendto(MSG_FASTOPEN) instead of connect()")
    p.add_argument("--ttl", type=int, default=0, help="IP TTL / IPv6 hop limit of the socket")
    p.add_argument("--align-ms", action="store_true", help="connect right after a millisecond tick")
    p.set_defaults(fn=cmd_connect)
    p = sub.add_parser("simopen")
    for k in ("--src", "--dst"):
        p.add_argument(k, required=True)
    for k in ("--sport", "--dport"):
        p.add_argument(k, type=int, required=True)
    p.add_argument("--at", type=float, required=True)
    p.set_defaults(fn=cmd_simopen)
    p = sub.add_parser("echo-proxy")
    p.add_argument("--iface", required=True)
    p.add_argument("--match", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--log", default="")
    p.add_argument("--lifetime", type=float, default=120)
    p.add_argument("--copy-flags", action="store_true")
    p.add_argument("--own-options", action="store_true")
    p.set_defaults(fn=cmd_echo_proxy)
    p = sub.add_parser("nfq")
    p.add_argument("--queue", type=int, required=True)
    p.add_argument("--mode", choices=("rewrite", "delay"), required=True)
    p.add_argument("--delay", type=float, default=0.3)
    p.add_argument("--ready", required=True)
    p.add_argument("--log", default="")
    p.add_argument("--lifetime", type=float, default=120)
    p.set_defaults(fn=cmd_nfq)
    p = sub.add_parser("short-icmp")
    p.add_argument("--queue", type=int, required=True)
    p.add_argument("--src", required=True, help="the router's address the errors come from")
    p.add_argument("--ready", required=True)
    p.add_argument("--lifetime", type=float, default=120)
    p.set_defaults(fn=cmd_short_icmp)
    p = sub.add_parser("craft")
    p.add_argument("--iface", required=True)
    p.add_argument("--gw-mac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--opt", required=True)
    p.add_argument("--ttl", type=int, default=64)
    p.add_argument("--wait", type=float, default=0.5)
    p.add_argument("--no-ts", action="store_true", help="no timestamp option in the SYN")
    p.add_argument("--cookie", default="", help="TFO cookie bytes (hex) for tfo-cookie, tfo-exp-cookie")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--gap", type=float, default=0.3)
    p.set_defaults(fn=cmd_craft)
    p = sub.add_parser("tracebox")
    p.add_argument("--iface", required=True)
    p.add_argument("--gw-mac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport-base", type=int, required=True)
    p.add_argument("--opt", required=True)
    p.add_argument("--max-ttl", type=int, default=8)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_tracebox)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
