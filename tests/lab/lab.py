#!/usr/bin/python3
"""Scenario runner of the capture lab; started by run-lab.sh once the namespaces exist.

    lab.py list
    lab.py run --out DIR --work TMPDIR [--only a,b] [--start EPOCH]

Each scenario runs real traffic between the lab's namespaces, captures it with tcpdump, and
hands every capture to `finish`, which reads it back with tshark, pairs the handshakes, checks
them against what the scenario claims it did (refusing the capture otherwise), and writes
NAME.pcapng (with a comment on every packet that matters) and NAME.expected.tsv.
"""
import argparse
import datetime
import errno
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import analyze as A  # noqa: E402

PY = "/usr/bin/python3"
ROLES = os.path.join(HERE, "roles.py")
# run-lab.sh passes its namespace prefix (MBLAB_PREFIX), so that two labs on one machine never meet
PFX = os.environ.get("MBLAB_PREFIX", "mblab-")

# addresses (see run-lab.sh)
C4, C6 = "10.77.1.2", "fd77:1::2"
C4B, C6B = "10.77.6.2", "fd77:6::2"
R1_4, R1_6 = "10.77.1.1", "fd77:1::1"
R2_4 = "10.77.2.2"
MB4, MB6 = "10.77.3.2", "fd77:3::2"
S4, S6 = "10.77.4.2", "fd77:4::2"
H4, H6 = "10.77.5.2", "fd77:5::2"
NAMES = {"10.77.1.1": "router1", "fd77:1::1": "router1", "10.77.2.2": "router2", "fd77:2::2": "router2",
         "10.77.3.2": "the middlebox", "fd77:3::2": "the middlebox", "10.77.4.2": "the server",
         "fd77:4::2": "the server", "10.77.5.1": "the server", "fd77:5::1": "the server",
         "10.77.5.2": "the host behind the server", "fd77:5::2": "the host behind the server",
         "10.77.4.1": "the middlebox", "fd77:4::1": "the middlebox", "10.77.2.1": "router1",
         "fd77:2::1": "router1", "10.77.3.1": "router2", "fd77:3::1": "router2"}

ICMP_ERR = "icmp or (icmp6 and ip6[40] < 128)"


def bpf(*ports, icmp=False):
    """capture filter: the scenario's TCP ports only (the server may still be retransmitting
    for an earlier scenario), plus ICMP/ICMPv6 errors where the scenario wants them"""
    f = " or ".join(f"tcp port {p}" for p in ports)
    return f"{f} or {ICMP_ERR}" if icmp else f


CLIENT_BPF = "tcp or " + ICMP_ERR


def log(*a):
    print("lab:", *a, flush=True)


class Refused(Exception):
    pass


# ---------------------------------------------------------------- namespace helpers
class Lab:
    def __init__(self, work):
        self.work = work
        self.procs = []          # per scenario background processes
        self.servers = []

    def cmd(self, ns, args):
        return ["ip", "netns", "exec", PFX + ns] + [str(a) for a in args]

    def run(self, ns, *args, check=True, timeout=60):
        r = subprocess.run(self.cmd(ns, args), capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"[{ns}] {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r

    def role(self, ns, *args, timeout=60, check=True):
        return self.run(ns, PY, ROLES, *args, timeout=timeout, check=check)

    def bg(self, ns, args, ready=None, keep=False, timeout=10):
        if ready and os.path.exists(ready):
            os.unlink(ready)
        errf = open(os.path.join(self.work, f"bg-{ns}-{len(self.procs)}-{time.time():.0f}.err"), "w")
        p = subprocess.Popen(self.cmd(ns, args), stdout=subprocess.DEVNULL, stderr=errf)
        p.errfile = errf.name
        (self.servers if keep else self.procs).append(p)
        if ready:
            t0 = time.time()
            while not os.path.exists(ready):
                if p.poll() is not None:
                    raise RuntimeError(f"[{ns}] {args[:3]} died: {open(p.errfile).read()[-800:]}")
                if time.time() - t0 > timeout:
                    raise RuntimeError(f"[{ns}] {args[:3]} not ready after {timeout}s")
                time.sleep(0.05)
        return p

    def stop_all(self, procs=None):
        procs = self.procs if procs is None else procs
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        procs.clear()

    def ipt(self, ns, *rule, v4=True, v6=True):
        if v4:
            self.run(ns, "iptables", *rule)
        if v6:
            self.run(ns, "ip6tables", *rule)

    def reset(self):
        """Between scenarios: stop helpers, flush rules, forget MPTCP state."""
        self.stop_all()
        for ns in ("client", "r1", "r2", "mb", "server", "host"):
            for tool in ("iptables", "ip6tables"):
                for table in ("filter", "mangle", "raw"):
                    self.run(ns, tool, "-t", table, "-F", check=False)
            # the kernel defaults, which some scenarios change per namespace
            self.run(ns, "sysctl", "-qw", "net.ipv4.tcp_timestamps=1", "net.ipv4.tcp_syncookies=1",
                     "net.ipv4.tcp_fastopen=1", "net.ipv4.tcp_ecn=2", check=False)
            # (exists once a scenario has loaded conntrack in that namespace)
            self.run(ns, "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=1", check=False)
            self.run(ns, "ip", "mptcp", "endpoint", "flush", check=False)
            self.run(ns, "ip", "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "0", check=False)
            # writing blackhole_timeout also clears MPTCP's memory of a blackholed path
            self.run(ns, "sysctl", "-qw", "net.mptcp.blackhole_timeout=3600", "net.mptcp.enabled=1",
                     check=False)
            self.run(ns, "ip", "tcp_metrics", "flush", "all", check=False)

    def l2args(self):
        if not hasattr(self, "_r1mac"):
            self._r1mac = self.run("r1", "cat", "/sys/class/net/r1-c/address").stdout.strip()
        return ["--iface", "c-r1", "--gw-mac", self._r1mac]

    def craft(self, *args):
        """a SYN crafted with scapy on the client, sent on the main path"""
        return self.role("client", "craft", *self.l2args(), *args)

    # ---- captures
    def capture(self, name, ns, iface, flt):
        return Capture(self, name, ns, iface, flt)


class Capture:
    def __init__(self, lab, name, ns, iface, bpf):
        self.lab, self.name, self.ns, self.iface, self.bpf = lab, name, ns, iface, bpf
        self.path = os.path.join(lab.work, name + ".pcap")

    def __enter__(self):
        self.errf = os.path.join(self.lab.work, self.name + ".tcpdump.err")
        ef = open(self.errf, "w")
        self.p = subprocess.Popen(self.lab.cmd(self.ns, ["tcpdump", "-n", "-U", "--immediate-mode", "-s", "0",
                                                          "-i", self.iface, "-w", self.path, self.bpf]),
                                  stdout=subprocess.DEVNULL, stderr=ef)
        t0 = time.time()
        while "listening on" not in open(self.errf).read():
            if self.p.poll() is not None or time.time() - t0 > 10:
                raise RuntimeError(f"tcpdump {self.name}: {open(self.errf).read()}")
            time.sleep(0.05)
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
        return False


# ---------------------------------------------------------------- the capture spec and finish
class Spec:
    """What a scenario claims about one capture."""

    def __init__(self, name, cap, title, claims, checks=(), notes=(), side="client", crafted=False, extra=None,
                 copies=False):
        self.crafted = crafted
        # taken at more than one point of the path: the expected.tsv has the copy columns (FORMAT.md)
        self.copies = copies
        self.extra = extra            # fn(pkts, hss) -> {frame: text appended to its comment}
        self.name, self.cap, self.title = name, cap, title
        self.claims = claims          # [{"match": {...}, "verdict": v, "why": text}]
        self.checks = list(checks)    # [fn(pkts, hss) -> None or problem text]
        self.notes = list(notes)      # [(fn(pkt) -> bool, text)]
        self.side = side


def hs_why(h):
    return h.claim.get("why", "") if h.claim else ""


def comments_for(spec, pkts, hss):
    c = {}
    where = "client side" if spec.side == "client" else "server side"
    for h in hss:
        v = h.verdict
        for i, s in enumerate(h.syns):
            txt = f"SYN {s.ep('src')} -> {s.ep('dst')}. Options: {A.describe(s.opts)}."
            if i:
                txt = (f"Retransmission of the SYN of frame {h.syns[0].frame} (same sequence number): "
                       f"no answer came in time. Options now: {A.describe(s.opts)}.")
                if A.mptcp_opt(h.syns[0].opts, 0) and not A.mptcp_opt(s.opts, 0):
                    txt += " Linux has dropped MP_CAPABLE from this copy: it gives up on MPTCP after repeated SYN losses."
            if s.tlen:
                tfo = A.tfo_opt(s.opts)
                txt += (f" It carries {s.tlen} bytes of data: TCP Fast Open (RFC 7413), data in the SYN"
                        + (", sent with the cookie this server gave before." if tfo and tfo[1] else "."))
            if v == "no-answer":
                txt += " Nothing ever answers this SYN in the capture: verdict no-answer."
            elif v == "icmp-error":
                e = h.icmps[0]
                txt += (f" No SYN+ACK or RST answers it, but the ICMP{'v6' if e.v6 else ''} error of frame {e.frame} "
                        f"(from {NAMES.get(e.outer_src, e.outer_src)}) quotes it, with its 4-tuple and sequence number: "
                        f"verdict icmp-error, linked to frame {e.frame}.")
                if len(h.icmps) > 1:
                    txt += (f" {len(h.icmps)} ICMP errors quote this handshake (frames "
                            f"{', '.join(str(x.frame) for x in h.icmps)}); the link is the first.")
            elif v == "rst":
                txt += f" It is answered by the RST of frame {h.rst.frame}: verdict rst."
            elif v == "simultaneous-open":
                txt += " The other side sends its own SYN on the same 4-tuple before any SYN+ACK: a simultaneous open."
            elif h.synacks:
                txt += f" Answered by the SYN+ACK of frame {h.synacks[0].frame}; verdict {v}."
            c[s.frame] = txt
        for i, a in enumerate(h.synacks):
            if v == "no-syn":
                txt = (f"Verdict no-syn. This SYN+ACK {a.ep('src')} -> {a.ep('dst')} answers a SYN that is not in "
                       f"this capture (the capture filter left it out): there is nothing to compare it with. "
                       f"Options: {A.describe(a.opts)}.")
            else:
                syn = h.syn_for(a)
                why = hs_why(h)
                acked = (a.ack - syn.seq - 1) & 0xFFFFFFFF
                if acked:
                    how = (f"its ack number is that SYN's sequence + 1 + {acked}: it acknowledges the {acked} bytes of "
                           "data the SYN carried (TCP Fast Open)")
                elif h.data_len():
                    how = (f"its ack number is that SYN's sequence + 1 only: the server did not take the "
                           f"{h.data_len()} bytes of data the SYN carried; the client sends them again after the handshake")
                else:
                    how = "its ack number is that SYN's sequence + 1"
                txt = (f"Verdict {v}. " + (why + " " if why else "") +
                       f"This SYN+ACK answers the SYN of frame {syn.frame} ({how}). "
                       f"Options: {A.describe(a.opts)}.")
                if v != "simultaneous-open":
                    txt += ts_remark(syn, a)
                if i:
                    txt = f"Retransmitted SYN+ACK (same as frame {h.synacks[0].frame}). " + txt
            c[a.frame] = txt
        if h.rst:
            c[h.rst.frame] = (f"Verdict rst. {hs_why(h)} This RST from {h.rst.ep('src')} answers the SYN of frame "
                              f"{h.syns[-1].frame} (ack = its sequence + 1).").replace("  ", " ")
    # copies of a segment seen further along its path
    for h in hss:
        for fr, (first, delta, changed, diff, rewritten) in A.copy_rows(h).items():
            hops = "1 hop" if delta == "1" else f"{delta} hops"
            txt = (f"Verdict {h.verdict}. The same segment as frame {first} (same 4-tuple, sequence number and flags), "
                   f"seen {hops} further along its path (its TTL is lower by {delta}): a copy, not a retransmission "
                   f"(middlebox.copy.first_frame {first}, middlebox.copy.ttl_delta {delta}). ")
            txt += (f"Its options against that copy: {diff} (middlebox.copy.changed)." if changed
                    else "Its options are that copy's, byte for byte.")
            if rewritten:
                txt += (f" Where first seen it was {h.verdict}; here it carries the SYN's options: an echo. A box "
                        "between the two capture points rewrote it (middlebox.rewritten_on_path).")
            c[fr] = txt
    # ICMP errors quoting a probe
    by_tuple = {}
    for p in pkts:
        if not p.icmp and p.sport is not None and p.syn:
            by_tuple.setdefault(p.tuple(), p)
    quoted_by = {e.frame: h for h in hss for e in h.icmps}
    for p in pkts:
        if p.icmp and p.quoted:
            # the copy quoted: the latest SYN copy before the error with the quote's sequence number (and,
            # among identical copies, the quote's option bytes: a retransmission carries a newer TSval)
            copies = [s for s in pkts if not s.icmp and s.sport is not None and s.syn and s.tuple() == p.tuple()
                      and s.seq == p.seq and s.frame < p.frame]
            probe = ([s for s in copies if s.opts == p.opts] or copies or [by_tuple.get(p.tuple())])[-1]
            who = NAMES.get(p.outer_src, p.outer_src)
            kind = icmp_name(p)
            txt = f"ICMP{'v6' if ':' in p.outer_src else ''} {kind} from {who} ({p.outer_src})"
            if probe and kind == "time exceeded":
                txt += (f", quoting the probe SYN of frame {probe.frame}: it left with TTL/hop limit {probe.ttl}, "
                        f"which ran out at this router")
            elif probe:
                txt += f", quoting the SYN of frame {probe.frame}"
            if p.partial:
                txt += (". The quote holds the IP header and only 8 bytes of TCP (ports and sequence number, RFC 792's "
                        "minimum): the options were not quoted, so this hop says nothing about them (partial, never a "
                        "deletion). A quoted packet is a copy, not a packet: it gets no verdict.")
            else:
                txt += (f". Open the quoted TCP header: its options as {who} received them: {A.describe(p.opts)}. "
                        "A quoted packet is a copy, not a packet: it gets no verdict.")
            h = quoted_by.get(p.frame)
            if h and h.verdict == "icmp-error":
                txt += (" Nothing else answers that SYN, so the SYN's verdict is icmp-error; middlebox.icmp_frame on "
                        "the SYN links to every ICMP error quoting it"
                        + (", and its expected link is this frame, the first." if h.icmps[0] is p else "."))
            c[p.frame] = txt
    # MPTCP third ACK / first data / joins
    seen = set()
    for p in pkts:
        if p.icmp or p.sport is None or p.syn or p.synack:
            continue
        mpc = A.mptcp_opt(p.opts, 0)
        if mpc and len(mpc) >= 20 and p.frame not in c and ("ack3", p.tuple()) not in seen:
            seen.add(("ack3", p.tuple()))
            c[p.frame] = ("Third ACK carrying MP_CAPABLE with both keys (client's and server's): "
                          "the handshake really is MPTCP on both ends.")
        elif p.tlen and mpc and ("data", p.tuple()) not in seen and p.frame not in c:
            seen.add(("data", p.tuple()))
            c[p.frame] = (f"First data after the handshake ({p.tlen} bytes). In MPTCP v1 it repeats MP_CAPABLE with "
                          "both keys and the data length, in case the third ACK was lost.")
        elif not p.tlen and A.mptcp_opt(p.opts, 1) and ("join3", p.tuple()) not in seen and p.frame not in c:
            seen.add(("join3", p.tuple()))
            c[p.frame] = ("Third ACK of the join: MP_JOIN with the client's full HMAC, proving it knows the keys "
                          "exchanged on the first subflow.")
        elif p.tlen and A.mptcp_opt(p.opts, 2) and ("data", p.tuple()) not in seen and p.frame not in c:
            seen.add(("data", p.tuple()))
            c[p.frame] = (f"Data after the handshake ({p.tlen} bytes) with an MPTCP DSS option: "
                          "the bytes are numbered at the connection level, so they may travel on any subflow.")
        elif p.tlen and ("data", p.tuple()) not in seen and p.frame not in c:
            seen.add(("data", p.tuple()))
            c[p.frame] = f"Data after the handshake ({p.tlen} bytes), plain TCP (no MPTCP option)."
    for p in pkts:
        if p.rst and not p.icmp and p.sport is not None and not (p.flags & 0x10) and p.frame not in c \
                and any(h.synacks and h.synacks[0].tuple() == p.rtuple() and h.synacks[0].frame < p.frame for h in hss) \
                and spec.crafted:
            c[p.frame] = ("The client's kernel never opened this connection (scapy or zmap sent the SYN), so it "
                          "answers the SYN+ACK with a RST. This RST answers a SYN+ACK, not a SYN: it gets no verdict.")
    for fn, text in spec.notes:
        for p in pkts:
            if fn(p):
                c[p.frame] = (c.get(p.frame, "") + " " + text).strip()
    if spec.extra:
        for fr, text in spec.extra(pkts, hss).items():
            c[fr] = (c.get(fr, "") + " " + text).strip()
    return c


def icmp_name(p):
    """what an ICMP/ICMPv6 error is, in words"""
    if p.v6 or ":" in (p.outer_src or ""):
        if p.icmp_type == 3:
            return "time exceeded"
        if p.icmp_type == 1:
            why = {0: "no route", 1: "administratively prohibited", 3: "address unreachable",
                   4: "port unreachable", 6: "reject route"}.get(p.icmp_code, f"code {p.icmp_code}")
            return f"destination unreachable ({why})"
        return f"type {p.icmp_type}"
    if p.icmp_type == 11:
        return "time exceeded"
    if p.icmp_type == 3:
        why = {0: "net unreachable", 1: "host unreachable", 3: "port unreachable",
               13: "communication administratively prohibited"}.get(p.icmp_code, f"code {p.icmp_code}")
        return f"destination unreachable ({why})"
    return f"type {p.icmp_type}"


def ts_remark(syn, a):
    """what the SYN+ACK's timestamps say (docs/verdicts.md), for its comment"""
    st, at = A.ts_opt(syn.opts), A.ts_opt(a.opts)
    if not st or not at:
        return ""
    sv, se = A.tsval(syn.opts), A.tsecr(syn.opts)
    if at == st and sv != se:
        return (f" Its timestamp option is the SYN's byte for byte: its TSecr ({se}) is the SYN's own TSecr, where a "
                f"real server acknowledges the SYN's TSval ({sv}): a copy, evidence of an echo.")
    if A.tsval(a.opts) == sv and A.tsecr(a.opts) == sv:
        return (f" Look at the timestamps: TSval {sv} is the SYN's TSval, and TSecr {sv} acknowledges it, as a correct "
                "stack does. The two ends read the same clock (one machine) with the same offset, so their TSvals "
                "meet when the answer leaves within the same millisecond. Not an echo: an equal TSval alone proves "
                "nothing (the plugin shows it as middlebox.tsval_equal, a chat-level note, and keeps the verdict).")
    if A.tsval(a.opts) == sv:
        return f" Its TSval equals the SYN's TSval ({sv}): a weak sign only (middlebox.tsval_equal), not an echo."
    return ""


def finish(spec, out_dir):
    """Verify one capture against its claims, then write NAME.pcapng + NAME.expected.tsv."""
    if not os.path.exists(spec.cap) or os.path.getsize(spec.cap) < 32:
        raise Refused(f"{spec.name}: no capture was written")
    pkts = A.read(spec.cap)
    if not pkts:
        raise Refused(f"{spec.name}: the capture is empty")
    hss = A.pair(pkts)
    problems = []
    if not hss:
        problems.append("no handshake at all in the capture")
    for h in hss:
        for cl in spec.claims:
            if A.match(cl, h):
                h.claim = cl
                break
        if not h.claim:
            problems.append(f"handshake {h.label()} ({h.mechanical()}) is not one the scenario made")
            continue
        why = A.check_verdict(h, h.claim["verdict"])
        if why:
            problems.append(f"handshake {h.label()}: claimed {h.claim['verdict']}, but {why}")
        h.verdict = h.claim["verdict"]
    for cl in spec.claims:
        if cl.get("required", True) and not any(h.claim is cl for h in hss):
            problems.append(f"the scenario's handshake {cl['match']} ({cl['verdict']}) is not in the capture")
    for chk in spec.checks:
        r = chk(pkts, hss)
        if r:
            problems.append(r)
    if len(pkts) > 120:
        problems.append(f"{len(pkts)} packets: too big for a teaching capture")
    if problems:
        raise Refused(f"{spec.name}: REFUSED, the capture does not match its scenario:\n  - " + "\n  - ".join(problems))

    rows = sorted(r for h in hss for r in A.expected_rows(h))
    copy_rows = {f: c for h in hss for f, c in A.copy_rows(h).items()}
    if copy_rows and not spec.copies:
        problems.append(f"frames {sorted(copy_rows)} are copies of a segment seen further up its path, but the "
                        "scenario captured at one point")
        raise Refused(f"{spec.name}: REFUSED:\n  - " + "\n  - ".join(problems))
    frames = [r[0] for r in rows]
    if len(frames) != len(set(frames)):
        raise Refused(f"{spec.name}: a frame would get two verdicts: {rows}")
    comments = comments_for(spec, pkts, hss)
    dst = os.path.join(out_dir, spec.name + ".pcapng")
    tmp = os.path.join(os.path.dirname(spec.cap), spec.name + ".annotated.pcapng")
    cmd = ["editcap", "-F", "pcapng"]
    for f in sorted(comments):
        cmd += ["-a", f"{f}:{comments[f]}"]
    subprocess.run(cmd + [spec.cap, tmp], check=True, capture_output=True)
    # the annotated file must still be the same packets
    again = A.read(tmp)
    if [(p.frame, p.seq, p.ack, p.opts) for p in again] != [(p.frame, p.seq, p.ack, p.opts) for p in pkts]:
        raise Refused(f"{spec.name}: annotating changed the packets")
    if sum(1 for p in again if p.comment) != len(comments):
        raise Refused(f"{spec.name}: {len(comments)} comments written, {sum(1 for p in again if p.comment)} read back")
    counts = {}
    for r in rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    with open(os.path.join(os.path.dirname(spec.cap), spec.name + ".expected.tsv"), "w") as f:
        f.write(f"# {spec.name}.pcapng ({spec.side} side): {spec.title}\n")
        f.write("# written by tests/lab/run-lab.sh from the same run as the capture; see test_captures/GUIDE.md\n")
        if spec.copies:
            f.write("frame\tverdict\tlink\tcopy_of\tttl_delta\tcopy_changed\tcopy_diff\trewritten\n")
        else:
            f.write("frame\tverdict\tlink\n")
        for fr, v, link in rows:
            extra = "".join("\t" + c for c in copy_rows.get(fr, ("",) * 5)) if spec.copies else ""
            f.write(f"{fr}\t{v}\t{link}{extra}\n")
    shutil.copyfile(tmp, dst)
    shutil.copyfile(os.path.join(os.path.dirname(spec.cap), spec.name + ".expected.tsv"),
                    os.path.join(out_dir, spec.name + ".expected.tsv"))
    log(f"{spec.name}: OK, {len(pkts)} packets, {os.path.getsize(dst)} bytes, verdicts {counts}")
    return {"name": spec.name, "packets": len(pkts), "bytes": os.path.getsize(dst), "counts": counts,
            "title": spec.title, "side": spec.side}


# ---------------------------------------------------------------- check helpers
def claim(verdict, why="", required=True, **match):
    return {"match": match, "verdict": verdict, "why": why, "required": required}


def chk_data_after(pkts, hss):
    if not any(p.tlen > 0 and A.mptcp_opt(p.opts, 2) for p in pkts if not p.icmp):
        return "no MPTCP data (DSS) after the handshake"


def chk_icmp_quotes(n_min):
    def f(pkts, hss):
        q = [p for p in pkts if p.icmp and p.quoted]
        if len(q) < n_min:
            return f"only {len(q)} ICMP errors quoting a probe, expected at least {n_min}"
    return f


# ---------------------------------------------------------------- scenarios
SCENARIOS = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


def rdy(lab, name):
    return os.path.join(lab.work, name + ".ready")


@scenario
def mptcp_genuine(lab):
    """kernel MPTCP v1 end to end, data, then an MP_JOIN subflow on the second path"""
    lab.run("client", "ip", "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "0")
    lab.run("server", "ip", "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "0")
    lab.run("client", "ip", "mptcp", "endpoint", "add", C4B, "dev", "c-r1b", "subflow")
    with lab.capture("mptcp-genuine-join", "client", "any", "tcp port 8080") as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41001, "--dst", S4, "--dport", 8080,
                 "--data", 200, "--chunks", 3, "--pause", 0.4)
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", 41002, "--dst", S6, "--dport", 8080,
                 "--data", 200)

    def joined(pkts, hss):
        if not any(h.claim and h.claim["verdict"] == "mptcp-join" for h in hss):
            return "no MP_JOIN subflow was opened"
    return [Spec("mptcp-genuine-join", cap.path,
                 "kernel MPTCP v1 client and server: genuine MP_CAPABLE, data, and an MP_JOIN subflow (IPv4), "
                 "then a second genuine connection over IPv6",
                 [claim("mptcp-genuine", "The server chose its own key: a real MPTCP server.", sport=41001),
                  claim("mptcp-genuine", "The server chose its own key: a real MPTCP server.", sport=41002),
                  claim("mptcp-join", "The server answers the join with its own MP_JOIN (HMAC and nonce): a new subflow of the same connection.",
                        src=C4B)],
                 [chk_data_after, joined])]


@scenario
def mptcp_absent(lab):
    """MPTCP client, plain TCP server"""
    with lab.capture("mptcp-absent", "client", "c-r1", bpf(8081)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41011, "--dst", S4, "--dport", 8081, "--data", 100)
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", 41012, "--dst", S6, "--dport", 8081, "--data", 100)
    why = "The server is plain TCP: it ignores MP_CAPABLE and answers without it; the client falls back to TCP."
    return [Spec("mptcp-absent", cap.path, "MPTCP client to a plain TCP server (IPv4 and IPv6)",
                 [claim("mptcp-absent", why, sport=41011), claim("mptcp-absent", why, sport=41012)])]


def start_echo_proxy(lab, match, name="echo", extra=()):
    # the middlebox drops what the proxy answers: the real server never sees those SYNs
    for m in match:
        addr, port = m.rsplit(":", 1)
        addr = addr.strip("[]")
        tool = "ip6tables" if ":" in addr else "iptables"
        lab.run("mb", tool, "-A", "FORWARD", "-d", addr, "-p", "tcp", "--dport", port, "-j", "DROP")
    lab.bg("mb", [PY, ROLES, "echo-proxy", "--iface", "mb-r2", "--match", ",".join(match),
                  "--ready", rdy(lab, name), "--log", os.path.join(lab.work, name + ".log"), *extra],
           ready=rdy(lab, name))
    time.sleep(0.3)


def chk_echo_bytes(pkts, hss):
    """every SYN+ACK claimed to be an echo carries exactly the SYN's option bytes"""
    for h in hss:
        if h.claim and h.claim.get("echo_box") and h.synacks:
            a = h.synacks[0]
            if a.opts != h.syn_for(a).opts:
                return f"SYN+ACK frame {a.frame}: options {a.opts.hex()} are not the SYN's {h.syn_for(a).opts.hex()}"


@scenario
def echo_kernel_v1(lab):
    """echo box answering a real kernel MPTCP v1 SYN"""
    start_echo_proxy(lab, [f"{S4}:8222", f"[{S6}]:8222"])
    with lab.capture("echo-kernel-v1", "client", "c-r1", bpf(8222)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41021, "--dst", S4, "--dport", 8222,
                 "--linger0", "--timeout", 2)
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", 41022, "--dst", S6, "--dport", 8222,
                 "--linger0", "--timeout", 2)
    why = ("Its options are the SYN's, byte for byte: the 4-byte keyless MP_CAPABLE of a v1 SYN came back. "
           "A v1 server must put its own key in the SYN+ACK: this is an echo by a middlebox, not an MPTCP server.")
    c = [claim("mptcp-echo", why, sport=41021), claim("mptcp-echo", why, sport=41022)]
    for x in c:
        x["echo_box"] = True
    return [Spec("echo-kernel-v1", cap.path,
                 "an echoing middlebox answers a real Linux MPTCP v1 SYN with the SYN's own options (IPv4, IPv6)",
                 c, [chk_echo_bytes])]


@scenario
def echo_crafted_v0(lab):
    """echo box answering a crafted MPTCP v0 SYN with a key"""
    start_echo_proxy(lab, [f"{S4}:8222", f"[{S6}]:8222"])
    with lab.capture("echo-v0-key", "client", "c-r1", bpf(8222)) as cap:
        lab.craft("--src", C4, "--dst", S4, "--dport", 8222, "--sport", 41031, "--opt", "v0key")
        lab.craft("--src", C6, "--dst", S6, "--dport", 8222, "--sport", 41032, "--opt", "v0key")
    why = ("The SYN+ACK repeats the SYN's key: an echo, not an MPTCP server "
           "(a real server picks a key of its own, as in the story's multipath-tcp.org trace).")
    c = [claim("mptcp-echo", why, sport=41031), claim("mptcp-echo", why, sport=41032)]
    for x in c:
        x["echo_box"] = True
    return [Spec("echo-v0-key", cap.path,
                 "a crafted MPTCP v0 SYN with a 64-bit key (scapy) answered by the echoing middlebox (IPv4, IPv6)",
                 c, [chk_echo_bytes], crafted=True)]


@scenario
def echo_kind222(lab):
    """kind 222 to the echo box (echoed) and to a Linux server (dropped)"""
    start_echo_proxy(lab, [f"{S4}:8222", f"[{S6}]:8222"])
    with lab.capture("option222-echo-vs-linux", "client", "c-r1", bpf(8222, 8081)) as cap:
        lab.craft("--src", C4, "--dst", S4, "--dport", 8222, "--sport", 41041, "--opt", "kind222")
        lab.craft("--src", C4, "--dst", S4, "--dport", 8081, "--sport", 41042, "--opt", "kind222")
        lab.craft("--src", C6, "--dst", S6, "--dport", 8222, "--sport", 41043, "--opt", "kind222")
        lab.craft("--src", C6, "--dst", S6, "--dport", 8081, "--sport", 41044, "--opt", "kind222")
    e = "Option 222 came back unchanged: no server knows kind 222, only an echoing box returns it."
    p = "Linux does not know kind 222 and leaves it out of its SYN+ACK: a normal server, nothing echoed."
    c = [claim("option-echo", e, sport=41041), claim("plain", p, sport=41042),
         claim("option-echo", e, sport=41043), claim("plain", p, sport=41044)]
    c[0]["echo_box"] = c[2]["echo_box"] = True

    def linux_drops(pkts, hss):
        for h in hss:
            if h.claim and h.claim["verdict"] == "plain" and h.synacks and A.has_kind(h.synacks[0].opts, 222):
                return "the Linux server's SYN+ACK carries kind 222"
    return [Spec("option222-echo-vs-linux", cap.path,
                 "SYNs with the unknown option kind 222: echoed by the middlebox, dropped by a Linux server (IPv4, IPv6)",
                 c, [chk_echo_bytes, linux_drops], crafted=True)]


def run_rewrite_box(lab, name, sports):
    """The NFQUEUE box on the middlebox rewriting SYN+ACKs into their SYN's options, one MPTCP
    connection from each family through it, captured at the server and at the client: (server, client)."""
    for tool in ("iptables", "ip6tables"):
        for d in ("--dport", "--sport"):
            lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", d, "8090", "-j", "NFQUEUE", "--queue-num", "7")
    lab.bg("mb", [PY, ROLES, "nfq", "--queue", 7, "--mode", "rewrite", "--ready", rdy(lab, "nfq"),
                  "--log", os.path.join(lab.work, "nfq.log")], ready=rdy(lab, "nfq"))
    with lab.capture(name + "-server", "server", "s-mb", bpf(8090)) as scap, \
            lab.capture(name + "-client", "client", "c-r1", bpf(8090)) as ccap:
        # no data: the handshake cannot complete (see the guide), so the client resets after 0.3 s
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", sports[0], "--dst", S4, "--dport", 8090,
                 "--pause", 0.3, "--linger0")
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", sports[1], "--dst", S6, "--dport", 8090,
                 "--pause", 0.3, "--linger0")
        time.sleep(1.2)     # the server ignores the RSTs and retransmits its SYN+ACKs 1 s later: keep them
    return scap, ccap


@scenario
def rewrite_box(lab):
    """NFQUEUE box rewriting the server's genuine SYN+ACK options into the SYN's"""
    scap, ccap = run_rewrite_box(lab, "rewrite-box", (41051, 41052))
    r = lab.run("server", "nstat", "-az", check=False).stdout
    log("rewrite-box: server counters: " + " ".join(
        " ".join(l.split()[:2]) for l in r.splitlines() if re.search(r"TSEcr|TSecr|PAWS|MPCapableFallbackACK", l)))
    echo = ("The server really sent MP_CAPABLE with its own key (see rewrite-box-server.pcapng), but the box replaced "
            "the SYN+ACK's options by the SYN's: the client receives the keyless v1 MP_CAPABLE of its own SYN. An echo.")
    gen = ("This is what the server sent: its own key. Between here and the client a box rewrites these options into "
           "the SYN's (compare rewrite-box-client.pcapng).")
    cc = [claim("mptcp-echo", echo, sport=41051), claim("mptcp-echo", echo, sport=41052)]
    for x in cc:
        x["echo_box"] = True
    return [Spec("rewrite-box-client", ccap.path,
                 "a box (NFQUEUE) rewrites the server's genuine SYN+ACK options into the SYN's: what the client sees",
                 cc, [chk_echo_bytes]),
            Spec("rewrite-box-server", scap.path,
                 "the same connections as rewrite-box-client, seen at the server: genuine MPTCP SYN+ACKs",
                 [claim("mptcp-genuine", gen, sport=41051), claim("mptcp-genuine", gen, sport=41052)],
                 side="server")]


def strip_pair(lab, name, rule_flags, title, client_v, server_v, cwhy, swhy, _unused=None):
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", *rule_flags,
                "-j", "TCPOPTSTRIP", "--strip-options", "30")
    with lab.capture(name + "-server", "server", "s-mb", bpf(8080)) as scap, lab.capture(name + "-client", "client", "c-r1", bpf(8080)) as ccap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41061, "--dst", S4, "--dport", 8080, "--data", 100)
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", 41062, "--dst", S6, "--dport", 8080, "--data", 100)
    return [Spec(name + "-client", ccap.path, title + " (client side)",
                 [claim(client_v, cwhy, sport=41061), claim(client_v, cwhy, sport=41062)]),
            Spec(name + "-server", scap.path, title + " (server side)",
                 [claim(server_v, swhy, sport=41061), claim(server_v, swhy, sport=41062)], side="server")]


@scenario
def optstrip_syn(lab):
    """iptables TCPOPTSTRIP --strip-options 30 on the SYN"""
    specs = strip_pair(
        lab, "optstrip-syn", ["--tcp-flags", "SYN,ACK", "SYN"],
        "iptables TCPOPTSTRIP --strip-options 30 on the SYN, in the middlebox",
        "mptcp-absent", "plain",
        "No MP_CAPABLE in the SYN+ACK: the server never saw it, because the box stripped it from the SYN "
        "(see optstrip-syn-server.pcapng). Absent, not a plain TCP server.",
        "The SYN arrives with NOPs where MP_CAPABLE was (TCPOPTSTRIP overwrote it): the server answers plain TCP.",
        None)
    specs[1].checks.append(lambda pkts, hss: None if all(not A.has_kind(h.syns[0].opts, 30) for h in hss)
                           else "the server-side SYN still carries kind 30")
    specs[0].checks.append(lambda pkts, hss: None if all(A.has_kind(h.syns[0].opts, 30) for h in hss)
                           else "the client-side SYN lacks kind 30")
    specs[1].notes.append((lambda p: p.syn and not p.icmp,
                           "Look at the NOPs: TCPOPTSTRIP replaces the option's bytes by NOPs (kind 1) without moving the others."))
    return specs


@scenario
def optstrip_synack(lab):
    """iptables TCPOPTSTRIP --strip-options 30 on the SYN+ACK"""
    specs = strip_pair(
        lab, "optstrip-synack", ["--tcp-flags", "SYN,ACK", "SYN,ACK"],
        "iptables TCPOPTSTRIP --strip-options 30 on the SYN+ACK, in the middlebox",
        "mptcp-absent", "mptcp-genuine",
        "The SYN+ACK arrives without MP_CAPABLE (NOPs in its place): the box stripped it on the way back "
        "(the server did send it: optstrip-synack-server.pcapng). The client falls back to TCP.",
        "The server's SYN+ACK leaves with its own key: genuine. The client's next ACK will not carry MP_CAPABLE "
        "(it never saw the server's), so the server falls back to TCP.",
        None)
    specs[0].checks.append(lambda pkts, hss: None if all(h.synacks and not A.has_kind(h.synacks[0].opts, 30) for h in hss)
                           else "the client-side SYN+ACK still carries kind 30")
    specs[1].checks.append(lambda pkts, hss: None if all(h.synacks and A.has_kind(h.synacks[0].opts, 30) for h in hss)
                           else "the server-side SYN+ACK lacks kind 30")
    return specs


@scenario
def tcpmss(lab):
    """iptables TCPMSS --set-mss on the SYN"""
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN",
                "-j", "TCPMSS", "--set-mss", "1000")
    with lab.capture("tcpmss-server", "server", "s-mb", bpf(8081)) as scap, lab.capture("tcpmss-client", "client", "c-r1", bpf(8081)) as ccap:
        lab.role("client", "connect", "--src", C4, "--sport", 41065, "--dst", S4, "--dport", 8081, "--data", 100)
        lab.role("client", "connect", "--src", C6, "--sport", 41066, "--dst", S6, "--dport", 8081, "--data", 100)

    def mss_of(opts):
        for k, o in A.parse_opts(opts):
            if k == 2 and len(o) == 4:
                return int.from_bytes(o[2:4], "big")

    def clamped(want_server):
        def f(pkts, hss):
            for h in hss:
                m = mss_of(h.syns[0].opts)
                if want_server and m != 1000:
                    return f"server-side SYN MSS is {m}, not 1000"
                if not want_server and m == 1000:
                    return "client-side SYN already has MSS 1000"
                sam = mss_of(h.synacks[0].opts) if h.synacks else None
                if not want_server and sam is not None and sam > 1000:
                    return f"the client-side SYN+ACK has MSS {sam} > 1000"
        return f
    why = ("A box changed the MSS (TCPMSS --set-mss 1000 on SYNs, both directions): a changed MSS is normal and "
           "never evidence of an echo.")
    return [Spec("tcpmss-client", ccap.path, "iptables TCPMSS --set-mss 1000 on SYNs (client side)",
                 [claim("plain", why, sport=41065), claim("plain", why, sport=41066)], [clamped(False)]),
            Spec("tcpmss-server", scap.path, "iptables TCPMSS --set-mss 1000 on SYNs (server side)",
                 [claim("plain", why, sport=41065), claim("plain", why, sport=41066)], [clamped(True)], side="server")]


def tracebox(lab, v6):
    """TTL / hop-limit sweep to the host behind the server; the middlebox strips kind 30 from SYNs"""
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN",
                "-j", "TCPOPTSTRIP", "--strip-options", "30")
    dst = H6 if v6 else H4
    name = "tracebox-v6" if v6 else "tracebox-v4"
    res = {}
    with lab.capture(name, "client", "c-r1", bpf(8080, icmp=True)) as cap:
        for opt, base in (("v0key", 41070), ("kind222", 41080)):
            out = os.path.join(lab.work, f"{name}-{opt}.json")
            lab.role("client", "tracebox", *lab.l2args(), "--src", C6 if v6 else C4, "--dst", dst, "--dport", 8080, "--sport-base", base, "--opt", opt,
                     "--max-ttl", 8, "--out", out, timeout=60)
            res[opt] = json.load(open(out))
    log(f"{name}: {res}")
    hops = {"10.77.1.1": 1, "fd77:1::1": 1, "10.77.2.2": 2, "fd77:2::2": 2, "10.77.3.2": 3, "fd77:3::2": 3,
            "10.77.4.2": 4, "fd77:4::2": 4}

    def check(pkts, hss):
        q = [p for p in pkts if p.icmp and p.quoted]
        if len(q) < 8:
            return f"{len(q)} ICMP quotes, expected 4 per probe kind"
        for p in q:
            hop = hops.get(p.outer_src)
            if hop is None:
                return f"ICMP from unexpected {p.outer_src}"
            if p.sport < 41080:   # MP_CAPABLE probes: present up to the box (hop 3), stripped after it
                if hop <= 3 and not A.has_kind(p.opts, 30):
                    return f"hop {hop} quotes the MP_CAPABLE probe without kind 30"
                if hop == 4 and A.has_kind(p.opts, 30):
                    return "hop 4 (after the stripping box) still quotes kind 30"
            elif not A.has_kind(p.opts, 222):
                return f"hop {hop} quotes the kind-222 probe without it"
        for opt in res:
            kinds = [r["kind"] for r in res[opt]]
            if kinds != ["icmp"] * 4 + ["tcp"]:
                return f"{opt} probes got {kinds}, expected 4 ICMP errors then the host's answer"
    na = ("This probe's TTL ran out on the way: no SYN+ACK or RST, but a router's ICMP time exceeded quotes it "
          "(see that frame): verdict icmp-error.")
    c = [claim("icmp-error", na, sports=range(41071, 41075)),
         claim("mptcp-absent", "The host answers without MP_CAPABLE. It does listen with MPTCP: the ICMP quote of hop 4 "
               "shows the option was already gone after the middlebox (hop 3). Stripped on the path, not refused by the host.",
               sport=41075),
         claim("icmp-error", na, sports=range(41081, 41085)),
         claim("plain", "Linux (the host) drops the unknown kind 222: nothing echoed. The quotes show 222 travelled "
               "the whole path untouched.", sport=41085)]
    return [Spec(name, cap.path,
                 f"tracebox-style {'hop-limit' if v6 else 'TTL'} sweeps (MP_CAPABLE v0 probe, kind 222 probe) to the host "
                 "behind the server; the middlebox strips kind 30 from SYNs; routers quote the probes in ICMP"
                 f"{'v6' if v6 else ''} time exceeded", c, [check], crafted=True)]


@scenario
def tracebox_v4(lab):
    """tracebox TTL sweep, IPv4"""
    return tracebox(lab, False)


@scenario
def tracebox_v6(lab):
    """tracebox hop-limit sweep, IPv6"""
    return tracebox(lab, True)


@scenario
def rewrite_box_merged(lab):
    """the rewrite box's client-side and server-side captures merged (mergecap): both ends in one file"""
    scap, ccap = run_rewrite_box(lab, "rewrite-box-merged", (41053, 41054))
    merged = os.path.join(lab.work, "rewrite-box-merged.pcap")
    subprocess.run(["mergecap", "-F", "pcap", "-w", merged, scap.path, ccap.path], check=True, capture_output=True)
    why = ("Merged: each segment appears twice, at the client (TTL 64 leaving it) and at the server (3 hops on). The "
           "server's SYN+ACK is genuine, its own key: the handshake's verdict. Its copy at the client, 3 hops later, "
           "carries the SYN's options instead: middlebox.rewritten_on_path, a box between the two capture points "
           "rewrote it.")

    def rewritten(pkts, hss):
        for h in hss:
            rows = A.copy_rows(h)
            if not any(r[4] for r in rows.values()):
                return f"handshake {h.label()}: no SYN+ACK copy rewritten into an echo"
    return [Spec("rewrite-box-merged", merged,
                 "rewrite-box-client and rewrite-box-server recorded again and merged with mergecap: the server's "
                 "genuine SYN+ACK and, 3 hops on, the echo the client receives",
                 [claim("mptcp-genuine", why, sport=41053), claim("mptcp-genuine", why, sport=41054)], [rewritten],
                 side="both (merged)", copies=True)]


@scenario
def router_copies(lab):
    """tcpdump -i any on the middlebox, which strips MP_CAPABLE from SYNs: every packet on its way in and out"""
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN",
                "-j", "TCPOPTSTRIP", "--strip-options", "30")
    with lab.capture("router-copies", "mb", "any", bpf(8080)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41101, "--dst", S4, "--dport", 8080, "--data", 100)
        lab.role("client", "connect", "--mptcp", "--src", C6, "--sport", 41102, "--dst", S6, "--dport", 8080, "--data", 100)
    why = ("Captured on the box itself (tcpdump -i any): the SYN arrives from router2 with MP_CAPABLE and leaves "
           "towards the server one hop later without it (TCPOPTSTRIP wrote NOPs over it): the second frame is a "
           "copy of the first (middlebox.copy.first_frame, middlebox.copy.ttl_delta 1, middlebox.copy.changed), "
           "not a retransmission. The server answers the SYN it received: plain TCP.")

    def both_copies(pkts, hss):
        for h in hss:
            if len(h.syns) != 2 or len(h.synacks) < 2:
                return f"handshake {h.label()}: not seen on the way in and out"
            if not A.has_kind(h.syns[0].opts, 30) or A.has_kind(h.syns[1].opts, 30):
                return f"handshake {h.label()}: the SYN is not stripped between its two copies"
            if h.syns[0].ttl - h.syns[1].ttl != 1:
                return f"handshake {h.label()}: the SYN's copies are not one hop apart"
    return [Spec("router-copies", cap.path,
                 "a capture on the middlebox's every interface (tcpdump -i any) while it strips MP_CAPABLE from "
                 "SYNs: each segment on its way in and, one hop later, out",
                 [claim("plain", why, sport=41101), claim("plain", why, sport=41102)], [both_copies],
                 side="router", copies=True)]


def sweep(lab, name, sport_base, opt):
    """One tracebox-style IPv4 sweep from the client to the host behind the server, captured at the
    client: (the capture, what each probe got back)."""
    out = os.path.join(lab.work, name + ".json")
    with lab.capture(name, "client", "c-r1", bpf(8080, icmp=True)) as cap:
        lab.role("client", "tracebox", *lab.l2args(), "--src", C4, "--dst", H4, "--dport", 8080, "--sport-base",
                 sport_base, "--opt", opt, "--max-ttl", 8, "--out", out, timeout=60)
    res = json.load(open(out))
    log(f"{name}: {res}")
    return cap, res


def sweep_claims(sport_base, why_quoted, why_answered):
    """A sweep's four probes that routers quote (TTL 1-4), and the fifth the host answers without MP_CAPABLE."""
    return [claim("icmp-error", why_quoted, sports=range(sport_base + 1, sport_base + 5)),
            claim("mptcp-absent", why_answered, sport=sport_base + 5)]


@scenario
def tracebox_path(lab):
    """tracebox sweep through an MSS clamp (router2) and a box stripping MP_CAPABLE and kind 222 (the middlebox)"""
    lab.run("r2", "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN",
            "-j", "TCPMSS", "--set-mss", "1360")
    lab.run("mb", "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN",
            "-j", "TCPOPTSTRIP", "--strip-options", "30,222")
    cap, res = sweep(lab, "tracebox-path", 41090, "v0key+222")
    hops = {"10.77.1.1": 1, "10.77.2.2": 2, "10.77.3.2": 3, "10.77.4.2": 4}

    def mss(opts):
        return next((int.from_bytes(o[2:4], "big") for k, o in A.parse_opts(opts) if k == 2 and len(o) == 4), None)

    def check(pkts, hss):
        q = [p for p in pkts if p.icmp and p.quoted]
        if [hops.get(p.outer_src) for p in q] != [1, 2, 3, 4]:
            return f"ICMP quotes from {[p.outer_src for p in q]}, expected router1, router2, the middlebox, the server"
        for p in q:
            hop = hops[p.outer_src]
            if mss(p.opts) != (1460 if hop <= 2 else 1360):
                return f"hop {hop} quotes MSS {mss(p.opts)}"
            kept = A.has_kind(p.opts, 30) and A.has_kind(p.opts, 222)
            if kept != (hop <= 3):
                return f"hop {hop} quotes MP_CAPABLE and kind 222: {kept}"
        if [r["kind"] for r in res] != ["icmp"] * 4 + ["tcp"]:
            return f"probes got {[r['kind'] for r in res]}, expected 4 ICMP errors then the host's answer"
    na = ("This probe's TTL ran out on the way; a router's ICMP time exceeded quotes it: verdict icmp-error. "
          "-z middlebox,path lists the sweep hop by hop.")
    c = sweep_claims(41090, na, "The host answers without MP_CAPABLE: the quotes show it was removed, with kind 222, "
                     "before hop 4 (the middlebox, hop 3), and the MSS clamped to 1360 before hop 3 (router2).")
    return [Spec("tracebox-path", cap.path,
                 "a tracebox-style TTL sweep (MSS 1460, MP_CAPABLE v0, kind 222) to the host behind the server: "
                 "router2 clamps the MSS to 1360, the middlebox strips kinds 30 and 222",
                 c, [check], crafted=True)]


@scenario
def partial_quote_router(lab):
    """tracebox sweep past a router (router2, scapy) that quotes only 8 bytes of TCP (RFC 792)"""
    lab.run("mb", "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN",
            "-j", "TCPOPTSTRIP", "--strip-options", "30")
    # the probes whose TTL runs out at router2 go to the scapy router instead of the kernel
    lab.run("r2", "iptables", "-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "--dport", "8080", "-m", "ttl",
            "--ttl-eq", "1", "-j", "NFQUEUE", "--queue-num", "9")
    lab.bg("r2", [PY, ROLES, "short-icmp", "--queue", 9, "--src", R2_4, "--ready", rdy(lab, "short")],
           ready=rdy(lab, "short"))
    cap, res = sweep(lab, "partial-quote-router", 41110, "v0key")

    def check(pkts, hss):
        q = [p for p in pkts if p.icmp and p.quoted]
        if [p.outer_src for p in q] != ["10.77.1.1", R2_4, "10.77.3.2", "10.77.4.2"]:
            return f"ICMP quotes from {[p.outer_src for p in q]}"
        if [p.partial for p in q] != [False, True, False, False]:
            return f"partial quotes {[p.partial for p in q]}, expected router2's only"
        if A.has_kind(q[3].opts, 30) or not A.has_kind(q[2].opts, 30):
            return "MP_CAPABLE not stripped between hop 3 and hop 4"
    na = ("This probe's TTL ran out on the way; a router's ICMP time exceeded quotes it: verdict icmp-error. "
          "Router2's quote holds the IP header and 8 bytes of TCP only: partial, it says nothing about the options.")
    c = sweep_claims(41110, na, "The host answers without MP_CAPABLE; router2's partial quote cannot say whether it "
                     "was there, the middlebox's (hop 3) shows it, the server's (hop 4) does not.")
    return [Spec("partial-quote-router", cap.path,
                 "a tracebox-style TTL sweep (MP_CAPABLE v0 probe) to the host behind the server; router2 (scapy) "
                 "quotes only the IP header and 8 bytes of TCP in its ICMP time exceeded (RFC 792); the middlebox "
                 "strips kind 30", c, [check], crafted=True)]


@scenario
def syn_retransmit(lab):
    """lost SYNs: retransmitted then answered; Linux's MPTCP fallback after SYN losses"""
    # a firewall that drops SYNs carrying MPTCP (option kind 30) and lets other SYNs through
    drop = ["FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN", "--tcp-option", "30", "--dport", "8080",
            "-j", "DROP"]
    with lab.capture("syn-retransmit", "client", "c-r1", "tcp port 8080") as cap:
        # 1) first SYN lost once: the retransmission still offers MPTCP and is answered
        lab.run("mb", "iptables", "-I", *drop)
        p = lab.bg("client", [PY, ROLES, "connect", "--mptcp", "--src", C4, "--sport", 41091, "--dst", S4,
                              "--dport", 8080, "--data", 50, "--timeout", 10])
        time.sleep(0.5)
        lab.run("mb", "iptables", "-D", *drop)
        p.wait(15)
        # 2) every SYN with MP_CAPABLE is dropped: after net.mptcp.syn_retrans_before_tcp_fallback
        #    retransmissions Linux sends the SYN without it, which passes; the kernel then concludes
        #    MPTCP is blackholed on this path and disables active MPTCP for net.mptcp.blackhole_timeout
        lab.run("mb", "iptables", "-I", *drop)
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41092, "--dst", S4,
                 "--dport", 8080, "--data", 50, "--timeout", 20, timeout=30)
        # 3) MPTCP now remembers a blackholed path: the next MPTCP socket sends a plain SYN
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41093, "--dst", S4, "--dport", 8080,
                 "--data", 50)

    def check(pkts, hss):
        h = {x.client[1]: x for x in hss}
        if len(h.get(41091, A.Handshake()).syns) != 2:
            return "the first connection should show exactly one retransmitted SYN"
        h2 = h.get(41092)
        if not h2 or len(h2.syns) < 3:
            return "the second connection should show several SYN retransmissions"
        if len([x for x in h2.syns if not A.mptcp_opt(x.opts, 0)]) != 1:
            return "the second connection: expected exactly one SYN copy without MP_CAPABLE (the answered one)"
        if not A.mptcp_opt(h2.syns[0].opts, 0) or A.mptcp_opt(h2.syns[-1].opts, 0):
            return "the second connection: expected the first SYN with MP_CAPABLE and the last without"
        if 41093 in h and A.mptcp_opt(h[41093].syns[0].opts, 0):
            return "the third connection still offers MP_CAPABLE (no blackhole memory?)"
    return [Spec("syn-retransmit", cap.path,
                 "SYNs lost in the middlebox then answered: an MPTCP SYN lost once; then a firewall that drops every "
                 "SYN carrying MPTCP: Linux retransmits until it leaves MP_CAPABLE out, and the next MPTCP connection "
                 "no longer offers it (blackhole detection)",
                 [claim("mptcp-genuine", "The SYN+ACK answers the latest copy of the SYN; the server's own key: genuine.",
                        sport=41091),
                  claim("plain", "It answers the latest SYN copy, which no longer offers MP_CAPABLE: compared with that copy, plain TCP.",
                        sport=41092),
                  claim("plain", "MPTCP remembered the blackhole: this MPTCP socket sent a SYN without MP_CAPABLE (Linux disables "
                        "active MPTCP for net.mptcp.blackhole_timeout, 1 hour by default), answered plainly.",
                        sport=41093)],
                 [check])]


@scenario
def tuple_reuse(lab):
    """one 4-tuple reused for three handshakes"""
    with lab.capture("tuple-reuse", "client", "c-r1", "tcp port 8081") as cap:
        lab.role("client", "connect", "--src", C4, "--sport", 41101, "--dst", S4, "--dport", 8081, "--data", 20,
                 "--repeat", 3, "--linger0", "--gap", 0.2)

    def check(pkts, hss):
        if len(hss) != 3 or len({h.syns[0].seq for h in hss}) != 3:
            return f"expected three handshakes with three different ISNs on one tuple, got {len(hss)}"
    return [Spec("tuple-reuse", cap.path,
                 "the same 4-tuple (10.77.1.2:41101 -> 10.77.4.2:8081) used for three handshakes, each closed by RST",
                 [claim("plain", "Same 4-tuple as before, but a new SYN sequence number: a new handshake.", sport=41101)],
                 [check])]


@scenario
def no_syn(lab):
    """a SYN+ACK whose SYN the capture filter left out"""
    bpf = "tcp port 8080 and not (tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)"
    with lab.capture("no-syn", "client", "c-r1", bpf) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41111, "--dst", S4, "--dport", 8080, "--data", 50)
    return [Spec("no-syn", cap.path, "a genuine MPTCP SYN+ACK whose SYN was filtered out of the capture",
                 [claim("no-syn", "", sport=41111)],
                 [lambda pkts, hss: None if not any(p.syn for p in pkts) else "a SYN is in the capture"])]


@scenario
def no_answer(lab):
    """SYNs that are never answered (the middlebox silently drops them)"""
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "--dport", "8083", "-j", "DROP")
    with lab.capture("no-answer", "client", "c-r1", bpf(8083, icmp=True)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41121, "--dst", S4, "--dport", 8083,
                 "--timeout", 0.5, check=False)
        lab.role("client", "connect", "--src", C6, "--sport", 41122, "--dst", S6, "--dport", 8083,
                 "--timeout", 0.5, check=False)
        lab.craft("--src", C4, "--dst", S4, "--dport", 8083, "--sport", 41123, "--opt", "kind222", "--wait", 0.3)
    why = "The middlebox drops it silently (iptables DROP): no SYN+ACK, no RST, no ICMP."
    return [Spec("no-answer", cap.path, "SYNs silently dropped by the middlebox: never answered",
                 [claim("no-answer", why, sport=41121), claim("no-answer", why, sport=41122),
                  claim("no-answer", why, sport=41123)])]


@scenario
def rst(lab):
    """SYNs answered by RST: a closed port, and a middlebox's REJECT --reject-with tcp-reset"""
    for tool in ("iptables", "ip6tables"):
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "--dport", "9998", "-j", "REJECT", "--reject-with", "tcp-reset")
    with lab.capture("rst", "client", "c-r1", bpf(9998, 9999, icmp=True)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 41131, "--dst", S4, "--dport", 9999, check=False)
        lab.role("client", "connect", "--src", C6, "--sport", 41132, "--dst", S6, "--dport", 9999, check=False)
        lab.role("client", "connect", "--src", C4, "--sport", 41133, "--dst", S4, "--dport", 9998, check=False)
    return [Spec("rst", cap.path, "SYNs answered by RST: the server's closed port 9999 (IPv4 MPTCP SYN, IPv6 SYN) "
                 "and the middlebox's iptables REJECT --reject-with tcp-reset on port 9998",
                 [claim("rst", "The server's kernel: nothing listens on port 9999.", sport=41131),
                  claim("rst", "The server's kernel: nothing listens on port 9999.", sport=41132),
                  claim("rst", "Sent by the middlebox (iptables REJECT --reject-with tcp-reset) in the server's name: "
                        "the server never saw the SYN.", sport=41133)])]


@scenario
def simultaneous_open(lab):
    """a true simultaneous open: client and server connect() to each other at once"""
    for tool, a in (("iptables", None), ("ip6tables", None)):
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN", "SYN", "-m", "multiport",
                "--ports", "45000,45001", "-j", "NFQUEUE", "--queue-num", "8")
    lab.bg("mb", [PY, ROLES, "nfq", "--queue", 8, "--mode", "delay", "--delay", 0.3, "--ready", rdy(lab, "nfqd")],
           ready=rdy(lab, "nfqd"))
    with lab.capture("simultaneous-open", "client", "c-r1", "tcp port 45000 or tcp port 45001") as cap:
        at = time.time() + 1.0
        a = lab.bg("client", [PY, ROLES, "simopen", "--src", C4, "--sport", 45000, "--dst", S4, "--dport", 45001, "--at", at])
        b = lab.bg("server", [PY, ROLES, "simopen", "--src", S4, "--sport", 45001, "--dst", C4, "--dport", 45000, "--at", at])
        a.wait(15)
        b.wait(15)

    def check(pkts, hss):
        syns = [p for p in pkts if p.syn]
        if len(syns) != 2 or syns[0].src == syns[1].src:
            return "expected one SYN in each direction"
        sas = [p for p in pkts if p.synack]
        if len(sas) < 2:
            return "expected a SYN+ACK from each side"
    why = ("Both ends sent a SYN on this 4-tuple before either got an answer (the SYNs crossed: the middlebox holds "
           "every SYN and SYN+ACK of this test for 0.3 s). Each side's SYN+ACK repeats its own SYN's options: they may look like the peer's, but this is no echo.")
    return [Spec("simultaneous-open", cap.path,
                 "a true simultaneous open: client and server call connect() towards each other at the same moment",
                 [claim("simultaneous-open", why, sport=45000), claim("simultaneous-open", why, sport=45001)], [check])]


@scenario
def zmap_scan(lab):
    """zmap tcp_synscan of a few namespace addresses, one behind the echo box"""
    start_echo_proxy(lab, [f"{H4}:80"])
    allow = os.path.join(lab.work, "zmap-allow.txt")
    block = os.path.join(lab.work, "zmap-block.txt")
    targets = [S4, H4, MB4, R2_4, "10.77.4.77"]
    open(allow, "w").write("".join(t + "/32\n" for t in targets))
    open(block, "w").write("")
    gwmac = lab.run("r1", "cat", "/sys/class/net/r1-c/address").stdout.strip()
    outf = os.path.join(lab.work, "zmap.out")
    with lab.capture("zmap-scan", "client", "c-r1", bpf(80, icmp=True)) as cap:
        r = lab.run("client", "zmap", "--probe-module=tcp_synscan", "-p", "80", "-i", "c-r1", "--gateway-mac", gwmac,
                    "-S", C4, "-w", allow, "-b", block, "-r", "20", "-c", "4", "-T", "1", "-o", outf,
                    "--disable-syslog", "-q", check=False, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"zmap: {r.stderr.strip()[-600:]}")
    found = open(outf).read().split()
    log(f"zmap-scan: zmap reported open: {found}")

    def check(pkts, hss):
        syns = [p for p in pkts if p.syn]
        if sorted({p.dst for p in syns}) != sorted(targets):
            return f"zmap probed {sorted({p.dst for p in syns})}, expected {targets}"
        if sorted(found) != sorted([S4, H4]):
            return f"zmap reported {found} open, expected the server and the host (echo box)"
        un = [p for p in pkts if p.icmp_error and p.dst == "10.77.4.77"]
        if not un or un[0].outer_src != MB4 or (un[0].icmp_type, un[0].icmp_code) != (3, 1):
            return "no ICMP host unreachable from the middlebox quoting the SYN to the unused address"
    return [Spec("zmap-scan", cap.path,
                 "zmap --probe-module=tcp_synscan -p 80 over five lab addresses: the server (open), the host behind "
                 "the echo box (answered by the box), the middlebox and router2 (closed: RST), an unused address "
                 "(only an ICMP host unreachable from the middlebox)",
                 [claim("plain", "The server listens on port 80: an ordinary SYN+ACK. zmap reports it open.", dst=S4),
                  claim("plain", "Answered by the echo box, not by the host: the box copied the SYN's options, but zmap's "
                        "SYN carries nothing an echo could be recognised by, so it looks plain. zmap counts it as open: "
                        "the story's pitfall.", dst=H4),
                  claim("rst", "Port 80 closed on the middlebox itself.", dst=MB4),
                  claim("rst", "Port 80 closed on router2.", dst=R2_4),
                  claim("icmp-error", "Nobody has this address: no SYN+ACK, no RST. The middlebox, the last router, "
                        "asks for its MAC address (ARP) in vain and after 3 s reports ICMP host unreachable, quoting the "
                        "SYN (the last frame): verdict icmp-error.", dst="10.77.4.77")],
                 [check], crafted=True)]


# ---------------------------------------------------------------- timestamps, cookies, TFO, SYN proxies, ICMP
def same_clock(h):
    """the SYN+ACK's TSval is the SYN's, and its TSecr acknowledges that TSval (a shared clock, not a copy)"""
    if not h.synacks:
        return False
    a = h.synacks[0]
    syn = h.syn_for(a)
    v = A.tsval(syn.opts)
    return v is not None and A.tsval(a.opts) == v and A.tsecr(a.opts) == v and A.tsecr(syn.opts) != v


def connect_until_same_clock(lab, cap, ns, src, dst, dport, sport0, min_n=3, max_n=5, data=20):
    """at least min_n connections, more (up to max_n) until one SYN+ACK shows the shared clock"""
    for i in range(max_n):
        lab.role(ns, "connect", "--src", src, "--sport", sport0 + i, "--dst", dst, "--dport", dport, "--data", data,
                 "--align-ms")
        if i + 1 >= min_n:
            time.sleep(0.2)     # tcpdump -U has written the handshake by now
            if any(same_clock(h) for h in A.pair(A.read(cap.path)) if sport0 <= h.client[1] <= sport0 + i):
                return i + 1
    return max_n


def chk_same_clock(families):
    def f(pkts, hss):
        for fam in families:
            hs = [h for h in hss if (":" in h.server[0]) == (fam == 6)]
            if not any(same_clock(h) for h in hs):
                return (f"no IPv{fam} SYN+ACK with TSval = TSecr = the SYN's TSval: the shared clock is not shown "
                        f"({[(A.tsval(h.syns[0].opts), h.synacks and A.tsval(h.synacks[0].opts)) for h in hs]})")
    return f


@scenario
def loopback_same_clock(lab):
    """kernel TCP over one namespace's loopback (127.0.0.1, ::1): the default offsets, then tcp_timestamps=2"""
    lab.bg("client", [PY, ROLES, "serve", "--listen", "8085:tcp", "--ready", rdy(lab, "lo")], ready=rdy(lab, "lo"))
    with lab.capture("loopback-same-clock", "client", "lo", "tcp port 8085") as cap:
        # 1) net.ipv4.tcp_timestamps=1, the default: a random offset per connection
        for sport, addr in ((41201, "127.0.0.1"), (41211, "::1")):
            lab.role("client", "connect", "--src", addr, "--sport", sport, "--dst", addr, "--dport", 8085,
                     "--data", 20, "--align-ms")
        # 2) net.ipv4.tcp_timestamps=2: no offsets, both ends send the clock as it is
        lab.run("client", "sysctl", "-qw", "net.ipv4.tcp_timestamps=2")
        n4 = connect_until_same_clock(lab, cap, "client", "127.0.0.1", "127.0.0.1", 8085, 41202, 2, 4)
        n6 = connect_until_same_clock(lab, cap, "client", "::1", "::1", 8085, 41212, 2, 4)
    log(f"loopback-same-clock: with tcp_timestamps=2, {n4} IPv4 and {n6} IPv6 connections")

    def offsets(pkts, hss):
        """the default part: say what this kernel did with the offsets"""
        out = {}
        for h in hss:
            if h.client[1] not in (41201, 41211) or not h.synacks:
                continue
            a = h.synacks[0]
            if A.tsval(a.opts) != A.tsval(h.syns[0].opts):
                out[a.frame] = (f"With net.ipv4.tcp_timestamps=1, the default, the two ends of this loopback "
                                f"connection use different offsets: the SYN's TSval is {A.tsval(h.syns[0].opts)}, "
                                f"this one {A.tsval(a.opts)}, although one kernel and one clock sent both. This "
                                "kernel derives the offset from the ports too, each end from its own view of the "
                                "4-tuple: with the same address at both ends, only the ports differ, and so do the "
                                "offsets.")
        return out
    one = ("Client and server are the same kernel, on the loopback of one namespace, with net.ipv4.tcp_timestamps=1 "
           "(the default: a random offset added to the clock). A correct stack: its TSecr is the SYN's TSval.")
    two = ("Client and server are the same kernel, on the loopback, now with net.ipv4.tcp_timestamps=2: no offset, "
           "both ends send the machine's clock (uptime in milliseconds) as it is. A correct stack: its TSecr is the "
           "SYN's TSval.")
    return [Spec("loopback-same-clock", cap.path,
                 "kernel TCP connections over the loopback of one namespace (127.0.0.1 and ::1), with data: first with "
                 "the default timestamp offsets, then with net.ipv4.tcp_timestamps=2 (one clock, no offset), where "
                 "SYN+ACKs carry the SYN's TSval",
                 [claim("plain", one, sport=41201), claim("plain", one, sport=41211),
                  claim("plain", two, sports=range(41202, 41206)), claim("plain", two, sports=range(41212, 41216))],
                 [chk_same_clock((4, 6))], extra=offsets)]


@scenario
def netns_same_clock(lab):
    """client and server namespaces with net.ipv4.tcp_timestamps=2 (no per-connection offset): one clock"""
    for ns in ("client", "server"):
        lab.run(ns, "sysctl", "-qw", "net.ipv4.tcp_timestamps=2")
    t0 = time.monotonic_ns() // 1_000_000
    with lab.capture("netns-same-clock", "client", "c-r1", bpf(8081)) as cap:
        connect_until_same_clock(lab, cap, "client", C4, S4, 8081, 41221)
        connect_until_same_clock(lab, cap, "client", C6, S6, 8081, 41231)
    t1 = time.monotonic_ns() // 1_000_000

    def uptime(pkts, hss):
        # no offset: every TSval is the machine's CLOCK_MONOTONIC in milliseconds
        for h in hss:
            for p in h.syns + h.synacks:
                v = A.tsval(p.opts)
                if v is None or not (t0 & 0xFFFFFFFF) <= v <= (t1 & 0xFFFFFFFF):
                    return f"frame {p.frame}: TSval {v} is not the uptime in ms ({t0}..{t1}): an offset is in use"
    why = ("Client and server are two namespaces of one machine, both with net.ipv4.tcp_timestamps=2: timestamps "
           "without the random per-connection offset, so both TSvals are the machine's uptime in milliseconds. "
           "A correct stack: its TSecr is the SYN's TSval.")
    return [Spec("netns-same-clock", cap.path,
                 "client and server namespaces of one machine with net.ipv4.tcp_timestamps=2 (no random offsets): "
                 "both TSvals read the same clock, so some SYN+ACKs carry the SYN's TSval",
                 [claim("plain", why, sports=range(41221, 41226)), claim("plain", why, sports=range(41231, 41236))],
                 [chk_same_clock((4, 6)), uptime])]


def netstat(lab, ns):
    lines = [l.split() for l in lab.run(ns, "cat", "/proc/net/netstat").stdout.splitlines()]
    out = {}
    for names, vals in zip(lines[0::2], lines[1::2]):
        for k, v in zip(names[1:], vals[1:]):
            out[names[0] + k] = int(v)
    return out


def ws_of(opts):
    for k, o in A.parse_opts(opts):
        if k == 3 and len(o) == 3:
            return o[2]
    return None


def cookie_ts_bits(syn_opts):
    """the low 6 bits a SYN cookie (or SYNPROXY) puts in its TSval: the client's window scale (15 when
    none), SACK permitted (bit 4), ECN (bit 5, never here)"""
    ws = ws_of(syn_opts)
    return (ws if ws is not None else 15) | (0x10 if A.has_kind(syn_opts, 4) else 0)


@scenario
def syncookies(lab):
    """a server that always answers with SYN cookies (net.ipv4.tcp_syncookies=2)"""
    # tcp_timestamps=2 (no offset) only so that the cookie's bits can be read in the TSval as sent
    lab.run("server", "sysctl", "-qw", "net.ipv4.tcp_syncookies=2", "net.ipv4.tcp_timestamps=2")
    before = netstat(lab, "server")
    with lab.capture("syncookies", "client", "c-r1", bpf(8081)) as cap:
        lab.role("client", "connect", "--src", C4, "--sport", 41241, "--dst", S4, "--dport", 8081, "--data", 100)
        lab.role("client", "connect", "--src", C6, "--sport", 41242, "--dst", S6, "--dport", 8081, "--data", 100)
    after = netstat(lab, "server")
    sent = after["TcpExt:SyncookiesSent"] - before["TcpExt:SyncookiesSent"]
    recv = after["TcpExt:SyncookiesRecv"] - before["TcpExt:SyncookiesRecv"]
    log(f"syncookies: the server sent {sent} cookies, {recv} came back valid")

    def check(pkts, hss):
        if sent < 2 or recv < 2:
            return f"the server sent {sent} SYN cookies and validated {recv}, expected 2 and 2"
        for h in hss:
            a = h.synacks[0]
            want = cookie_ts_bits(h.syns[0].opts)
            if (A.tsval(a.opts) or 0) & 0x3F != want:
                return f"SYN+ACK frame {a.frame}: TSval low bits {A.tsval(a.opts) & 0x3F:#x}, the cookie says {want:#x}"
            if A.tsecr(a.opts) != A.tsval(h.syns[0].opts):
                return f"SYN+ACK frame {a.frame}: TSecr is not the SYN's TSval"
    why = ("The server keeps no state for this SYN: net.ipv4.tcp_syncookies=2 makes it answer every SYN with a SYN "
           "cookie. Its sequence number is the cookie (a hash of the 4-tuple and time, with the MSS class in it), and "
           "since the client sent timestamps, the low 6 bits of its TSval carry the SYN's other options (window "
           "scale, SACK permitted, ECN) so the kernel can rebuild them from the third ACK's TSecr. A genuine answer "
           "all the same: nothing copied.")
    return [Spec("syncookies", cap.path,
                 "a server namespace with net.ipv4.tcp_syncookies=2 (always SYN cookies) and ordinary clients (IPv4, "
                 "IPv6)", [claim("plain", why, sport=41241), claim("plain", why, sport=41242)], [check],
                 notes=[(lambda p: p.synack and A.tsval(p.opts) is not None,
                         "Read the cookie in the TSval: TSval & 0x3f (tcp.options.timestamp.tsval in hex, low 6 bits) "
                         "= the SYN's window scale (bits 0-3) + 0x10 for SACK permitted. (The lab set "
                         "net.ipv4.tcp_timestamps=2 on the server, no offset, so the bits show as sent; with the "
                         "default 1 a secret offset is added on the wire.)")])]


TFO_K1 = "00112233-44556677-8899aabb-ccddeeff"
TFO_K2 = "f0e1d2c3-b4a59687-78695a4b-3c2d1e0f"


@scenario
def tfo(lab):
    """TCP Fast Open: cookie request, data in the SYN, a stale cookie, the experimental form, the echo box"""
    for ns in ("client", "server"):
        lab.run(ns, "sysctl", "-qw", "net.ipv4.tcp_fastopen=3")
    lab.run("server", "sysctl", "-qw", f"net.ipv4.tcp_fastopen_key={TFO_K1}")
    lab.bg("server", [PY, ROLES, "serve", "--listen", "8086:tfo", "--ready", rdy(lab, "tfo")], ready=rdy(lab, "tfo"))
    start_echo_proxy(lab, [f"{H4}:8222"])
    tfo_conn = lambda sport, dst, *x: lab.role("client", "connect", "--fastopen", "--src", C6 if ":" in dst else C4,
                                               "--sport", sport, "--dst", dst, "--data", 40, *x, check=False)
    with lab.capture("tfo", "client", "c-r1", bpf(8086, 8222)) as cap:
        # the echo box (the host's address: the client's cookie cache is per destination address)
        tfo_conn(41301, H4, "--dport", 8222, "--timeout", 1, "--linger0")
        for sport, opt in ((41302, "tfo-req"), (41303, "tfo-exp-req"), (41304, "tfo-cookie"),
                           (41305, "tfo-exp-cookie")):
            lab.craft("--src", C4, "--dst", H4, "--dport", 8222, "--sport", sport, "--opt", opt, "--no-ts",
                      "--wait", 0.3)
        # a Linux TFO server
        tfo_conn(41311, S4, "--dport", 8086)
        tfo_conn(41312, S4, "--dport", 8086)
        lab.run("server", "sysctl", "-qw", f"net.ipv4.tcp_fastopen_key={TFO_K2}")
        tfo_conn(41313, S4, "--dport", 8086)
        lab.craft("--src", C4, "--dst", S4, "--dport", 8086, "--sport", 41314, "--opt", "tfo-exp-req", "--wait", 0.3)
        tfo_conn(41321, S6, "--dport", 8086)
        tfo_conn(41322, S6, "--dport", 8086)

    def check(pkts, hss):
        h = {x.client[1]: x for x in hss}
        if set(h) != {41301, 41302, 41303, 41304, 41305, 41311, 41312, 41313, 41314, 41321, 41322}:
            return f"handshakes {sorted(h)}"
        for sp in (41301, 41302, 41303):
            a = h[sp].synacks[0]
            if not any(A.is_tfo_request(k, o) for k, o in A.parse_opts(h[sp].syns[0].opts)) or \
                    A.tfo_opt(a.opts) != A.tfo_opt(h[sp].syns[0].opts):
                return f"{sp}: the cookie request did not come back unchanged"
        for sp in (41302, 41303, 41304, 41305):
            if h[sp].synacks[0].opts != h[sp].syns[0].opts or A.ts_opt(h[sp].syns[0].opts):
                return f"{sp}: the echo box's SYN+ACK is not a copy of a SYN without timestamps"
        for first, second in ((41311, 41312), (41321, 41322)):
            s1, a1, s2, a2 = h[first].syns[0], h[first].synacks[0], h[second].syns[0], h[second].synacks[0]
            if A.tfo_opt(s1.opts) != (34, b"") or s1.tlen:
                return f"{first}: expected a data-less SYN with an empty kind-34 cookie request"
            cookie = A.tfo_opt(a1.opts)
            if not cookie or cookie[0] != 34 or len(cookie[1]) != 8:
                return f"{first}: expected an 8-byte cookie in the SYN+ACK, got {cookie}"
            if A.tfo_opt(s2.opts) != cookie or not s2.tlen:
                return f"{second}: expected the cookie of {first} and data in the SYN"
            if a2.ack != (s2.seq + 1 + s2.tlen) & 0xFFFFFFFF or A.tfo_opt(a2.opts):
                return f"{second}: the SYN+ACK does not ack the SYN's data (or carries a cookie)"
        s3, a3 = h[41313].syns[0], h[41313].synacks[0]
        if A.tfo_opt(s3.opts) != A.tfo_opt(h[41311].synacks[0].opts) or not s3.tlen:
            return "41313: expected the old cookie and data in the SYN"
        if a3.ack != (s3.seq + 1) & 0xFFFFFFFF or not A.tfo_opt(a3.opts) or \
                A.tfo_opt(a3.opts) == A.tfo_opt(s3.opts):
            return "41313: expected a SYN+ACK acking seq + 1 only, with a new cookie"
        e = A.tfo_opt(h[41314].synacks[0].opts)
        if e is None or e[0] != 254 or len(e[1]) != 8:
            return f"41314: expected an experimental-form cookie (fe 0c f9 89 + 8 bytes), got {e}"
    def same_cookie(pkts, hss):
        h = {x.client[1]: x for x in hss}
        a3, a4 = h[41313].synacks[0], h[41314].synacks[0]
        if A.tfo_opt(a3.opts)[1] == A.tfo_opt(a4.opts)[1]:
            return {a4.frame: f"The cookie is the one of frame {a3.frame}: Linux computes it from its key and the "
                              "two addresses only, whatever the option's form."}
        return {}
    ech = ("The echo box copied the SYN's options: the cookie request, an empty TFO option, came back unchanged. A "
           "server answers a request with a cookie of its own or leaves the option out; it never returns the empty "
           "request: evidence of an echo.")
    return [Spec("tfo", cap.path,
                 "TCP Fast Open (net.ipv4.tcp_fastopen=3): a Linux TFO listener gives a cookie, takes data in the SYN, "
                 "refuses a stale cookie after a key change, answers the experimental form; the echo box returns "
                 "cookie requests and cookies",
                 [claim("option-echo", ech + " (A real Linux TFO client's SYN, so its timestamps were copied "
                        "too: a second proof.)", sport=41301),
                  claim("option-echo", ech + " This SYN has no timestamps: the request alone proves the copy.",
                        sport=41302),
                  claim("option-echo", ech + " Here in the experimental form (kind 254, ExID f989), without "
                        "timestamps.", sport=41303),
                  claim("plain", "The echo box copied this SYN too, cookie and all, yet nothing here proves it: a Linux "
                        "server legitimately returns the SYN's own cookie (when it accepts the cookie but cannot create "
                        "the connection, it acks the sequence number only and repeats the cookie). A returned cookie is "
                        "no evidence, so this echo is invisible.", sport=41304),
                  claim("plain", "The same with the experimental form: kind 254 with ExID f989 is TCP Fast Open, not an "
                        "unknown experimental option, and a returned cookie is no evidence: invisible echo.",
                        sport=41305),
                  claim("plain", "The client asks for a cookie (empty TFO option); the Linux server answers with a "
                        "cookie of its own, 8 bytes, which the client keeps for this server.", sport=41311),
                  claim("plain", "The client sent its cookie and 40 bytes of data in the SYN; the server checked the "
                        "cookie and took the data: the SYN+ACK acks them all. A pairing that wants ack = SYN seq + 1 "
                        "would call this SYN unanswered.", sport=41312),
                  claim("plain", "The server's key changed (net.ipv4.tcp_fastopen_key) since it gave the client's "
                        "cookie: the cookie no longer checks out, the data is refused (ack = seq + 1 only) and the "
                        "SYN+ACK brings a new cookie.", sport=41313),
                  claim("plain", "A crafted SYN with the experimental cookie request (fe 04 f9 89): Linux answers in the "
                        "same form, kind 254, ExID f989, with an 8-byte cookie. TFO, not an unknown option.",
                        sport=41314),
                  claim("plain", "IPv6: the client asks for a cookie and gets one.", sport=41321),
                  claim("plain", "IPv6: the cookie and 40 bytes of data in the SYN, all acked.", sport=41322)],
                 [check], crafted=True, extra=same_cookie)]


@scenario
def synproxy(lab):
    """netfilter SYNPROXY in the middlebox answers the SYNs for the server (IPv4, IPv6; MPTCP and plain)"""
    ports = "8080,8081"
    for tool, mss in (("iptables", 1460), ("ip6tables", 1440)):
        lab.run("mb", tool, "-t", "raw", "-A", "PREROUTING", "-i", "mb-r2", "-p", "tcp", "--syn", "-m", "multiport",
                "--dports", ports, "-j", "CT", "--notrack")
        lab.run("mb", tool, "-A", "FORWARD", "-i", "mb-r2", "-p", "tcp", "-m", "multiport", "--dports", ports,
                "-m", "conntrack", "--ctstate", "INVALID,UNTRACKED", "-j", "SYNPROXY", "--sack-perm", "--timestamp",
                "--wscale", "7", "--mss", str(mss))
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "-m", "multiport", "--ports", ports, "-m", "conntrack",
                "--ctstate", "INVALID", "-j", "DROP")
    lab.run("mb", "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0")
    before = netstat(lab, "server")
    with lab.capture("synproxy-server", "server", "s-mb", bpf(8080, 8081)) as scap, \
            lab.capture("synproxy-client", "client", "c-r1", bpf(8080, 8081)) as ccap:
        for sport, src, dst, dport, mp in ((41401, C4, S4, 8080, True), (41402, C4, S4, 8081, False),
                                           (41403, C6, S6, 8080, True), (41404, C6, S6, 8081, False)):
            lab.role("client", "connect", *(["--mptcp"] if mp else []), "--src", src, "--sport", sport, "--dst", dst,
                     "--dport", dport, "--data", 100, "--chunks", 3, "--pause", 0.15)
    r = lab.run("mb", "cat", "/proc/net/stat/synproxy", check=False).stdout
    log("synproxy: /proc/net/stat/synproxy: " + " | ".join(r.split("\n")[:3]))
    rejected = netstat(lab, "server")["TcpExt:TSEcrRejected"] - before["TcpExt:TSEcrRejected"]
    log(f"synproxy: the server rejected {rejected} ACKs for their TSecr (TcpExtTSEcrRejected)")

    def client_notes(pkts, hss):
        out = {}
        for h in hss:
            a = h.synacks[0]
            d = server_data(pkts, h)
            cdata = [p for p in pkts if not p.icmp and p.tuple() == h.syns[0].tuple() and p.tlen > 0]
            for p in pkts:
                if p.icmp or p.tuple() != a.tuple() or p.frame <= a.frame or p.tlen or p.flags != 0x10:
                    continue
                if p.frame > cdata[0].frame:
                    break
                if p.ttl == a.ttl:
                    out[p.frame] = (f"A pure ACK from the box (TTL {p.ttl}, as its SYN+ACK): SYNPROXY's window "
                                    "update to the client, sent once the server has answered the box's own SYN. "
                                    "Pure ACKs do not count for the hop comparison.")
                elif p.ttl == d[0].ttl:
                    out[p.frame] = (f"A pure ACK from the server itself (TTL {p.ttl}): "
                                    + ("it rejected the ACK the box sent it (a TSecr it never sent, counter "
                                       "TcpExtTSEcrRejected) and answers with a bare ACK; the client's first data "
                                       "completes the server's handshake instead." if rejected else
                                       "its answer to the ACK the box sent it."))
            out[d[0].frame] = (f"The server's own data: TTL {d[0].ttl}, one less than the SYN+ACK's {a.ttl}: these "
                               f"segments come from one hop further than the SYN+ACK of frame {a.frame} did. The "
                               f"SYN+ACK came from a box nearer than the server (the plugin: middlebox.hop_mismatch "
                               f"and middlebox.syn_proxy on that SYN+ACK); its options are the box's, not the server's.")
        return out

    def server_notes(pkts, hss):
        out = {}
        for h in hss:
            s_, a = h.syns[0], h.synacks[0]
            for p in pkts:
                if p.icmp or p.frame <= a.frame or p.tlen:
                    continue
                if p.tuple() == s_.tuple() and p.flags == 0x10 and p.ttl == s_.ttl:
                    ok = A.tsecr(p.opts) == A.tsval(a.opts)
                    out[p.frame] = ("The box's ACK, completing its own handshake with the server"
                                    + ("." if ok else f": its TSecr ({A.tsecr(p.opts)}) should be the server's "
                                       f"TSval ({A.tsval(a.opts)}), but it is that plus SYNPROXY's timestamp offset "
                                       "(the server's TSval minus the box's), which the box adds to the client's "
                                       "segments. The server (Linux 6.x checks the TSecr of the handshake's ACK) "
                                       "rejects it and answers with a bare ACK (the next frame)."))
                    break
            cd = [p for p in pkts if p.tuple() == s_.tuple() and p.tlen > 0]
            if cd:
                out[cd[0].frame] = (f"The client's first data, forwarded by the box: TTL {cd[0].ttl}, 3 routers away; "
                                    f"the SYN of frame {s_.frame} had TTL {s_.ttl}: the box made it.")
        return out

    def server_data(pkts, h):
        return [p for p in pkts if not p.icmp and p.sport is not None and p.tuple() == h.synacks[0].tuple()
                and p.tlen > 0][:8]

    def client_check(pkts, hss):
        for h in hss:
            a = h.synacks[0]
            d = server_data(pkts, h)
            if len(d) < 3:
                return f"{h.label()}: {len(d)} data segments from the server, expected at least 3"
            if {p.ttl for p in d} != {a.ttl - 1}:
                return (f"{h.label()}: SYN+ACK TTL {a.ttl}, the server's data TTLs {sorted({p.ttl for p in d})}: "
                        "expected the data exactly one hop (middlebox -> server) further")
            if (A.tsval(a.opts) or 0) & 0x3F != cookie_ts_bits(h.syns[0].opts):
                return f"{h.label()}: the SYN+ACK's TSval does not carry SYNPROXY's option bits"

    def server_check(pkts, hss):
        cl = A.pair(A.read(ccap.path))
        for h in hss:
            s, a = h.syns[0], h.synacks[0]
            if A.has_kind(s.opts, 30):
                return f"{h.label()}: the SYN the server got carries MPTCP: it was not the proxy's"
            c = [x for x in cl if x.client == h.client]
            if not c or c[0].syns[0].seq != s.seq:
                return f"{h.label()}: the proxy's SYN does not keep the client's sequence number"
            if c[0].synacks[0].seq == a.seq:
                return f"{h.label()}: the client got the server's own SYN+ACK (same ISN): no proxy in between"
            cdata = [p for p in pkts if p.tuple() == s.tuple() and p.tlen > 0]
            if not cdata or s.ttl != cdata[0].ttl + 3:
                return (f"{h.label()}: the SYN's TTL {s.ttl} and the client's data TTL "
                        f"{cdata[0].ttl if cdata else None}: expected the SYN 3 hops nearer (made by the box)")
    cwhy = ("This SYN+ACK is SYNPROXY's, sent by the middlebox (iptables -j SYNPROXY): its TTL is one more than that "
            "of the server's data segments that follow (one hop nearer: the box, not the server), its sequence number "
            "is a SYN cookie and its TSval carries the cookie's option bits. The server never saw the client's SYN; "
            "the box opens its own connection to the server once the client's third ACK proves the cookie.")
    mp = (" The box knows no MPTCP, so no MP_CAPABLE came back: mptcp-absent, but it is the box that did not "
          "return it; whether the server supports MPTCP is unknown (it does: see synproxy-server.pcapng).")
    pl = " An ordinary answer for ordinary options: plain."
    swhy = ("Seen at the server: the SYN this answers was sent by the middlebox's SYNPROXY, not forwarded from the "
            "client: its TTL is that of a packet made next door (the client's own data arrives 3 hops further), and "
            "its options were rebuilt from the cookie (MSS, SACK permitted, timestamps, window scale: nothing else).")
    return [Spec("synproxy-client", ccap.path,
                 "netfilter SYNPROXY in the middlebox answers the SYNs to the server's ports 8080 (MPTCP) and 8081 "
                 "(TCP), IPv4 and IPv6: what the client sees",
                 [claim("mptcp-absent", cwhy + mp, sport=41401), claim("plain", cwhy + pl, sport=41402),
                  claim("mptcp-absent", cwhy + mp, sport=41403), claim("plain", cwhy + pl, sport=41404)],
                 [client_check], extra=client_notes),
            Spec("synproxy-server", scap.path,
                 "the same connections as synproxy-client, seen at the server: the box's SYNs, the server's SYN+ACKs",
                 [claim("plain", swhy + " The client's SYN offered MP_CAPABLE; this one does not, so the MPTCP listener "
                        "answers plain TCP.", sport=41401),
                  claim("plain", swhy, sport=41402),
                  claim("plain", swhy + " The client's SYN offered MP_CAPABLE; this one does not, so the MPTCP listener "
                        "answers plain TCP.", sport=41403),
                  claim("plain", swhy, sport=41404)],
                 [server_check], side="server", extra=server_notes)]


@scenario
def synproxy_distances(lab):
    """netfilter SYNPROXY 1, 2 and 3 hops before the server (in mb, r2, r1): the SYN+ACK nearer by as much"""
    boxes = (("mb", "mb-r2", 8090, 41411, 1), ("r2", "r2-r1", 80, 41412, 2), ("r1", "r1-c", 8081, 41413, 3))
    for ns, iface, port, _, _ in boxes:
        lab.run(ns, "iptables", "-t", "raw", "-A", "PREROUTING", "-i", iface, "-p", "tcp", "--syn", "--dport", port,
                "-j", "CT", "--notrack")
        lab.run(ns, "iptables", "-A", "FORWARD", "-i", iface, "-p", "tcp", "--dport", port, "-m", "conntrack",
                "--ctstate", "INVALID,UNTRACKED", "-j", "SYNPROXY", "--sack-perm", "--timestamp", "--wscale", "7",
                "--mss", "1460")
        lab.run(ns, "iptables", "-A", "FORWARD", "-p", "tcp", "--dport", port, "-m", "conntrack", "--ctstate",
                "INVALID", "-j", "DROP")
        lab.run(ns, "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0")
    with lab.capture("synproxy-distances", "client", "c-r1", bpf(*(b[2] for b in boxes))) as cap:
        for _, _, port, sport, _ in boxes:
            lab.role("client", "connect", "--src", C4, "--sport", sport, "--dst", S4, "--dport", port,
                     "--data", 100, "--chunks", 3, "--pause", 0.15)

    def server_segments(pkts, h):
        a = h.synacks[0]
        return [p for p in pkts if not p.icmp and p.sport is not None and p.tuple() == a.tuple()
                and p.frame > a.frame and (p.tlen > 0 or p.flags & 0x05)]

    def check(pkts, hss):
        for h in hss:
            a = h.synacks[0]
            hops = {b[3]: b[4] for b in boxes}[h.syns[0].sport]
            seen = {p.ttl for p in server_segments(pkts, h)}
            if len(server_segments(pkts, h)) < 3 or seen != {a.ttl - hops}:
                return (f"{h.label()}: SYN+ACK TTL {a.ttl}, the server's data/FIN/RST TTLs {sorted(seen)}: expected "
                        f"all {hops} hop(s) further")

    def notes(pkts, hss):
        out = {}
        for h in hss:
            d = server_segments(pkts, h)
            if d:
                out[d[0].frame] = (f"The server's own segment, TTL {d[0].ttl}; the SYN+ACK of frame "
                                   f"{h.synacks[0].frame} came with {h.synacks[0].ttl}: the box that answered sits "
                                   f"{h.synacks[0].ttl - d[0].ttl} hop(s) nearer (middlebox.distance synack-nearer, "
                                   "middlebox.syn_proxy).")
        return out
    why = ("SYNPROXY's SYN+ACK (iptables -j SYNPROXY in {}): a SYN cookie, options of the box; the server's data and "
           "FIN come from {} hop(s) further.")
    return [Spec("synproxy-distances", cap.path,
                 "netfilter SYNPROXY in three places, 1 (mb), 2 (r2) and 3 (r1) hops before the server, one "
                 "connection each: what the client sees",
                 [claim("plain", why.format(ns, hops), sport=sport) for ns, _, _, sport, hops in boxes],
                 [check], extra=notes)]


@scenario
def ecn_modes(lab):
    """Linux tcp_ecn 1 and 2 on both sides (never a flag echo), and a box that returns the SYN's ECN flags"""
    modes = ((1, 1, 41421), (1, 2, 41422), (2, 1, 41423), (2, 2, 41424), (1, 0, 41425))
    start_echo_proxy(lab, [f"{S4}:8092"], name="echoflags", extra=["--copy-flags"])
    start_echo_proxy(lab, [f"{S4}:8093"], name="echoflagsonly", extra=["--copy-flags", "--own-options"])
    with lab.capture("ecn-modes", "client", "c-r1", bpf(80, 8092, 8093)) as cap:
        for cm, sm, sport in modes:
            lab.run("client", "sysctl", "-qw", f"net.ipv4.tcp_ecn={cm}")
            lab.run("server", "sysctl", "-qw", f"net.ipv4.tcp_ecn={sm}")
            lab.role("client", "connect", "--src", C4, "--sport", sport, "--dst", S4, "--dport", 80, "--data", 100)
        lab.run("client", "sysctl", "-qw", "net.ipv4.tcp_ecn=1")
        for port, sport in ((8092, 41426), (8093, 41427)):
            lab.role("client", "connect", "--src", C4, "--sport", sport, "--dst", S4, "--dport", port,
                     "--timeout", 1, check=False)
    why = {1: "asks for ECN and accepts it", 2: "accepts ECN when asked, never asks", 0: "knows no ECN"}

    def ecn(flags):
        return (flags >> 6) & 3  # CWR, ECE

    def check(pkts, hss):
        for h in hss:
            s_, a = h.syns[0], h.synacks[0]
            sp = s_.sport
            if sp in (41426, 41427):
                if ecn(s_.flags) != 3 or ecn(a.flags) != 3:
                    return f"{h.label()}: the box did not return the SYN's ECE and CWR"
                continue
            cm, sm = {m[2]: m[:2] for m in modes}[sp]
            if ecn(s_.flags) != (3 if cm == 1 else 0):
                return f"{h.label()}: tcp_ecn={cm} client, SYN ECE/CWR {ecn(s_.flags)}"
            want = 1 if cm == 1 and sm in (1, 2) else 0
            if ecn(a.flags) != want:
                return f"{h.label()}: tcp_ecn={sm} server answered ECE/CWR {ecn(a.flags)}, expected {want}"
    c = [claim("plain", f"Client tcp_ecn={cm} ({why[cm]}), server tcp_ecn={sm} ({why[sm]}): "
               + ("an ECN-setup SYN answered by ECE alone (RFC 3168 6.1.1), never ECE and CWR."
                  if cm == 1 and sm else "no ECN-setup SYN+ACK."), sport=sp) for cm, sm, sp in modes]
    c.append(claim("option-echo", "The echo box turns the SYN round: its options (TS with TSecr 0) and its ECE and "
                   "CWR come back.", sport=41426))
    c.append(claim("flag-echo", "A box that writes its own options (MSS 1460) but returns the SYN's ECE and CWR: "
                   "no correct stack answers an ECN-setup SYN so.", sport=41427))
    c[-1]["echo_box"] = c[-2]["echo_box"] = True
    return [Spec("ecn-modes", cap.path, "ECN negotiation between Linux stacks in each tcp_ecn mode, and two boxes "
                 "that return the SYN's ECN-setup flags", c, [check], crafted=True)]


@scenario
def icmp_only(lab):
    """SYNs answered only by ICMP errors (TTL expiry, REJECT admin-prohibited) beside one silently dropped"""
    for tool, rej in (("iptables", "icmp-admin-prohibited"), ("ip6tables", "icmp6-adm-prohibited")):
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "--dport", "8084", "-j", "REJECT", "--reject-with", rej)
        lab.run("mb", tool, "-A", "FORWARD", "-p", "tcp", "--dport", "8083", "-j", "DROP")
    errs = {}
    with lab.capture("icmp-only", "client", "c-r1", bpf(8081, 8083, 8084, icmp=True)) as cap:
        lab.craft("--src", C4, "--dst", S4, "--dport", 8081, "--sport", 41501, "--opt", "none", "--ttl", 1,
                  "--copies", 2, "--gap", 0.5, "--wait", 0.3)
        lab.craft("--src", C4, "--dst", S4, "--dport", 8081, "--sport", 41502, "--opt", "none", "--ttl", 2, "--wait", 0.3)
        lab.craft("--src", C6, "--dst", S6, "--dport", 8081, "--sport", 41503, "--opt", "none", "--ttl", 1, "--wait", 0.3)
        for sport, src, dst, extra in ((41504, C4, S4, ["--dport", 8084]), (41505, C6, S6, ["--dport", 8084]),
                                       (41506, C4, S4, ["--dport", 8081, "--ttl", 2]),
                                       (41507, C4, S4, ["--dport", 8083])):
            r = lab.role("client", "connect", "--src", src, "--sport", sport, "--dst", dst, *extra, "--timeout", 1.5,
                         check=False)
            m = re.search(r"\((\d+), '([^']*)'\)", r.stderr)
            errs[sport] = (f"{errno.errorcode.get(int(m.group(1)), m.group(1))}, {m.group(2)}" if m
                           else r.stderr.strip().split(": ", 1)[-1] or "connected")
            log(f"icmp-only: {sport}: connect(): {errs[sport]}")
    # (sport: ICMP source, type, code, SYN copies); None: any number of copies, each quoted once
    want = {41501: ({R1_4}, 11, None, 2), 41502: ({R2_4}, 11, None, 1), 41503: ({R1_6}, 3, None, 1),
            41504: ({MB4}, 3, 13, 1), 41505: ({MB6}, 1, 1, None), 41506: ({R2_4}, 11, None, 1)}

    def check(pkts, hss):
        h = {x.client[1]: x for x in hss}
        for sp, (frm, typ, code, n) in want.items():
            x = h.get(sp)
            if not x or (n is not None and len(x.syns) != n) or len(x.icmps) != len(x.syns):
                return f"{sp}: expected {n or 'N'} SYN copies and as many ICMP errors quoting them"
            for e in x.icmps:
                if e.outer_src not in frm or e.icmp_type != typ or (code is not None and e.icmp_code != code):
                    return f"{sp}: ICMP {e.icmp_type}/{e.icmp_code} from {e.outer_src}, expected {typ}/{code} from {frm}"
        if len(h[41507].syns) < 2 or h[41507].icmps:
            return "41507: expected a SYN retransmitted without any answer or ICMP error"
    def kernel(pkts, hss):
        """what the client's kernel did with the error (a real connect(), not scapy)"""
        out = {}
        for h in hss:
            sp = h.client[1]
            if sp not in errs or sp == 41507:
                continue
            if len(h.syns) == 1:
                out[h.syns[0].frame] = (f"This SYN is a real connect(): Linux aborts a connection in SYN_SENT at the "
                                        f"first ICMP error, so there is no retransmission (connect() failed: {errs[sp]}).")
            else:
                out[h.syns[-1].frame] = (f"This SYN is a real connect(), and the kernel sent it again although the ICMP "
                                         f"error of frame {h.icmps[0].frame} had come: the error arrived while "
                                         f"connect() still held the socket, and Linux then only notes a soft error. "
                                         f"The next error ended it (connect() failed: {errs[sp]}).")
        return out
    te = "Its TTL ran out on the way: no SYN+ACK, no RST, only the ICMP time exceeded of {}: verdict icmp-error."
    rj = ("The middlebox rejects it (iptables REJECT --reject-with {}): no SYN+ACK, no RST, an ICMP{} "
          "administratively prohibited error quoting it: verdict icmp-error.")
    return [Spec("icmp-only", cap.path,
                 "SYNs answered only by ICMP errors: TTL 1 and 2 expiring at router1 and router2 (crafted, and a kernel "
                 "connect with IP_TTL 2), a middlebox REJECT with admin-prohibited (IPv4, IPv6); and one SYN silently "
                 "dropped",
                 [claim("icmp-error", te.format("router1") + " A crafted SYN (TTL 1) sent twice with the same sequence "
                        "number: both copies get the verdict, linked to the first ICMP error.", sport=41501),
                  claim("icmp-error", te.format("router2") + " (a crafted SYN with TTL 2)", sport=41502),
                  claim("icmp-error", te.format("router1") + " (IPv6, hop limit 1)", sport=41503),
                  claim("icmp-error", rj.format("icmp-admin-prohibited", ""), sport=41504),
                  claim("icmp-error", rj.format("icmp6-adm-prohibited", "v6"), sport=41505),
                  claim("icmp-error", te.format("router2") + " (a real connect() with IP_TTL 2)", sport=41506),
                  claim("no-answer", "Dropped silently by the middlebox (iptables DROP): no SYN+ACK, no RST and no ICMP "
                        "error; the kernel retransmits, then gives up: verdict no-answer.", sport=41507)],
                 [check], crafted=True, extra=kernel)]


# ---------------------------------------------------------------- exercise captures (the guide never shows them)
H4_PREFIX = ["10.77.5.2", "10.77.5.3", "10.77.5.4", "10.77.5.5"]


@scenario
def echo_prefix(lab):
    """the echo box answers port 80 for a whole prefix behind the server, existing hosts or not"""
    start_echo_proxy(lab, [f"{a}:80" for a in H4_PREFIX])
    with lab.capture("echo-prefix", "client", "c-r1", bpf(80, 8080)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42001, "--dst", H4_PREFIX[0], "--dport", 80,
                 "--linger0", "--timeout", 2)
        lab.craft("--src", C4, "--dst", H4_PREFIX[1], "--dport", 80, "--sport", 42002, "--opt", "kind222")
        lab.craft("--src", C4, "--dst", H4_PREFIX[2], "--dport", 80, "--sport", 42003, "--opt", "none", "--no-ts")
        lab.craft("--src", C4, "--dst", H4_PREFIX[3], "--dport", 80, "--sport", 42004, "--opt", "none", "--no-ts")
        # the real host, on a port the box does not cover; then the server itself
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42005, "--dst", H4, "--dport", 8080,
                 "--data", 100)
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42006, "--dst", S4, "--dport", 8080,
                 "--data", 100)

    def check(pkts, hss):
        h = {x.client[1]: x for x in hss}
        for sp in (42001, 42002, 42003, 42004):
            a = h[sp].synacks[0] if sp in h and h[sp].synacks else None
            if a is None or a.ttl != 62:
                return f"{sp}: expected the box's SYN+ACK with TTL 62, got {a and a.ttl}"
        if h[42005].synacks[0].ttl != 60 or h[42006].synacks[0].ttl != 61:
            return "the host's and the server's own SYN+ACKs should arrive with TTL 60 and 61"
    box = ("Answered by the echo box in the middlebox, which answers port 80 for every address of 10.77.5.2-5, "
           "whether a host has it or not (only 10.77.5.2 exists): TTL 62, 2 hops, nearer than the server in front of "
           "that prefix. ")
    c = [claim("mptcp-echo", box + "A real Linux v1 SYN: the keyless MP_CAPABLE came back.", sport=42001),
         claim("option-echo", box + "Kind 222 came back unchanged.", sport=42002),
         claim("plain", box + "The SYN carried no options (as zmap's): nothing copied proves the copy; only the "
               "distance gives the box away.", sport=42003),
         claim("plain", box + "The SYN carried no options (as zmap's); and no host has this address.", sport=42004),
         claim("mptcp-genuine", "The host 10.77.5.2 itself, on port 8080 (not covered by the box): its own key, "
               "TTL 60, 4 hops.", sport=42005),
         claim("mptcp-genuine", "The server 10.77.4.2, in front of the prefix: its own key, TTL 61, 3 hops.",
               sport=42006)]
    for x in c[:4]:
        x["echo_box"] = True
    return [Spec("echo-prefix", cap.path,
                 "an echo box answers port 80 for four addresses of the prefix behind the server (one real host): "
                 "kernel MPTCP, kind 222 and option-less SYNs; the real host on port 8080 and the server for comparison",
                 c, [chk_echo_bytes, check], crafted=True)]


@scenario
def strip_synack_r2(lab):
    """a TCPOPTSTRIP rule on router2 strips MP_CAPABLE from SYN+ACKs only; a tracebox sweep cannot see it"""
    lab.run("r2", "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK",
            "-j", "TCPOPTSTRIP", "--strip-options", "30")
    out = os.path.join(lab.work, "strip-synack-r2.json")
    with lab.capture("strip-synack-r2", "client", "c-r1", bpf(8080, icmp=True)) as cap:
        lab.role("client", "tracebox", *lab.l2args(), "--src", C4, "--dst", H4, "--dport", 8080, "--sport-base", 42010,
                 "--opt", "v1", "--max-ttl", 8, "--out", out, timeout=60)
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42020, "--dst", S4, "--dport", 8080,
                 "--data", 100)
    res = json.load(open(out))
    log(f"strip-synack-r2: {res}")

    def check(pkts, hss):
        if [r["kind"] for r in res] != ["icmp"] * 4 + ["tcp"]:
            return f"the sweep got {[r['kind'] for r in res]}, expected 4 ICMP errors then the host's answer"
        q = [p for p in pkts if p.icmp and p.quoted]
        if len(q) != 4 or not all(A.has_kind(p.opts, 30) for p in q):
            return "every hop should quote the probe with its MP_CAPABLE"
        for h in hss:
            if h.synacks and A.has_kind(h.synacks[0].opts, 30):
                return f"{h.label()}: the SYN+ACK still carries MP_CAPABLE at the client"
    na = ("This probe's TTL ran out on the way: no SYN+ACK or RST, but a router's ICMP time exceeded quotes it: "
          "verdict icmp-error. The quote still has MP_CAPABLE: the SYN was not touched up to there.")
    ab = ("The SYN+ACK arrives without MP_CAPABLE, with NOPs where it was: router2 overwrote it on the way back "
          "(iptables TCPOPTSTRIP on SYN+ACKs). The SYN reached the host intact (every quote shows it), so the host "
          "did answer MPTCP; no quote can show what happens to the answer.")
    return [Spec("strip-synack-r2", cap.path,
                 "a tracebox-style TTL sweep with a Linux-like MPTCP v1 SYN to the host behind the server, and a kernel "
                 "MPTCP connection to the server; router2 strips MP_CAPABLE from SYN+ACKs (TCPOPTSTRIP), not from SYNs",
                 [claim("icmp-error", na, sports=range(42011, 42015)),
                  claim("mptcp-absent", ab, sport=42015),
                  claim("mptcp-absent", ab.replace("the host", "the server"), sport=42020)],
                 [check], crafted=True)]


@scenario
def synproxy_host(lab):
    """the server runs SYNPROXY in front of the MPTCP host behind it; the server's own port is not proxied"""
    lab.run("server", "iptables", "-t", "raw", "-A", "PREROUTING", "-i", "s-mb", "-p", "tcp", "--syn", "-d", H4,
            "--dport", "8080", "-j", "CT", "--notrack")
    lab.run("server", "iptables", "-A", "FORWARD", "-i", "s-mb", "-p", "tcp", "-d", H4, "--dport", "8080",
            "-m", "conntrack", "--ctstate", "INVALID,UNTRACKED", "-j", "SYNPROXY", "--sack-perm", "--timestamp",
            "--wscale", "7", "--mss", "1460")
    lab.run("server", "iptables", "-A", "FORWARD", "-p", "tcp", "-d", H4, "--dport", "8080", "-m", "conntrack",
            "--ctstate", "INVALID", "-j", "DROP")
    lab.run("server", "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0")
    with lab.capture("synproxy-host", "client", "c-r1", bpf(8080)) as cap:
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42031, "--dst", S4, "--dport", 8080,
                 "--data", 100, "--chunks", 3, "--pause", 0.15)
        lab.role("client", "connect", "--mptcp", "--src", C4, "--sport", 42032, "--dst", H4, "--dport", 8080,
                 "--data", 100, "--chunks", 3, "--pause", 0.15)

    def check(pkts, hss):
        h = {x.client[1]: x for x in hss}
        s, x = h[42031].synacks[0], h[42032].synacks[0]
        if s.ttl != 61 or x.ttl != 61:
            return f"both SYN+ACKs should arrive with TTL 61 (the server's distance): {s.ttl}, {x.ttl}"
        d = [p for p in pkts if not p.icmp and p.sport is not None and p.tuple() == x.tuple() and p.tlen > 0]
        if len(d) < 3 or {p.ttl for p in d} != {60}:
            return f"the host's data should arrive with TTL 60: {[p.ttl for p in d]}"
        if (A.tsval(x.opts) or 0) & 0x3F != cookie_ts_bits(h[42032].syns[0].opts):
            return "the proxied SYN+ACK's TSval does not carry SYNPROXY's option bits"
    return [Spec("synproxy-host", cap.path,
                 "the server runs netfilter SYNPROXY in front of the MPTCP host behind it (10.77.5.2:8080); the "
                 "server's own MPTCP port 8080 is not proxied",
                 [claim("mptcp-genuine", "The server itself: its own key, TTL 61 (3 hops), as its data.", sport=42031),
                  claim("mptcp-absent", "SYNPROXY in the server namespace answered for the host: TTL 61, the server's "
                        "distance, while the host's data arrive with 60. The box knows no MPTCP: mptcp-absent describes "
                        "the box; the host listens with MPTCP.", sport=42032)],
                 [check])]


# ---------------------------------------------------------------- guide summary
def update_guide(out_dir, start, full, made_now=()):
    guide = os.path.join(REPO, "test_captures", "GUIDE.md")
    if not os.path.exists(guide) or \
            os.path.realpath(out_dir) != os.path.realpath(os.path.join(REPO, "test_captures", "lab")):
        return      # the guide describes the committed captures only
    rows = []
    for tsv in sorted(glob.glob(os.path.join(out_dir, "*.expected.tsv"))):
        name = os.path.basename(tsv)[:-len(".expected.tsv")]
        counts, frames = {}, {}
        for line in open(tsv):
            if line.startswith("#") or line.startswith("frame\t"):
                continue
            fr, v = line.split("\t")[:2]
            counts[v] = counts.get(v, 0) + 1
            frames.setdefault(v, []).append(fr)
        pc = os.path.join(out_dir, name + ".pcapng")
        npk = len(A.read(pc)) if os.path.exists(pc) else 0
        sz = os.path.getsize(pc) if os.path.exists(pc) else 0
        rows.append(f"| `lab/{name}.pcapng` | {npk} | {sz / 1024:.1f} KB | "
                    + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())) + " | "
                    + "; ".join(f"{v}: {','.join(f)}" for v, f in sorted(frames.items())) + " |")
    text = open(guide).read()
    table = ("| capture | packets | size | frames per verdict | which frames |\n|---|---|---|---|---|\n"
             + "\n".join(rows) + "\n")
    text = re.sub(r"(<!-- lab:table -->\n).*?(<!-- /lab:table -->)", lambda m: m.group(1) + table + m.group(2),
                  text, flags=re.S)
    if full:
        duration = time.time() - start
        uname = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
        line = (f"Last full run: {datetime.date.today().isoformat()}, {duration:.0f} s for the whole run, namespaces "
                f"built, {len(rows)} captures made, checked and annotated; teardown takes about a second more "
                f"(kernel {uname}, tshark {subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.split()[2]}).")
        text = re.sub(r"(<!-- lab:duration -->\n).*?(\n<!-- /lab:duration -->)", lambda m: m.group(1) + line + m.group(2),
                      text, flags=re.S)
        since = "Made since by runs of single scenarios (`--only`): none."
    else:
        # a partial run: the full run's line stays true of that run; say which captures are newer
        m = re.search(r"<!-- lab:since -->\n(.*?)\n<!-- /lab:since -->", text, re.S)
        old = re.findall(r"`lab/([^`]+)\.pcapng` \(([0-9-]+)\)", m.group(1)) if m else []
        made = dict(old)
        for name in made_now:
            made[name] = datetime.date.today().isoformat()
        since = ("Made since by runs of single scenarios (`--only`): "
                 + ", ".join(f"`lab/{n}.pcapng` ({d})" for n, d in sorted(made.items())) + ".")
    text = re.sub(r"(<!-- lab:since -->\n).*?(\n<!-- /lab:since -->)", lambda m: m.group(1) + since + m.group(2),
                  text, flags=re.S)
    open(guide, "w").write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("run", "list", "guide-table"))
    ap.add_argument("--out")
    ap.add_argument("--work")
    ap.add_argument("--only", default="")
    ap.add_argument("--start", type=float, default=time.time())
    a = ap.parse_args()
    names = {fn.__name__.replace("_", "-"): fn for fn in SCENARIOS}
    if a.cmd == "list":
        for n, fn in names.items():
            print(f"{n:20s} {fn.__doc__}")
        return 0
    if a.cmd == "guide-table":      # regenerate the guide's table from the committed captures (no root)
        update_guide(os.path.join(REPO, "test_captures", "lab"), 0, full=False)   # made_now: none
        return 0
    only = [x for x in a.only.split(",") if x]
    for x in only:
        if x not in names:
            print(f"lab.py: unknown scenario {x} (see --list)", file=sys.stderr)
            return 2
    os.makedirs(a.out, exist_ok=True)
    lab = Lab(a.work)
    lab.bg("server", [PY, ROLES, "serve", "--listen", "8080:mptcp,8081:tcp,8090:mptcp,80:tcp",
                      "--ready", rdy(lab, "srv")], ready=rdy(lab, "srv"), keep=True)
    lab.bg("host", [PY, ROLES, "serve", "--listen", "8080:mptcp,80:tcp", "--ready", rdy(lab, "hst")],
           ready=rdy(lab, "hst"), keep=True)
    # end to end sanity before any scenario: both families, both client paths
    for src, dst in ((C4, H4), (C6, H6), (C4B, S4)):
        r = lab.role("client", "connect", "--src", src, "--dst", dst, "--dport", 80, "--timeout", 3, check=False)
        if r.returncode != 0 or r.stderr.strip():
            print(f"lab: the lab network is broken: {src} cannot reach {dst}: {r.stderr.strip()}", file=sys.stderr)
            return 1
    failures, done = [], []
    for n, fn in names.items():
        if only and n not in only:
            continue
        t0 = time.time()
        lab.reset()
        try:
            specs = fn(lab)
            lab.stop_all()
            for s in specs:
                done.append(finish(s, a.out))
        except Refused as e:
            failures.append(str(e))
            print(str(e), file=sys.stderr, flush=True)
        except Exception as e:   # a scenario that could not run is a failure too
            failures.append(f"{n}: could not run: {e!r}")
            print(f"lab: {n}: could not run: {e!r}", file=sys.stderr, flush=True)
        finally:
            lab.stop_all()
        log(f"scenario {n}: {time.time() - t0:.1f} s")
    lab.reset()
    lab.stop_all(lab.servers)
    update_guide(a.out, a.start, full=not only and not failures, made_now=[d["name"] for d in done])
    dur = time.time() - a.start
    log(f"{len(done)} captures written in {dur:.0f} s")
    if failures:
        print(f"lab: FAILED: {len(failures)} scenario(s) refused or broken; their captures were NOT written:",
              file=sys.stderr)
        for f in failures:
            print("  " + f.splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
