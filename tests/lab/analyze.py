#!/usr/bin/python3
"""Reads a capture back with tshark, pairs SYNs and SYN+ACKs the way docs/verdicts.md says,
checks every handshake against what its scenario claims it did (refusing captures whose bytes
disagree), and produces the per-frame expected verdicts and student comments.

Usable alone:  analyze.py dump FILE.pcapng   (prints packets and the handshakes found)
"""
import subprocess
import sys

FIELDS = ["frame.number", "frame.time_relative", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.options",
          "tcp.len", "icmp.type", "icmpv6.type", "ip.ttl", "ipv6.hlim", "tcp.seq", "frame.comment",
          "icmp.code", "icmpv6.code"]

# kinds that no genuine server returns unchanged: copied byte for byte, they prove an echo
# (kind 254 only with an ExID other than TCP Fast Open's f989: that one is TFO, see tfo_opt)
UNKNOWN_ECHO_KINDS = {222, 253, 254, 19, 29}
MP_CAPABLE, MP_JOIN, DSS = 0, 1, 2
TFO_EXID = b"\xf9\x89"
# ICMP errors (RFC 1122 3.2.2; RFC 4443: ICMPv6 types below 128): unreachable, source quench,
# redirect, time exceeded, parameter problem
ICMP4_ERRORS = {3, 4, 5, 11, 12}


class RefuseError(Exception):
    pass


# ---------------------------------------------------------------- options
def parse_opts(b):
    """[(kind, bytes of the whole option)]; NOPs kept as (1, b'\\x01'); stops at EOL."""
    out, i = [], 0
    while i < len(b):
        k = b[i]
        if k == 0:
            out.append((0, b[i:i + 1]))
            break
        if k == 1:
            out.append((1, b[i:i + 1]))
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2 or i + b[i + 1] > len(b):
            out.append((k, b[i:]))   # malformed: keep the rest
            break
        out.append((k, b[i:i + b[i + 1]]))
        i += b[i + 1]
    return out


def mptcp_opt(opts, subtype):
    for k, o in parse_opts(opts):
        if k == 30 and len(o) >= 3 and (o[2] >> 4) == subtype:
            return o
    return None


def has_kind(opts, kind):
    return any(k == kind for k, _ in parse_opts(opts))


def ts_opt(opts):
    """the 10-byte timestamp option, or None"""
    for k, o in parse_opts(opts):
        if k == 8 and len(o) == 10:
            return o
    return None


def tsval(opts):
    o = ts_opt(opts)
    return int.from_bytes(o[2:6], "big") if o else None


def tsecr(opts):
    o = ts_opt(opts)
    return int.from_bytes(o[6:10], "big") if o else None


def is_tfo(k, o):
    """TCP Fast Open (RFC 7413): kind 34, or the experimental kind 254 with ExID f989"""
    return k == 34 or (k == 254 and len(o) >= 4 and o[2:4] == TFO_EXID)


def tfo_opt(opts):
    """(form, cookie bytes) of the TFO option, form 34 or 254; cookie b'' for a cookie request"""
    for k, o in parse_opts(opts):
        if is_tfo(k, o):
            return (34, o[2:]) if k == 34 else (254, o[4:])
    return None


def is_tfo_request(k, o):
    return (k == 34 and len(o) == 2) or (k == 254 and o == b"\xfe\x04" + TFO_EXID)


def echo_evidence(syn_opts, sa_opts):
    """What in the SYN+ACK proves a copy of the SYN (docs/verdicts.md), as a list of
    text items; empty when nothing does.  Returned byte for byte: an unknown or experimental kind
    (222, 253, 254 but TFO's, MD5 19, TCP-AO 29); the timestamp option, but only when the SYN's
    TSecr differs from its TSval (a correct stack returns TSecr = the SYN's TSval, a copy the SYN's
    TSecr; with equal values the two cannot be told apart); a TFO cookie request (a server answers
    one with a cookie or with nothing; a cookie returned identical is no evidence)."""
    syn_list = [x for _, x in parse_opts(syn_opts)]
    ev = []
    for k, o in parse_opts(sa_opts):
        if o not in syn_list:
            continue
        if k in UNKNOWN_ECHO_KINDS and not is_tfo(k, o):
            ev.append(f"kind {k} {o[2:].hex()}")
        elif k == 8 and len(o) == 10 and o[2:6] != o[6:10]:
            ev.append("timestamps")
        elif is_tfo_request(k, o):
            ev.append(f"TFO cookie request (kind {k})")
    return ev


def tsval_equal(syn_opts, sa_opts):
    """the weak sign: the SYN+ACK's TSval equals the SYN's (shared clock or a copy)"""
    a, b = tsval(syn_opts), tsval(sa_opts)
    return a is not None and a == b


def describe_opt(k, o):
    if k == 2 and len(o) == 4:
        return f"MSS {int.from_bytes(o[2:4], 'big')}"
    if k == 3 and len(o) == 3:
        return f"window scale {o[2]}"
    if k == 4:
        return "SACK permitted"
    if k == 5:
        return "SACK blocks"
    if k == 8 and len(o) == 10:
        return f"timestamps (TSval {int.from_bytes(o[2:6], 'big')}, TSecr {int.from_bytes(o[6:10], 'big')})"
    if k == 30 and len(o) >= 3:
        st, ver = o[2] >> 4, o[2] & 0xF
        if st == MP_CAPABLE:
            if len(o) == 4:
                return f"MP_CAPABLE v{ver} without a key (the v1 SYN form, 4 bytes)"
            if len(o) >= 12:
                key = o[4:12].hex()
                extra = ", and the peer's key" if len(o) >= 20 else ""
                return f"MP_CAPABLE v{ver} with a key {key}{extra} ({len(o)} bytes)"
            return f"MP_CAPABLE v{ver} ({len(o)} bytes)"
        if st == MP_JOIN:
            return f"MP_JOIN ({len(o)} bytes)"
        if st == DSS:
            return "MPTCP DSS (data sequence mapping)"
        if st == 3:
            return "MPTCP ADD_ADDR"
        if st == 7:
            return "MPTCP MP_FASTCLOSE"
        return f"MPTCP subtype {st}"
    if k in (1, 0):
        return None
    if k == 222:
        return f"kind 222 (an experimental option no server knows; data {o[2:].hex()})"
    if is_tfo(k, o):
        form = "TCP Fast Open" if k == 34 else "TCP Fast Open, experimental form (kind 254, ExID f989)"
        cookie = o[2:] if k == 34 else o[4:]
        if not cookie:
            return f"{form}: cookie request (empty)"
        return f"{form}: cookie {cookie.hex()}"
    if k in (253, 254) and len(o) >= 4:
        return f"kind {k} (experimental, ExID {o[2:4].hex()}, {len(o)} bytes)"
    return f"kind {k} ({len(o)} bytes)"


def describe(opts):
    parts = [d for d in (describe_opt(k, o) for k, o in parse_opts(opts)) if d]
    return ", ".join(parts) if parts else "no options"


# ---------------------------------------------------------------- reading
class Pkt:
    __slots__ = ("frame", "t", "src", "dst", "sport", "dport", "flags", "seq", "ack", "opts",
                 "tlen", "icmp", "icmp_type", "icmp_code", "outer_src", "ttl", "quoted", "v6", "comment", "partial")

    @property
    def syn(self):
        return (self.flags & 0x16) == 0x02      # SYN, no ACK, no RST

    @property
    def synack(self):
        return (self.flags & 0x16) == 0x12

    @property
    def rst(self):
        return bool(self.flags & 0x04)

    @property
    def icmp_error(self):
        """an ICMP/ICMPv6 error quoting a TCP header"""
        if not (self.icmp and self.quoted):
            return False
        return self.icmp_type < 128 if self.v6 else self.icmp_type in ICMP4_ERRORS

    def tuple(self):
        return (self.src, self.sport, self.dst, self.dport)

    def rtuple(self):
        return (self.dst, self.dport, self.src, self.sport)

    def ep(self, which):
        a, p = (self.src, self.sport) if which == "src" else (self.dst, self.dport)
        return f"[{a}]:{p}" if ":" in a else f"{a}:{p}"


def read(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pkts = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        first = lambda k: v.get(k, "").split("|")[0]
        last = lambda k: v.get(k, "").split("|")[-1]
        p = Pkt()
        p.frame = int(v["frame.number"])
        p.t = float(v["frame.time_relative"] or 0)
        p.comment = v.get("frame.comment", "")
        p.icmp_type = p.icmp_code = None
        p.icmp = bool(v["icmp.type"] or v["icmpv6.type"])
        if p.icmp:
            p.icmp_type = int(first("icmp.type") or first("icmpv6.type"))
            p.icmp_code = int(first("icmp.code") or first("icmpv6.code") or 0)
        p.v6 = bool(v["ipv6.src"]) and not v["ip.src"]
        if p.icmp:
            # outer header first, the quoted packet after it
            srcs = (v["ip.src"] or v["ipv6.src"]).split("|")
            dsts = (v["ip.dst"] or v["ipv6.dst"]).split("|")
            p.outer_src = srcs[0]
            p.src, p.dst = srcs[-1], dsts[-1]
            p.quoted = bool(v["tcp.srcport"])
        else:
            p.outer_src = None
            p.src = first("ip.src") or first("ipv6.src")
            p.dst = first("ip.dst") or first("ipv6.dst")
            p.quoted = False
        p.ttl = int(first("ip.ttl") or first("ipv6.hlim") or 0)
        p.sport = int(last("tcp.srcport") or 0)
        p.dport = int(last("tcp.dstport") or 0)
        p.flags = int(last("tcp.flags") or "0", 16)
        p.seq = int(last("tcp.seq_raw") or last("tcp.seq") or 0)
        p.ack = int(last("tcp.ack_raw") or 0)
        p.opts = bytes.fromhex(last("tcp.options").replace(":", ""))
        p.tlen = int(last("tcp.len") or 0)
        if not v["tcp.srcport"] and not p.icmp:
            p.sport = None      # not TCP at all
        # a quote of RFC 792's 8 bytes of TCP: ports and sequence number, no flags, no options
        p.partial = p.icmp and p.quoted and not (last("tcp.seq_raw") or last("tcp.flags"))
        pkts.append(p)
    partial = [p for p in pkts if p.partial]
    if partial:
        import logging
        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)  # its pcapng reader grumbles at comments
        from scapy.all import rdpcap, ICMP
        raw = rdpcap(path)
        for p in partial:
            icmp = raw[p.frame - 1][ICMP]
            inner = bytes(icmp.payload)
            tcp = inner[(inner[0] & 0x0F) * 4:]
            p.seq = int.from_bytes(tcp[4:8], "big")
            p.flags = 0x02      # unseen: taken for the probe's SYN, as the plugin does
    return pkts


# ---------------------------------------------------------------- pairing
class Handshake:
    def __init__(self, syn=None):
        self.syns = [syn] if syn else []
        self.synacks = []
        self.rst = None
        self.icmps = []          # ICMP errors quoting this SYN (4-tuple and sequence number)
        self.simopen = False
        self.peer = None
        self.verdict = None
        self.claim = None

    @property
    def first(self):
        return self.syns[0] if self.syns else self.synacks[0]

    @property
    def client(self):
        p = self.first
        return (p.src, p.sport) if self.syns else (p.dst, p.dport)

    @property
    def server(self):
        p = self.first
        return (p.dst, p.dport) if self.syns else (p.src, p.sport)

    def data_len(self):
        """the SYN's data length (TCP Fast Open), the largest over its copies"""
        return max((s.tlen for s in self.syns), default=0)

    def answers(self, ack):
        """ack in [SYN seq + 1, SYN seq + 1 + the SYN's data length], mod 2^32"""
        return bool(self.syns) and ((ack - self.syns[0].seq - 1) & 0xFFFFFFFF) <= self.data_len()

    def syn_for(self, synack):
        """latest SYN copy before this SYN+ACK"""
        before = [s for s in self.syns if s.frame < synack.frame]
        return before[-1] if before else self.syns[-1]

    def mechanical(self):
        if self.simopen:
            return "simultaneous-open"
        if not self.syns:
            return "no-syn"
        if self.rst:
            return "rst"
        if not self.synacks:
            return "icmp-error" if self.icmps else "no-answer"
        return "paired"

    def label(self):
        c, s = self.client, self.server
        fmt = lambda a: f"[{a[0]}]:{a[1]}" if ":" in a[0] else f"{a[0]}:{a[1]}"
        return f"{fmt(c)} -> {fmt(s)} (frames {','.join(str(p.frame) for p in self.syns + self.synacks + ([self.rst] if self.rst else []) + self.icmps)})"


def pair(pkts):
    pending = {}      # tuple -> Handshake (latest handshake on that tuple)
    by_tuple = {}     # tuple -> every handshake begun by a SYN on it, in order
    hss = []
    for p in pkts:
        if p.icmp_error and p.sport is not None:
            # a quoted SYN: the latest handshake on its 4-tuple with its sequence number
            for h in reversed(by_tuple.get(p.tuple(), [])):
                if h.syns[0].seq == p.seq:
                    h.icmps.append(p)
                    break
            continue
        if p.icmp or p.sport is None:
            continue
        if p.syn:
            h = pending.get(p.tuple())
            if h and h.syns and h.syns[0].seq == p.seq and not h.synacks and not h.rst:
                h.syns.append(p)        # retransmitted SYN
                continue
            h = Handshake(p)
            hss.append(h)
            pending[p.tuple()] = h
            by_tuple.setdefault(p.tuple(), []).append(h)
            r = pending.get(p.rtuple())
            if r and r.syns and not r.synacks and not r.rst:
                r.simopen = h.simopen = True
                r.peer, h.peer = h, r
            continue
        if p.synack:
            h = pending.get(p.rtuple())
            if h and h.syns and h.answers(p.ack) and not h.rst:
                h.synacks.append(p)
            else:
                n = Handshake()
                n.synacks.append(p)
                hss.append(n)
            continue
        if p.rst:
            h = pending.get(p.rtuple())
            if h and h.syns and not h.synacks and not h.rst and \
                    (p.flags & 0x10) and h.answers(p.ack):
                h.rst = p
    return hss


# ---------------------------------------------------------------- checking claims
def check_verdict(h, verdict):
    """None when the capture's bytes support `verdict` for handshake h, else the reason."""
    mech = h.mechanical()
    if mech != "paired":
        if verdict != mech:
            return f"the capture shows {mech}, the scenario claims {verdict}"
        return None
    sa = h.synacks[0]
    syn = h.syn_for(sa)
    s_mpc, a_mpc = mptcp_opt(syn.opts, MP_CAPABLE), mptcp_opt(sa.opts, MP_CAPABLE)
    s_join, a_join = mptcp_opt(syn.opts, MP_JOIN), mptcp_opt(sa.opts, MP_JOIN)
    evidence = echo_evidence(syn.opts, sa.opts)
    if verdict == "mptcp-genuine":
        if not s_mpc:
            return "the SYN offers no MP_CAPABLE"
        if not a_mpc or len(a_mpc) < 12:
            return "the SYN+ACK carries no MP_CAPABLE with a key"
        if len(s_mpc) >= 12 and s_mpc[4:12] == a_mpc[4:12]:
            return "the SYN+ACK's key is the SYN's"
        return None
    if verdict == "mptcp-echo":
        if s_mpc and a_mpc and (a_mpc == s_mpc and (len(a_mpc) >= 12 or len(a_mpc) == 4)):
            return None
        if s_mpc and a_mpc and len(a_mpc) == 4:
            return None
        if s_join and a_join and s_join == a_join:
            return None
        return f"no echoed MPTCP option (SYN {s_mpc and s_mpc.hex()}, SYN+ACK {a_mpc and a_mpc.hex()})"
    if verdict == "mptcp-absent":
        if not s_mpc:
            return "the SYN offers no MP_CAPABLE"
        if has_kind(sa.opts, 30):
            return "the SYN+ACK carries an MPTCP option"
        return None
    if verdict == "mptcp-join":
        if not s_join:
            return "the SYN carries no MP_JOIN"
        if a_join == s_join:
            return "the SYN+ACK's MP_JOIN is the SYN's"
        return None
    if verdict == "option-echo":
        if s_mpc or s_join:
            return "the SYN carries MPTCP (an MPTCP verdict wins)"
        if evidence:
            return None
        return ("the SYN+ACK repeats nothing that proves a copy (no unknown kind, no timestamp option with "
                "the SYN's TSecr != TSval, no TFO cookie request)")
    # RFC 3168 6.1.1, RFC 9768 3.1.1: the SYN's ECN-setup flags (AE, CWR, ECE) returned as they were
    reflected = (syn.flags & 0xC0) == 0xC0 and (sa.flags & 0x1C0) == (syn.flags & 0x1C0)
    if verdict == "flag-echo":
        if s_mpc or s_join or evidence:
            return "the SYN+ACK copies options or MPTCP (another verdict wins)"
        return None if reflected else "the SYN+ACK does not return the SYN's ECN-setup flags"
    if verdict == "plain":
        if s_mpc or s_join:
            return "the SYN carries MPTCP"
        if evidence:
            return f"the SYN+ACK copies {', '.join(evidence)} from the SYN"
        if reflected:
            return "the SYN+ACK returns the SYN's ECN-setup flags"
        return None
    return f"{verdict} cannot be claimed for a paired handshake"


def match(claim, h):
    c, s = h.client, h.server
    m = claim["match"]
    return all([
        m.get("sport") in (None, c[1]),
        m.get("dport") in (None, s[1]),
        m.get("src") in (None, c[0]),
        m.get("dst") in (None, s[0]),
        m.get("sports") is None or c[1] in m["sports"],
    ])


def expected_rows(h):
    """[(frame, verdict, link)] per docs/verdicts.md and test_captures/FORMAT.md"""
    v = h.verdict
    rows = []
    if v == "no-syn":
        for a in h.synacks:
            rows.append((a.frame, v, ""))
        return rows
    if v == "no-answer":
        for s in h.syns:
            rows.append((s.frame, v, ""))
        return rows
    if v == "icmp-error":
        for s in h.syns:
            rows.append((s.frame, v, h.icmps[0].frame))
        return rows
    if v == "rst":
        for s in h.syns:
            rows.append((s.frame, v, h.rst.frame))
        rows.append((h.rst.frame, v, h.syns[-1].frame))
        return rows
    if h.simopen and not h.synacks:
        for s in h.syns:
            rows.append((s.frame, v, ""))
        return rows
    for s in h.syns:
        rows.append((s.frame, v, h.synacks[0].frame))
    for a in h.synacks:
        rows.append((a.frame, v, h.syn_for(a).frame))
    return rows


# ---------------------------------------------------------------- copies
# A segment seen again further along its path (a router captured on `any`, a merged client+server
# capture): same 4-tuple, sequence number and flags (one handshake's SYNs or SYN+ACKs), a TTL below
# the copy before it. A TTL that does not drop is the sender's own retransmission, and later copies
# are set against it. Spelt as the plugin's middlebox.copy.* fields (docs/verdicts.md).
def opt_name(k, o):
    names = {0: "EOL", 1: "NOP", 2: "MSS", 3: "WS", 4: "SACK_PERM", 5: "SACK", 8: "TS", 19: "MD5", 28: "UTO",
             29: "TCP_AO", 34: "TFO"}
    if k in names:
        return names[k]
    if k == 30:
        st = o[2] >> 4 if len(o) >= 3 else None
        return {MP_CAPABLE: "MP_CAPABLE", MP_JOIN: "MP_JOIN"}.get(st, "MPTCP")
    if k == 254:
        return "TFO_EXP" if is_tfo(k, o) else "KIND254"
    return f"KIND{k}"


def opt_words(k, o):
    """one option as middlebox.diff spells it: "MSS 1460", "TS 1/0", "MP_CAPABLE v1 no key", "KIND222 f989"."""
    name = opt_name(k, o)
    if k == 2 and len(o) == 4:
        return f"{name} {int.from_bytes(o[2:4], 'big')}"
    if k == 3 and len(o) == 3:
        return f"{name} {o[2]}"
    if k == 4:
        return name
    if k == 8 and len(o) == 10:
        return f"{name} {int.from_bytes(o[2:6], 'big')}/{int.from_bytes(o[6:10], 'big')}"
    if k == 30 and len(o) >= 4 and o[2] >> 4 == MP_CAPABLE:
        return f"{name} v{o[2] & 0xF}" + (f" key 0x{o[4:12].hex()}" if len(o) >= 12 else " no key")
    return f"{name} {o[2:].hex()}" if len(o) > 2 else name


def counterpart(opts, k, o):
    """the option of `opts` standing for (k, o): same kind; MPTCP the same subtype; 253/254 the same ExID"""
    for k2, o2 in opts:
        if k2 != k:
            continue
        if k == 30 and (o2[2] >> 4 if len(o2) >= 3 else None) != (o[2] >> 4 if len(o) >= 3 else None):
            continue
        if k in (253, 254) and len(o) >= 4 and o2[2:4] != o[2:4]:
            continue
        return o2
    return None


def option_diff(before, after):
    """middlebox.diff / middlebox.copy.diff: `after`'s options against `before`'s"""
    b = [(k, o) for k, o in parse_opts(before) if k not in (0, 1)]
    a = [(k, o) for k, o in parse_opts(after) if k not in (0, 1)]
    items = []
    for k, o in a:
        if (k, o) in b:
            items.append("=" + opt_words(k, o))
        elif (was_o := counterpart(b, k, o)) is not None:
            was, now, name = opt_words(k, was_o), opt_words(k, o), opt_name(k, o)
            if was.startswith(name) and now.startswith(name):
                items.append(f"~{name}{was[len(name):]} ->{now[len(name):]}")
            else:
                items.append(f"~{was} -> {now}")
        else:
            items.append("+" + opt_words(k, o))
    for k, o in b:
        if counterpart(a, k, o) is None:
            items.append("-" + opt_name(k, o))
    return " ".join(items) if items else "(no options)"


def is_echo_of(syn_opts, sa_opts):
    """the SYN+ACK copies the SYN (mptcp-echo or option-echo by check_verdict's rules)"""
    s_mpc, a_mpc = mptcp_opt(syn_opts, MP_CAPABLE), mptcp_opt(sa_opts, MP_CAPABLE)
    if s_mpc and a_mpc and (len(a_mpc) == 4 or (len(a_mpc) >= 12 and len(s_mpc) >= 12 and a_mpc[4:12] == s_mpc[4:12])):
        return True
    s_join, a_join = mptcp_opt(syn_opts, MP_JOIN), mptcp_opt(sa_opts, MP_JOIN)
    return bool(s_join and a_join == s_join) or bool(echo_evidence(syn_opts, sa_opts))


def chain(pkts):
    """[(copy, the packet it is a copy of)] over one role's packets in frame order"""
    out, origin, last = [], None, None
    for p in pkts:
        if origin is not None and p.ttl < last:
            out.append((p, origin))
        else:
            origin = p
        last = p.ttl
    return out


def copy_rows(h):
    """{frame: (copy_of, ttl_delta, copy_changed, copy_diff, rewritten)}: the expected.tsv's copy columns"""
    rows = {}
    syn_copies = chain(h.syns)
    # the SYN as first seen (the point nearest the client): the origin of the SYN's copies
    first_syn = syn_copies[-1][1] if syn_copies else (h.syn_for(h.synacks[0]) if h.synacks and h.syns else None)
    for p, first in syn_copies + chain(h.synacks):
        changed = p.opts != first.opts
        rewritten = ""
        if p.synack and first_syn is not None and h.verdict not in ("mptcp-echo", "option-echo", "simultaneous-open"):
            rewritten = "1" if changed and is_echo_of(first_syn.opts, p.opts) else ""
        rows[p.frame] = (str(first.frame), str(first.ttl - p.ttl), "1" if changed else "", option_diff(first.opts, p.opts),
                         rewritten)
    return rows


def dump(path):
    pkts = read(path)
    for p in pkts:
        kind = "ICMP" if p.icmp else ""
        print(p.frame, f"{p.t:.3f}", kind, p.src, p.sport, "->", p.dst, p.dport, hex(p.flags),
              p.seq, p.ack, p.tlen, f"ttl={p.ttl}", describe(p.opts), "|", p.comment)
    for h in pair(pkts):
        print("HS", h.mechanical(), h.label())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
