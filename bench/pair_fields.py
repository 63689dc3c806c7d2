#!/usr/bin/env python3
"""The pipeline a user would write without the plugin: pair SYNs with their
SYN+ACKs or RSTs from `tshark -T fields` output and classify the option
echo, with the rules of docs/verdicts.md (same pairing and comparison as the
plugin's core, unbounded state). Prints the verdict counts.

  tshark -r scan.pcap -Y 'tcp.flags.syn==1 || tcp.flags.reset==1' -T fields \\
      -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e tcp.dstport \\
      -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw -e tcp.hdr_len -e tcp.options -e icmp.type -e icmpv6.type \\
    | python3 bench/pair_fields.py [--json]
"""
import json
import sys

FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw",
          "tcp.ack_raw", "tcp.hdr_len", "tcp.options", "icmp.type", "icmpv6.type"]
TSHARK_ARGS = ["-Y", "tcp.flags.syn==1 || tcp.flags.reset==1", "-T", "fields"] + \
    [x for f in FIELDS for x in ("-e", f)]

LEGIT = {0, 1, 2, 3, 4, 5, 28, 34}  # may match legitimately
SYN, RST, ACK = 0x02, 0x04, 0x10


def parse(b, declared):
    """(ok, [(kind, offset, length)]) like OptionBlock::parse."""
    declared = min(declared, 40)
    captured = min(len(b), declared)
    opts, i = [], 0
    while i < declared:
        if i >= captured:
            return False, opts
        kind = b[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= declared or i + 1 >= captured:
            return False, opts
        ln = b[i + 1]
        if ln < 2 or i + ln > declared or i + ln > captured:
            return False, opts
        opts.append((kind, i, ln))
        i += ln
    return True, opts


def mpc(b, opts):
    """(present, has_key, key) of the first MP_CAPABLE."""
    for k, off, ln in opts:
        if k == 30 and ln >= 3 and b[off + 2] >> 4 == 0:
            if ln < 4:
                return False, False, 0
            return True, ln >= 12, int.from_bytes(b[off + 4:off + 12], "big") if ln >= 12 else 0
    return False, False, 0


def join(opts, b):
    for k, off, ln in opts:
        if k == 30 and ln >= 3 and b[off + 2] >> 4 == 1:
            return (off, ln)
    return None


def ts(b, opts):
    """(TSval, TSecr, option bytes) of the first TS option, or None."""
    for k, off, ln in opts:
        if k == 8:
            if ln != 10:
                return None
            return int.from_bytes(b[off + 2:off + 6], "big"), int.from_bytes(b[off + 6:off + 10], "big"), \
                bytes(b[off:off + ln])
    return None


def classify(syn_b, syn_decl, sa_b, sa_decl, simultaneous):
    if simultaneous:
        return "simultaneous-open"
    syn_ok, so = parse(syn_b, syn_decl)
    sa_ok, ao = parse(sa_b, sa_decl)
    if not (syn_ok and sa_ok):
        return "truncated"
    syn_set = {bytes(syn_b[o:o + l]) for _, o, l in so}
    evidence = unknown = False
    for k, o, l in ao:
        if bytes(sa_b[o:o + l]) not in syn_set:
            continue
        if k == 30:
            evidence = True
        elif k != 8 and k not in LEGIT:
            unknown = evidence = True
    s_mpc, a_mpc = mpc(syn_b, so), mpc(sa_b, ao)
    mpc_echo = a_mpc[0] and s_mpc[0] and (not a_mpc[1] or (s_mpc[1] and a_mpc[2] == s_mpc[2]))
    sj, aj = join(so, syn_b), join(ao, sa_b)
    join_echo = sj is not None and aj is not None and bytes(sa_b[aj[0]:aj[0] + aj[1]]) in syn_set
    # A copied TS option, where a correct one would differ (TSecr = the SYN's TSval).
    t1, t2 = ts(syn_b, so), ts(sa_b, ao)
    ts_echo = t1 is not None and t2 is not None and t1[1] != t1[0] and t1[2] == t2[2]
    evidence = evidence or ts_echo
    all_opts = evidence and len(ao) > 0 and sa_decl == syn_decl and len(sa_b) == sa_decl and \
        len(syn_b) == syn_decl and bytes(sa_b[:sa_decl]) == bytes(syn_b[:syn_decl])
    if s_mpc[0]:
        if not a_mpc[0]:
            return "mptcp-absent"
        return "mptcp-echo" if mpc_echo else "mptcp-genuine"
    if sj is not None:
        return "mptcp-echo" if join_echo else "mptcp-join"
    if unknown or ts_echo or all_opts:
        return "option-echo"
    return "plain"


def main():
    pending = {}  # SYN direction tuple -> [seq, opts, declared, answered, simultaneous, handshake]
    verdicts = []  # per handshake
    answered = []
    for line in sys.stdin:
        c = line.rstrip("\n").split("\t")
        if len(c) < len(FIELDS) or c[11] or c[12] or "," in c[4]:
            continue  # ICMP error quoting TCP: a copy, not a packet
        src, dst = c[0] or c[1], c[2] or c[3]
        sport, dport, flags = int(c[4]), int(c[5]), int(c[6], 16)
        seq, ack = int(c[7]), int(c[8])
        declared = int(c[9]) - 20
        # "<MISSING>": the capture cut the header before the options.
        opts = bytes.fromhex(c[10]) if c[10] and c[10] != "<MISSING>" else b""
        me, back = (src, dst, sport, dport), (dst, src, dport, sport)
        kind = flags & (SYN | ACK | RST)
        if kind == SYN:
            e = pending.get(me)
            if e is not None and e[0] == seq:
                if not e[3]:
                    e[1], e[2] = opts, declared
                continue
            crossed = pending.get(back)
            sim = crossed is not None and not crossed[3]
            if sim:
                crossed[4] = True
                verdicts[crossed[5]] = "simultaneous-open"
            verdicts.append("simultaneous-open" if sim else "no-answer")
            answered.append(False)
            pending[me] = [seq, opts, declared, False, sim, len(verdicts) - 1]
        elif kind == SYN | ACK:
            e = pending.get(back)
            match = e is not None and ack == (e[0] + 1) & 0xFFFFFFFF
            if match and e[3]:
                if answered[e[5]] == "synack":
                    continue  # retransmission
            if match and not e[3]:
                verdicts[e[5]] = classify(e[1], e[2], opts, declared, e[4])
                answered[e[5]] = "synack"
                e[3] = True
            else:
                verdicts.append("no-syn")
                answered.append("synack")
                if e is None:
                    pending[back] = [(ack - 1) & 0xFFFFFFFF, b"", 0, True, False, len(verdicts) - 1]
        elif flags & RST:
            if me in pending:
                continue  # the SYN's own direction (a scanner's kernel reset): answers nothing, the entry stays
            e = pending.get(back)
            if e is None:
                continue
            if e[3]:
                del pending[back]
                continue
            if not (flags & ACK) or ack != (e[0] + 1) & 0xFFFFFFFF:
                continue
            if verdicts[e[5]] != "simultaneous-open":
                verdicts[e[5]] = "rst"
            answered[e[5]] = "rst"
            del pending[back]
    counts = {}
    for v in verdicts:
        counts[v] = counts.get(v, 0) + 1
    counts["handshakes"] = len(verdicts)
    if "--json" in sys.argv:
        json.dump(counts, sys.stdout, sort_keys=True)
        print()
    else:
        for k in sorted(counts):
            print(f"{k}\t{counts[k]}")


if __name__ == "__main__":
    main()
