#!/usr/bin/python3
"""The guide's figures, drawn from the committed captures (docs/figures/).

Every number and byte a figure shows is read from a capture here, with the real tshark and the
plugin (scripts/tshark-with-plugin.sh; build tree $MIDDLEBOX_BUILD, default ./build), and written
into a Graphviz (.dot) or mscgen (.msc) source in docs/figures/; `dot` and `mscgen` (Debian's
graphviz and mscgen) render each source to SVG and PNG, and ImageMagick puts the four box types
side by side.

    tests/guide/figures.py write     sources from the captures, then SVG and PNG (commit them all)
    tests/guide/figures.py check     the ctest guide.figures: the committed sources are exactly what
                                     the captures give today, each renders, and the committed SVG
                                     and PNG are its rendering (same texts, same size)
Ends with 'N passed, N failed'; exits non-zero on any failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
CAPTURES = os.path.join(ROOT, "test_captures")
FIGURES = os.path.join(ROOT, "docs", "figures")
RUN_LAB = os.path.join(ROOT, "tests", "lab", "run-lab.sh")
BOXES = ("box-echo", "box-rewrite", "box-strip", "box-synproxy")


# ---------------------------------------------------------------- reading the captures
def fields(capture, flt, *names, two=True):
    """[{name: value}] for the frames of `capture` that `flt` selects (tshark, plugin loaded)"""
    args = ["-r", os.path.join(CAPTURES, capture), "-n"] + (["-2"] if two else []) + ["-Y", flt, "-T", "fields",
                                                                                     "-E", "separator=|"]
    for n in ("frame.number",) + names:
        args += ["-e", n]
    r = subprocess.run([TSHARK, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"tshark on {capture}: {r.stderr.strip()[:300]}")
    rows = []
    for line in r.stdout.splitlines():
        cells = line.split("|")
        rows.append(dict(zip(("frame.number",) + names, cells)))
    return rows


def frame(capture, number, *names):
    rows = fields(capture, f"frame.number == {number}", *names)
    if len(rows) != 1:
        raise SystemExit(f"{capture}: no frame {number}")
    return rows[0]


def outer(value):
    """the first of a field's values (an ICMP error also carries the quoted packet's)"""
    return value.split(",")[0]


def parse_options(hexbytes):
    """[(kind, bytes)] of a TCP option block"""
    b, i, out = bytes.fromhex(hexbytes), 0, []
    while i < len(b):
        k = b[i]
        if k in (0, 1):
            out.append((k, b[i:i + 1]))
            i += 1
            continue
        n = b[i + 1]
        out.append((k, b[i:i + n]))
        i += n
    return out


def option(hexbytes, kind):
    return next((o for k, o in parse_options(hexbytes) if k == kind), None)


def describe(hexbytes):
    """an option block in words, for a figure's label"""
    words, nops = [], 0
    for k, o in parse_options(hexbytes):
        if k == 1:
            nops += 1
            continue
        if nops > 1:
            words.append(f"{nops} NOPs")
        nops = 0
        if k == 2:
            words.append(f"MSS {int.from_bytes(o[2:4], 'big')}")
        elif k == 3:
            words.append(f"WS {o[2]}")
        elif k == 4:
            words.append("SACK_PERM")
        elif k == 8:
            words.append(f"TS {int.from_bytes(o[2:6], 'big')}/{int.from_bytes(o[6:10], 'big')}")
        elif k == 30 and o[2] >> 4 == 0:
            v = o[2] & 0x0F
            words.append(f"MP_CAPABLE v{v} " + (f"key {o[4:12].hex()}" if len(o) >= 12 else "no key"))
        else:
            words.append(f"kind {k}")
    if nops > 1:
        words.append(f"{nops} NOPs")
    return ", ".join(words)


# ---------------------------------------------------------------- the figures' sources
def msc(entities, lines, width="2.0"):
    ents = ", ".join(f'{e} [label="{label}"]' for e, label in entities)
    body = "\n".join(f"  {l};" for l in lines)
    return f'# drawn by tests/guide/figures.py from the captures named below; do not edit\nmsc {{\n  hscale="{width}";\n  {ents};\n{body}\n}}\n'


def q(text):
    return text.replace('"', '\\"')


def box_echo():
    cap = "lab/echo-kernel-v1.pcapng"
    syn = frame(cap, 1, "tcp.options", "ip.ttl")
    sa = frame(cap, 2, "tcp.options", "ip.ttl", "middlebox.verdict", "middlebox.hops")
    return msc([("c", "client"), ("b", "echo box (middlebox)"), ("s", "server")], [
        f'c=>b [label="SYN\\n{q(describe(syn["tcp.options"]))}"]',
        'b-xs [label="dropped: the server never sees it"]',
        f'b=>c [label="SYN+ACK, TTL {sa["ip.ttl"]} at the client\\n{q(describe(sa["tcp.options"]))}"]',
        f'c note s [label="{sa["middlebox.verdict"]}: the SYN\'s own options came back, from {sa["middlebox.hops"]} hops"]',
        f'# {cap}, frames 1 and 2',
    ])


def box_rewrite():
    cc, sc = "lab/rewrite-box-client.pcapng", "lab/rewrite-box-server.pcapng"
    syn_s = frame(sc, 1, "tcp.options", "ip.ttl")
    sa_s, sa_c = frame(sc, 2, "tcp.options"), frame(cc, 2, "tcp.options", "ip.ttl", "middlebox.verdict")
    return msc([("c", "client"), ("b", "rewrite box (middlebox)"), ("s", "server")], [
        'c=>b [label="SYN"]',
        f'b=>s [label="SYN, TTL {syn_s["ip.ttl"]} at the server\\n{q(describe(syn_s["tcp.options"]))}"]',
        f's=>b [label="SYN+ACK\\n{q(describe(sa_s["tcp.options"]))}"]',
        f'b=>c [label="the same SYN+ACK, TTL {sa_c["ip.ttl"]} at the client\\n{q(describe(sa_c["tcp.options"]))}"]',
        f'c note s [label="{sa_c["middlebox.verdict"]}, from the server\'s own distance"]',
        f'# {sc} and {cc}, frames 1 and 2',
    ])


def box_strip():
    cc, sc = "lab/optstrip-syn-client.pcapng", "lab/optstrip-syn-server.pcapng"
    syn_c, syn_s = frame(cc, 1, "tcp.options"), frame(sc, 1, "tcp.options")
    sa_c = frame(cc, 2, "tcp.options", "ip.ttl", "middlebox.verdict")
    return msc([("c", "client"), ("b", "stripping box (middlebox)"), ("s", "server")], [
        f'c=>b [label="SYN\\n{q(describe(syn_c["tcp.options"]))}"]',
        f'b=>s [label="SYN, at the server\\n{q(describe(syn_s["tcp.options"]))}"]',
        f's=>c [label="SYN+ACK, TTL {sa_c["ip.ttl"]} at the client\\n{q(describe(sa_c["tcp.options"]))}"]',
        f'c note s [label="{sa_c["middlebox.verdict"]}: the server never saw the offer"]',
        f'# {cc} and {sc}, frames 1 and 2',
    ])


def box_synproxy():
    cc, sc = "lab/synproxy-client.pcapng", "lab/synproxy-server.pcapng"
    syn_c = frame(cc, 1, "tcp.options")
    sa_c = frame(cc, 2, "tcp.options", "ip.ttl", "middlebox.verdict", "middlebox.hops", "middlebox.server_hops")
    data = fields(cc, "tcp.stream == 0 and ip.src == 10.77.4.2 and tcp.len > 0", "ip.ttl")[0]
    syn_s = frame(sc, 1, "tcp.options", "ip.ttl")
    return msc([("c", "client"), ("b", "SYN proxy (middlebox)"), ("s", "server")], [
        f'c=>b [label="SYN\\n{q(describe(syn_c["tcp.options"]))}"]',
        f'b=>c [label="SYN+ACK, TTL {sa_c["ip.ttl"]} at the client\\n{q(describe(sa_c["tcp.options"]))}"]',
        'c=>b [label="ACK"]',
        f'b=>s [label="its own SYN, TTL {syn_s["ip.ttl"]} at the server\\n{q(describe(syn_s["tcp.options"]))}"]',
        's=>b [label="SYN+ACK"]',
        'b=>s [label="ACK"]',
        f's=>c [label="data, TTL {data["ip.ttl"]} at the client (frame {data["frame.number"]})"]',
        f'c note s [label="{sa_c["middlebox.verdict"]}, SYN+ACK from {sa_c["middlebox.hops"]} hops, data from '
        f'{sa_c["middlebox.server_hops"]}: middlebox.syn_proxy"]',
        f'# {cc} frames 1, 2, {data["frame.number"]} and {sc} frame 1',
    ])


def tracebox_sweep():
    cap = "lab/tracebox-path.pcapng"
    names = lab_names()
    rows = fields(cap, "frame", "ip.src", "ip.ttl", "middlebox.quote.syn_frame", "middlebox.quote.diff",
                  "middlebox.verdict", "middlebox.hops", "tcp.flags.syn", "tcp.flags.ack")
    hop_of = {}
    ents = [("c", "client 10.77.1.2")]
    lines = []
    for r in rows:
        src = outer(r["ip.src"])
        if r["middlebox.quote.syn_frame"]:
            probe = next(p for p in rows if p["frame.number"] == r["middlebox.quote.syn_frame"])
            ttl = outer(probe["ip.ttl"])
            e = f"h{ttl}"
            hop_of[src] = e
            ents.append((e, f"{names.get(src, src)} {src}"))
            changes = " ".join(w for w in re.split(r" (?=[=~+-])", r["middlebox.quote.diff"]) if not w.startswith("="))
            lines.append(f'c=>{e} [label="probe SYN, TTL {ttl} (frame {probe["frame.number"]})"]')
            lines.append(f'{e}=>c [label="time exceeded, TTL {outer(r["ip.ttl"])} (frame {r["frame.number"]})\\n'
                         f'{q(changes) or "= unchanged"}"]')
        elif r["tcp.flags.syn"] == "1" and r["tcp.flags.ack"] == "1":
            probe = fields(cap, f"middlebox.synack_frame == {r['frame.number']}", "ip.ttl")[0]
            e = f"h{probe['ip.ttl']}"
            ents.append((e, f"{names.get(src, src)} {src}"))
            lines.append(f'c=>{e} [label="probe SYN, TTL {probe["ip.ttl"]} (frame {probe["frame.number"]})"]')
            lines.append(f'{e}=>c [label="SYN+ACK, TTL {r["ip.ttl"]} (frame {r["frame.number"]})\\n'
                         f'{r["middlebox.verdict"]}, {r["middlebox.hops"]} hops"]')
    lines.append(f"# {cap}: MSS 1460, MP_CAPABLE v0 and kind 222 in every probe")
    return msc(ents, lines, width="2.4")


def lab_names():
    return {"10.77.1.1": "router1", "10.77.2.2": "router2", "10.77.3.2": "middlebox", "10.77.4.2": "server",
            "10.77.5.2": "host"}


def lab_links():
    """[(ns1, if1, v4, v6, ns2, if2, v4, v6)] from run-lab.sh's veth lines, the lab's one description"""
    out = []
    for line in open(RUN_LAB):
        m = re.match(r"\s*veth (\S+) (\S+)\s+(\S+) (\S+)\s+(\S+) (\S+)\s+(\S+) (\S+)\s*$", line)
        if m:
            out.append(m.groups())
    return out


def lab_path():
    """the path with every link's addresses, and the TTL each sender's packets arrive with at the client
    (the ICMP errors and the host's SYN+ACK of the tracebox sweeps, IPv4 and IPv6)"""
    arrive = {}
    for cap, ttl_field, src_field in (("lab/tracebox-v4.pcapng", "ip.ttl", "ip.src"),
                                      ("lab/tracebox-v6.pcapng", "ipv6.hlim", "ipv6.src")):
        for r in fields(cap, "icmp or icmpv6 or (tcp.flags.syn == 1 and tcp.flags.ack == 1)", src_field, ttl_field):
            arrive.setdefault(outer(r[src_field]), outer(r[ttl_field]))
    nodes = {"client": "client", "r1": "router1", "r2": "router2", "mb": "middlebox", "server": "server",
             "host": "host"}
    addr_of = {}
    for ns1, _, a4, a6, ns2, _, b4, b6 in lab_links():
        addr_of.setdefault(ns1, []).append((a4.split("/")[0], a6.split("/")[0]))
        addr_of.setdefault(ns2, []).append((b4.split("/")[0], b6.split("/")[0]))
    lines = ['# drawn by tests/guide/figures.py from tests/lab/run-lab.sh (links) and lab/tracebox-v4.pcapng,',
             '# lab/tracebox-v6.pcapng (arrival TTLs); do not edit',
             'graph lab {', '  rankdir=TB; nodesep=0.5; ranksep=0.25;',
             '  node [shape=box, style="rounded,filled", fillcolor="#dde8f4", fontname="DejaVu Sans", fontsize=11];',
             '  edge [color="#555555"];']
    for ns, label in nodes.items():
        seen = [(a4, a6) for a4, a6 in addr_of.get(ns, []) if a4 in arrive or a6 in arrive]
        if seen:
            a4, a6 = seen[0]
            hops = 64 - int(arrive[a4])
            label += (f"\\nsends with 64; at the client: TTL {arrive[a4]} (IPv4), hop limit {arrive.get(a6, '?')} "
                      f"(IPv6): {hops} hop{'' if hops == 1 else 's'}")
        elif ns == "client":
            label += "\\nclient-side captures are taken on c-r1"
        lines.append(f'  {ns} [label="{label}"];')
    for i, (ns1, if1, a4, a6, ns2, if2, b4, b6) in enumerate(lab_links()):
        net4 = a4.rsplit(".", 1)[0] + ".0/24"
        net6 = a6.split("::")[0] + "::/64"
        lines.append(f'  link{i} [shape=plaintext, style="", fontsize=9, label="{net4}  {net6}\\n'
                     f'{nodes[ns1]} {if1}: {a4.split("/")[0]}, {a6.split("/")[0]}\\n'
                     f'{nodes[ns2]} {if2}: {b4.split("/")[0]}, {b6.split("/")[0]}"];')
        lines.append(f"  {ns1} -- link{i} -- {ns2};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def byte_table(title, cells, note):
    """an HTML-like Graphviz table: one column per byte; cells = [(field name, [bytes], meaning)]"""
    head = "".join(f'<TD COLSPAN="{len(b)}" BGCOLOR="#dde8f4"><B>{name}</B></TD>' for name, b, _ in cells)
    hexes = "".join(f'<TD>{x:02x}</TD>' for _, b, _ in cells for x in b)
    means = "".join(f'<TD COLSPAN="{len(b)}">{m}</TD>' for _, b, m in cells)
    n = sum(len(b) for _, b, _ in cells)
    return (f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            f'<TR><TD COLSPAN="{n}" ALIGN="LEFT"><B>{title}</B></TD></TR><TR>{head}</TR><TR>{hexes}</TR>'
            f'<TR>{means}</TR><TR><TD COLSPAN="{n}" ALIGN="LEFT">{note}</TD></TR></TABLE>')


def mpc_cells(o):
    cells = [("kind", o[0:1], "30 MPTCP"), ("length", o[1:2], str(o[1])),
             ("subtype | version", o[2:3], f"{o[2] >> 4} | v{o[2] & 15}"), ("flags", o[3:4], f"0x{o[3]:02x}")]
    if len(o) >= 12:
        cells.append(("sender's key (64 bits)", o[4:12], f"0x{o[4:12].hex()}"))
    return cells


def ts_cells(o):
    return [("kind", o[0:1], "8 TS"), ("length", o[1:2], str(o[1])),
            ("TSval", o[2:6], str(int.from_bytes(o[2:6], "big"))), ("TSecr", o[6:10], str(int.from_bytes(o[6:10], "big")))]


def graph_of_tables(name, tables):
    lines = [f"# drawn by tests/guide/figures.py from the captures named in each table; do not edit",
             f"digraph {name} {{", '  node [shape=plaintext, fontname="DejaVu Sans", fontsize=10]; rankdir=TB;']
    for i, t in enumerate(tables):
        lines.append(f"  t{i} [label=<{t}>];")
    lines.append("  " + " -> ".join(f"t{i}" for i in range(len(tables))) + " [style=invis];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mp_capable():
    v0 = "lab/echo-v0-key.pcapng"
    g = "lab/mptcp-genuine-join.pcapng"
    e1 = "lab/echo-kernel-v1.pcapng"
    v0syn, v0sa = (option(frame(v0, n, "tcp.options")["tcp.options"], 30) for n in (1, 2))
    v1syn, v1sa = (option(frame(g, n, "tcp.options")["tcp.options"], 30) for n in (1, 2))
    e1sa = option(frame(e1, 2, "tcp.options")["tcp.options"], 30)
    return graph_of_tables("mp_capable", [
        byte_table(f"v0 SYN ({v0}, frame 1)", mpc_cells(v0syn), "the client's key: v0 (RFC 6824) sends it in the SYN"),
        byte_table(f"its echo ({v0}, frame 2)", mpc_cells(v0sa),
                   "the same key came back: " + ("identical bytes" if v0sa == v0syn else "other bytes")),
        byte_table(f"v1 SYN ({g}, frame 1)", mpc_cells(v1syn), "v1 (RFC 8684): no key in the SYN, 4 bytes"),
        byte_table(f"v1 genuine SYN+ACK ({g}, frame 2)", mpc_cells(v1sa), "the server's own key, 12 bytes"),
        byte_table(f"v1 echo ({e1}, frame 2)", mpc_cells(e1sa), "the keyless SYN form in a SYN+ACK: a copy"),
    ])


def timestamps():
    e1 = "lab/echo-kernel-v1.pcapng"
    g = "lab/mptcp-genuine-join.pcapng"
    syn, echo = (option(frame(e1, n, "tcp.options")["tcp.options"], 8) for n in (1, 2))
    gsyn, gsa = (option(frame(g, n, "tcp.options")["tcp.options"], 8) for n in (1, 2))
    return graph_of_tables("timestamps", [
        byte_table(f"SYN ({e1}, frame 1)", ts_cells(syn), "TSecr 0: the client has received nothing yet"
                   if syn[6:10] == bytes(4) else "TSecr not 0: a TSval remembered from an earlier connection"),
        byte_table(f"echo ({e1}, frame 2)", ts_cells(echo), "TSecr is the SYN's TSecr: the option was copied"
                   if echo[6:10] == syn[6:10] else "TSecr differs from the SYN's"),
        byte_table(f"SYN ({g}, frame 1)", ts_cells(gsyn), "another connection, to the real server"),
        byte_table(f"genuine SYN+ACK ({g}, frame 2)", ts_cells(gsa), "TSecr = the SYN's TSval: acknowledged"
                   if gsa[6:10] == gsyn[2:6] else "TSecr is not the SYN's TSval"),
    ])


SOURCES = {  # name: (tool, function)
    "box-echo.msc": box_echo, "box-rewrite.msc": box_rewrite, "box-strip.msc": box_strip,
    "box-synproxy.msc": box_synproxy, "tracebox-sweep.msc": tracebox_sweep, "lab-path.dot": lab_path,
    "mp-capable.dot": mp_capable, "timestamps.dot": timestamps,
}


# ---------------------------------------------------------------- rendering
def render(src, outdir):
    """src.svg and src.png in outdir, by dot or mscgen"""
    base = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0])
    for fmt in ("svg", "png"):
        if src.endswith(".dot"):
            cmd = ["dot", f"-T{fmt}", "-Gdpi=110" if fmt == "png" else "-Gdpi=72", src, "-o", f"{base}.{fmt}"]
        else:
            cmd = ["mscgen", "-T", fmt, "-o", f"{base}.{fmt}", src]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"{' '.join(cmd[:3])} {os.path.basename(src)}: {r.stderr.strip()[:300]}"
    return None


def side_by_side(outdir):
    pngs = [os.path.join(outdir, b + ".png") for b in BOXES]
    r = subprocess.run(["montage", *pngs, "-tile", "2x", "-geometry", "+16+16", "-background", "white",
                        os.path.join(outdir, "box-types.png")], capture_output=True, text=True)
    return None if r.returncode == 0 else f"montage: {r.stderr.strip()[:300]}"


def svg_texts(path):
    return re.findall(r"<text[^>]*>([^<]*)</text>", open(path, encoding="utf-8").read())


def png_size(path):
    r = subprocess.run(["identify", "-format", "%w %h", path], capture_output=True, text=True)
    return r.stdout.strip()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    if mode not in ("write", "check"):
        raise SystemExit(__doc__)
    passed = failed = 0

    def report(ok, what, why=""):
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        print(("ok   " if ok else "FAIL ") + what + ("" if ok else f"\n     {why}"))

    for tool in ("dot", "mscgen", "montage", "identify"):
        report(shutil.which(tool) is not None, f"{tool} is installed", "scripts/install-deps.sh installs it")
    if failed:
        print(f"{passed} passed, {failed} failed")
        return 1
    os.makedirs(FIGURES, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in SOURCES.items():
            text = make()
            path = os.path.join(FIGURES, name)
            if mode == "write":
                open(path, "w").write(text)
                err = render(path, FIGURES)
                report(err is None, f"{name} written and rendered", err)
                continue
            old = open(path).read() if os.path.exists(path) else ""
            report(old == text, f"docs/figures/{name} shows what the captures hold today",
                   "differs from what the captures give (tests/guide/figures.py write redraws it):\n     "
                   + "\n     ".join(l for l in _diff(old, text)))
            fresh = os.path.join(tmp, name)
            open(fresh, "w").write(old)
            err = render(fresh, tmp)
            report(err is None, f"docs/figures/{name} renders", err)
            if err:
                continue
            stem = os.path.splitext(name)[0]
            svg = os.path.join(FIGURES, stem + ".svg")
            report(os.path.exists(svg) and svg_texts(svg) == svg_texts(os.path.join(tmp, stem + ".svg")),
                   f"docs/figures/{stem}.svg is the rendering of its source", "redraw it: tests/guide/figures.py write")
            png = os.path.join(FIGURES, stem + ".png")
            report(os.path.exists(png) and png_size(png) == png_size(os.path.join(tmp, stem + ".png")),
                   f"docs/figures/{stem}.png is the rendering of its source", "redraw it: tests/guide/figures.py write")
        if mode == "write":
            err = side_by_side(FIGURES)
            report(err is None, "box-types.png: the four box types side by side", err)
        else:
            err = side_by_side(tmp)
            report(err is None and png_size(os.path.join(FIGURES, "box-types.png")) ==
                   png_size(os.path.join(tmp, "box-types.png")),
                   "docs/figures/box-types.png joins the four box diagrams", err or "redraw it")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _diff(a, b):
    import difflib
    return list(difflib.unified_diff(a.splitlines(), b.splitlines(), "committed", "from the captures", n=0,
                                     lineterm=""))[:12]


if __name__ == "__main__":
    sys.exit(main())
