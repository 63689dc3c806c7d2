#!/usr/bin/python3
"""Checks test_captures/GUIDE.md and the exercises against the captures, with the real tshark
and the plugin (scripts/tshark-with-plugin.sh; the build tree is $MIDDLEBOX_BUILD, default ./build).

What it reads:

  * every "check table" of GUIDE.md, test_captures/exercises/ANSWERS.md and the lab handout
    test_captures/LAB.md, a Markdown table
    with the header  | capture | passes | display filter | frames |  Each row is a claim: run in
    the file's folder, `tshark -r CAPTURE -Y 'FILTER'` (with -2 when passes is 2) lists exactly
    FRAMES (numbers, ranges a-b, or "none"). `\\|` in a cell is a literal |.
  * the lab table between <!-- lab:table --> markers (written by tests/lab/lab.py): every lab
    capture is listed once, with its packet count, size, and frames per verdict as the plugin
    gives them in two passes.
  * every relative link and image ([..](path), ![..](path)) leads to a file;
  * every `backticked` name that starts with a protocol Wireshark knows (tcp.options.mptcp.sendkey,
    middlebox.quote.stripped, ...) must be a field or protocol of this tshark with the plugin, and
    every capture path named (lab/X.pcapng, replicas/X.pcapng, exercises/X.pcapng) must exist.
  * in ANSWERS.md, a row whose passes is 2 gives other frames in one pass (the column answers the
    exercises' "does it need two passes?");
  * every numbered section of GUIDE.md (core 0-N, reference R1-RN) whose heading names a capture has check rows for it; every
    exercise of exercises/README.md has an answer in ANSWERS.md with check rows for its capture;
    exercise captures carry no packet comments.

    tests/guide/check_guide.py [--guide FILE] [--answers FILE] [--handout FILE] [-v]
Ends with the line 'N passed, N failed'; exits non-zero on any failure.
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import tempfile
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TSHARK = os.path.join(ROOT, "scripts", "tshark-with-plugin.sh")
CAPTURES = os.path.join(ROOT, "test_captures")
HEADER = ["capture", "passes", "display filter", "frames"]
CAPTURE_PATH = re.compile(r"\b((?:lab|replicas|exercises)/[A-Za-z0-9_.-]+?\.pcapng)\b")


class Claim:
    """`tshark -r CAPTURE [-2] -Y FILTER` lists exactly FRAMES"""
    def __init__(self, where, capture, passes, flt, frames, section="", source=None, shown=None):
        self.where, self.capture, self.passes, self.filter, self.frames = where, capture, passes, flt, frames
        self.section, self.source = section, source
        self.shown = shown or os.path.relpath(capture, CAPTURES)
        self.got = None      # frames tshark gave, or an error string
        self.two_of = None   # a one-pass twin of an answer's two-pass claim: must give other frames

    def command(self):
        two = " -2" if self.passes == 2 else ""
        return f"tshark -r {self.shown}{two} -Y '{self.filter}'"


def tshark(*args):
    r = subprocess.run([TSHARK, *args], capture_output=True, text=True)
    err = "\n".join(l for l in r.stderr.splitlines() if not l.startswith("Running as user"))
    return r.returncode, r.stdout, err


def split_cells(line):
    """cells of a Markdown table line; \\| is a literal |"""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.strip().replace("\\|", "|") for c in cells]


def unquote(cell):
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == "`" and cell[-1] == "`":
        return cell[1:-1]
    return cell


def parse_frames(cell):
    cell = cell.strip()
    if cell.lower() == "none":
        return set()
    out = set()
    for part in re.split(r"\s*,\s*", cell):
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"range {part} goes backwards")
            out.update(range(a, b + 1))
        elif re.fullmatch(r"\d+", part):
            out.add(int(part))
        else:
            raise ValueError(f"cannot read frames {cell!r}")
    return out


def fmt(frames):
    return ", ".join(map(str, sorted(frames))) or "none"


def sections(text):
    """(heading, first line number, [(line number, line)]) for each '## ' section"""
    out, cur = [], ("(top)", 1, [])
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            out.append(cur)
            cur = (line[3:].strip(), n, [])
        cur[2].append((n, line))
    out.append(cur)
    return out


def check_rows(path):
    """the claims of a Markdown file's check tables, and the problems found reading them"""
    claims, problems = [], []
    base = os.path.dirname(path)
    text = open(path, encoding="utf-8").read()
    for heading, _, lines in sections(text):
        in_table = False
        for n, line in lines:
            if not line.strip().startswith("|"):
                in_table = False
                continue
            cells = split_cells(line)
            if [c.lower() for c in cells] == HEADER:
                in_table = True
                continue
            if not in_table or re.fullmatch(r"[\s|:-]+", line):
                continue
            where = f"{os.path.relpath(path, ROOT)}:{n}"
            if len(cells) != 4:
                problems.append(f"{where}: a check row needs 4 cells, has {len(cells)}: {line.strip()}")
                continue
            cap, passes, flt, frames = unquote(cells[0]), cells[1].strip(), unquote(cells[2]), cells[3]
            if passes not in ("1", "2"):
                problems.append(f"{where}: passes must be 1 or 2, not {passes!r}")
                continue
            if not os.path.exists(os.path.join(base, cap)):
                problems.append(f"{where}: no capture {cap}")
                continue
            try:
                want = parse_frames(frames)
            except ValueError as e:
                problems.append(f"{where}: {e}")
                continue
            claims.append(Claim(where, os.path.realpath(os.path.join(base, cap)), int(passes), flt, want,
                                section=heading, source=path, shown=cap))
    return claims, problems


def run_group(capture, passes, claims, tmp):
    """every claim on one capture and pass count, in one tshark run: each filter is a tap
    listener (claims.lua), which prints the frames it saw at the end; the same run prints, with
    -Y and the filters' disjunction, the frames -Y selects (tap listeners see every frame), which
    must be the union of what the listeners saw, so that the listeners agree with -Y"""
    fd, flist = tempfile.mkstemp(dir=tmp, suffix=".txt")
    with os.fdopen(fd, "w") as f:
        for c in claims:
            f.write(c.filter.replace("\n", " ") + "\n")
    os.chmod(flist, 0o644)
    lua = ["-X", f"lua_script:{os.path.join(tmp, 'claims.lua')}", "-X", f"lua_script1:{flist}"]
    args = ["-r", capture, "-n"] + (["-2"] if passes == 2 else [])
    flt = " or ".join(f"({c.filter})" for c in claims)
    rc, out, err = tshark(*args, *lua, "-Y", flt, "-T", "fields", "-e", "frame.number")
    if rc != 0 or err:
        # a filter that does not compile: the listeners alone, to say which
        rc, out, err = tshark(*args, *lua, "-q")
        if rc != 0 or err:
            for c in claims:
                c.got = f"tshark failed (exit {rc}): {err.strip()[:300]}"
            return None
        read_listeners(out, claims)
        return None
    union, _ = read_listeners(out, claims)
    got = {int(l) for l in out.splitlines() if "\t" not in l and l.strip().isdigit()}  # -Y prints no tab
    if got != union:
        return (f"{os.path.relpath(capture, ROOT)} ({passes} passes): tshark -Y with the disjunction of the filters "
                f"gives {fmt(got)}, the tap listeners {fmt(union)}")
    return None


def read_listeners(out, claims):
    lines = dict(l.split("\t", 1) for l in out.splitlines() if "\t" in l)
    union, valid = set(), []
    for i, c in enumerate(claims, 1):
        v = lines.get(str(i))
        if v is None:
            c.got = "claims.lua printed nothing for this filter"
        elif v.startswith("ERROR"):
            c.got = v
        else:
            c.got = {int(x) for x in v.split(",") if x}
            union |= c.got
            valid.append(c)
    return union, valid


def run_exact(claim):
    args = ["-r", claim.capture, "-n"] + (["-2"] if claim.passes == 2 else [])
    rc, out, err = tshark(*args, "-Y", claim.filter, "-T", "fields", "-e", "frame.number")
    claim.got = f"tshark failed (exit {rc}): {err.strip()[:300]}" if rc != 0 or err else {int(x) for x in out.split()}


def lab_table(path):
    """claims made from the lab table (two passes: the file's frames, each verdict's frames, all
    frames with a verdict), and the problems found reading it"""
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<!-- lab:table -->\n(.*?)<!-- /lab:table -->", text, re.S)
    if not m:
        return None, [f"{os.path.relpath(path, ROOT)}: no <!-- lab:table --> ... <!-- /lab:table -->"]
    line0 = text[:m.start(1)].count("\n") + 1
    claims, problems, names = [], [], []
    for k, line in enumerate(m.group(1).splitlines()):
        cells = split_cells(line)
        if len(cells) != 5 or cells[0] == "capture" or re.fullmatch(r"[\s|:-]+", line):
            continue
        where = f"{os.path.relpath(path, ROOT)}:{line0 + k} (lab table)"
        name = unquote(cells[0])
        names.append(name)
        cap = os.path.join(CAPTURES, name)
        if not os.path.exists(cap):
            problems.append(f"{where}: no capture {name}")
            continue
        packets, size, per_verdict, which = cells[1:]
        if size != f"{os.path.getsize(cap) / 1024:.1f} KB":
            problems.append(f"{where}: size {size} listed, {name} has {os.path.getsize(cap) / 1024:.1f} KB")
        try:
            frames = {}
            for part in which.split(";"):
                v, fr = part.split(":")
                frames[v.strip()] = parse_frames(fr)
            counts = dict((v, int(c)) for v, c in (p.strip().rsplit(" ", 1) for p in per_verdict.split(",")))
        except ValueError as e:
            problems.append(f"{where}: cannot read the row: {e}")
            continue
        if counts != {v: len(f) for v, f in frames.items()}:
            problems.append(f"{where}: frames per verdict {per_verdict!r} do not count the frames listed")
        claims.append(Claim(where, cap, 2, "frame", set(range(1, int(packets) + 1)), source=path))
        claims.append(Claim(where, cap, 2, "middlebox.verdict", set().union(*frames.values()), source=path))
        for v, f in frames.items():
            claims.append(Claim(where, cap, 2, f'middlebox.verdict == "{v}"', f, source=path))
    return (claims, names), problems


def known_prefs():
    """preference names (tcp.relative_sequence_numbers, ...), for `-o NAME:VALUE` in the text"""
    rc, out, _ = tshark("-G", "defaultprefs")
    return {m.group(1) for m in re.finditer(r"^#?([a-z][\w-]*\.[\w.]+):", out, re.M)}


def known_names():
    rc, out, err = tshark("-G", "fields")
    if rc != 0:
        raise SystemExit(f"tshark -G fields failed: {err}")
    fields, protos = set(), set()
    for line in out.splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and len(cols) > 2:
            fields.add(cols[2])
        elif cols[0] == "P" and len(cols) > 2:
            protos.add(cols[2])
    return fields, protos


def named_fields(text):
    """(line, name) for each dotted name inside `backticks` (display filters included); a name
    written `prefix.*` comes as 'prefix.*'"""
    for n, line in enumerate(text.splitlines(), 1):
        for code in re.findall(r"`([^`]+)`", line):
            for name, star in re.findall(r"(?<![\w./-])([a-z][a-z0-9_-]*(?:\.[a-z0-9_]+)+)(\.\*)?(?![\w/-])", code):
                yield n, name + star


def check_names(path, fields, protos, prefs=frozenset()):
    problems = []
    text = open(path, encoding="utf-8").read()
    base = os.path.dirname(path)
    for n, name in named_fields(text):
        first = name.split(".")[0]
        if name.endswith(".*"):
            if first in protos and not any(f.startswith(name[:-1]) for f in fields):
                problems.append(f"{os.path.relpath(path, ROOT)}:{n}: no field of this tshark starts with `{name[:-1]}`")
        elif first in protos and name not in fields and name not in protos and name not in prefs:
            problems.append(f"{os.path.relpath(path, ROOT)}:{n}: `{name}` is no field of this tshark")
    for n, line in enumerate(text.splitlines(), 1):
        for link in re.findall(r"\]\(([^)#\s]+)\)", line):
            if not re.match(r"[a-z]+:", link) and not os.path.exists(os.path.join(base, link)):
                problems.append(f"{os.path.relpath(path, ROOT)}:{n}: the link {link} leads nowhere")
        for cap in CAPTURE_PATH.findall(line):
            if not (os.path.exists(os.path.join(base, cap)) or os.path.exists(os.path.join(CAPTURES, cap))):
                problems.append(f"{os.path.relpath(path, ROOT)}:{n}: no capture {cap}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guide", default=os.path.join(CAPTURES, "GUIDE.md"))
    ap.add_argument("--answers", default=os.path.join(CAPTURES, "exercises", "ANSWERS.md"))
    ap.add_argument("--questions", default=os.path.join(CAPTURES, "exercises", "README.md"))
    ap.add_argument("--handout", default=os.path.join(CAPTURES, "LAB.md"))
    ap.add_argument("--exact", action="store_true",
                    help="run every claim as its own `tshark -Y` (slower) instead of one run per capture")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, 2 * (os.cpu_count() or 1)))
    a = ap.parse_args()
    t0 = time.time()
    passed = failed = 0

    def report(ok, what, why=None):
        nonlocal passed, failed
        if ok:
            passed += 1
            if a.verbose:
                print(f"ok   {what}")
        else:
            failed += 1
            print(f"FAIL {what}\n     {why}")

    fields, protos = known_names()
    prefs = known_prefs()
    guide_text = open(a.guide, encoding="utf-8").read()

    # 1. the claims: check tables of the guide and the answers, the lab table
    claims, problems = [], []
    for path in (a.guide, a.answers, a.handout):
        c, p = check_rows(path)
        claims += c
        problems += p
    table_claims = len(claims)
    # in the answers, "passes" is itself an answer ("does it need two passes?"): a row says 2 only
    # when one pass gives other frames
    for c in list(claims):
        if c.source == a.answers and c.passes == 2:
            twin = Claim(c.where, c.capture, 1, c.filter, c.frames, section=c.section, source=c.source, shown=c.shown)
            twin.two_of = c
            claims.append(twin)
    lab, p = lab_table(a.guide)
    problems += p
    lab_names = []
    if lab:
        claims += lab[0]
        lab_names = lab[1]
    for p in problems:
        report(False, "reading the claims", p)
    guards = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)            # tshark runs as nobody when we are root
        shutil.copy(os.path.join(HERE, "claims.lua"), os.path.join(tmp, "claims.lua"))
        os.chmod(os.path.join(tmp, "claims.lua"), 0o644)
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            if a.exact:
                list(pool.map(run_exact, claims))
            else:
                groups = {}
                for c in claims:
                    groups.setdefault((c.capture, c.passes), []).append(c)
                guards = list(pool.map(lambda kv: run_group(kv[0][0], kv[0][1], kv[1], tmp), sorted(groups.items())))
    for c in claims:
        if c.two_of is not None:
            if isinstance(c.got, set):
                report(c.got != c.frames, f"{c.where} needs two passes: {c.command()} gives other frames",
                       f"one pass gives the same frames, {fmt(c.got)}: the row must say 1 (the answer to "
                       f"'does it need two passes?' is no)")
            else:
                report(False, f"{c.where} {c.command()}", c.got or "not run")
            continue
        if isinstance(c.got, set):
            why = None if c.got == c.frames else (f"expected frames {fmt(c.frames)}, tshark gives {fmt(c.got)} "
                                                  f"(missing: {fmt(c.frames - c.got)}; extra: {fmt(c.got - c.frames)})")
        else:
            why = c.got or "not run"
        report(why is None, f"{c.where} {c.command()}", why)
    for g in guards:
        report(g is None, "tap listeners agree with tshark -Y", g)
    on_disk = {os.path.relpath(p, CAPTURES) for p in glob.glob(os.path.join(CAPTURES, "lab", "*.pcapng"))}
    report(sorted(lab_names) == sorted(on_disk), "the lab table lists every lab capture once",
           f"missing: {sorted(on_disk - set(lab_names))}; not on disk: {sorted(set(lab_names) - on_disk)}; "
           f"twice: {sorted({n for n in lab_names if lab_names.count(n) > 1})}")

    # 2. names: fields, protocols, captures
    for path in (a.guide, a.questions, a.answers, a.handout):
        p = check_names(path, fields, protos, prefs)
        report(not p, f"{os.path.relpath(path, ROOT)}: every field and capture named exists", "\n     ".join(p))

    # 3. structure: each section about a capture checks it; each exercise has checked answers
    by_section = {}
    for c in claims[:table_claims]:
        if c.source == a.guide:
            by_section.setdefault(c.section, set()).add(c.shown)
    for heading, n, _ in sections(guide_text):
        if not re.match(r"R?\d+\.", heading):
            continue
        missing = set(CAPTURE_PATH.findall(heading)) - by_section.get(heading, set())
        report(not missing, f"GUIDE.md:{n} section '{heading[:60]}' has check rows for its captures",
               f"no check row for {sorted(missing)}")
    questions = open(a.questions, encoding="utf-8").read()
    answered = {}
    for c in claims[:table_claims]:
        if c.source == a.answers:
            answered.setdefault(c.section, set()).add(os.path.basename(c.capture))
    n_ex = 0
    for heading, n, body in sections(questions):
        m = re.match(r"Exercise (\d+)", heading)
        if not m:
            continue
        n_ex += 1
        caps = {os.path.basename(x) for x in re.findall(r"\b(ex\d+\.pcapng)\b", heading + " ".join(l for _, l in body))}
        got = set().union(*[v for h, v in answered.items() if re.match(rf"Exercise {m.group(1)}\b", h)])
        report(bool(caps) and caps <= got, f"exercise {m.group(1)} ({', '.join(sorted(caps))}) has checked answers",
               f"ANSWERS.md needs a section 'Exercise {m.group(1)}' with check rows for {sorted(caps)}")
    report(n_ex > 0, "exercises/README.md has exercises", "no '## Exercise N' section")
    for cap in sorted(glob.glob(os.path.join(CAPTURES, "exercises", "*.pcapng"))):
        rc, out, err = tshark("-r", cap, "-Y", "frame.comment", "-T", "fields", "-e", "frame.number")
        report(rc == 0 and not out.strip() and not err, f"{os.path.relpath(cap, ROOT)} carries no packet comments",
               f"frames with comments: {out.split()[:10]} {err}")

    twins = sum(1 for c in claims if c.two_of is not None)
    print(f"{table_claims} claims from check tables, {twins} one-pass twins of the answers' two-pass rows, "
          f"{len(claims) - table_claims - twins} from the lab table "
          f"({'one tshark run per claim' if a.exact else 'one tshark run per capture and pass count'}); "
          f"{time.time() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
