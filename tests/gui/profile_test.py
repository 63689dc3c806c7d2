#!/usr/bin/python3
"""The "Middlebox" configuration profile (plugin/profile/) with the real tshark and the plugin:

  * every display filter in it compiles: each coloring rule, each filter button, each custom
    column's fields (tshark -Y, no error, nothing on stderr);
  * installed as a personal profile, `tshark -C Middlebox` prints its columns (the verdict, the
    SYN frame, the option diff) and colors with its rules (--color, frame.coloring_rule.name);
  * each filter button selects the frames it is meant to.

Run as root it runs tshark as "nobody" (root ignores personal plugins and profiles are per user).
MIDDLEBOX_BUILD is the build tree (default ./build). Exits non-zero on any failure.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROFILE = os.path.join(ROOT, "plugin", "profile")
CAPTURES = os.path.join(ROOT, "test_captures")
BUILD = os.path.abspath(os.environ.get("MIDDLEBOX_BUILD", os.path.join(ROOT, "build")))

# (capture, passes, frame) -> the coloring rule that must color it with the profile.
COLORED = [
    ("lab/echo-v0-key.pcapng", 2, 1, "Middlebox echo"),
    ("lab/echo-v0-key.pcapng", 1, 2, "Middlebox echo"),
    ("lab/echo-v0-key.pcapng", 1, 3, "TCP RST"),
    ("lab/tracebox-v4.pcapng", 1, 8, "Middlebox stripped option"),
    ("lab/tracebox-v4.pcapng", 1, 6, "ICMP errors"),
    ("lab/synproxy-client.pcapng", 2, 2, "Middlebox hop mismatch"),
    ("lab/mptcp-genuine-join.pcapng", 2, 2, "Middlebox genuine MPTCP"),
    ("lab/mptcp-genuine-join.pcapng", 2, 6, "TCP SYN/FIN"),
]
# filter button label -> (capture, passes, the frames it displays).
BUTTONS = {
    "Echoes": ("lab/echo-v0-key.pcapng", 2, [1, 2, 4, 5]),
    "Genuine MPTCP": ("lab/mptcp-genuine-join.pcapng", 2, [1, 2, 26, 27]),
    "Stripped": ("lab/tracebox-v4.pcapng", 1, [8]),
    "Hop mismatch": ("lab/synproxy-client.pcapng", 2, [2, 20, 38, 56]),
    "SYN proxy": ("lab/synproxy-client.pcapng", 2, [2, 20, 38, 56]),
    "Suspect servers": ("lab/option222-echo-vs-linux.pcapng", 2, [1, 2, 7, 8]),
}
# Lines of `tshark -C Middlebox` (the profile's columns) that must appear whole, per capture.
SUMMARY = {
    "lab/echo-v0-key.pcapng": [
        "    2   0.019951    10.77.4.2 → 10.77.1.2    MPTCP 86 mptcp-echo 1 =MSS 1460 =SACK_PERM "
        "=TS 408691813/0 =WS 7 =MP_CAPABLE v0 key 0x222eb7a66949dc40 8222 → 41031 [SYN, ACK] "
        "Seq=0 Ack=1 Win=65535 Len=0 MSS=1460 SACK_PERM TSval=408691813 TSecr=0 WS=128 "
        "[MP_CAPABLE echoed: middlebox]",
    ],
}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def unescape_uat(text):
    """A UAT string field (dfilter_buttons): \\xNN escapes, as Wireshark writes them."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def coloring_rules():
    """(name, filter) of every rule in the profile's colorfilters."""
    rules = []
    with open(os.path.join(PROFILE, "colorfilters"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^!?@([^@]*)@(.*)@\[\d+,\d+,\d+\]\[\d+,\d+,\d+\]$", line.rstrip("\n"))
            if m:
                rules.append((m.group(1), m.group(2)))
            elif line.strip() and not line.startswith("#"):
                fail("colorfilters: not a coloring rule: " + line.rstrip())
    return rules


def filter_buttons():
    """label -> filter of every button in the profile's dfilter_buttons."""
    buttons = {}
    with open(os.path.join(PROFILE, "dfilter_buttons"), encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            if len(fields) != 4 or fields[0] != "TRUE":
                fail("dfilter_buttons: not an enabled button of 4 fields: " + line.rstrip())
                continue
            buttons[unescape_uat(fields[1])] = unescape_uat(fields[2])
    return buttons


def column_fields():
    """The field expression of every custom column in the profile's preferences."""
    with open(os.path.join(PROFILE, "preferences"), encoding="utf-8") as f:
        return re.findall(r'"%Cus:(.*?):\d+:[RU]"', f.read())


class Tshark:
    """The real tshark with the built plugin and the profile installed for its user."""

    def __init__(self):
        so = sorted(glob.glob(os.path.join(BUILD, "plugins", "*", "epan", "middlebox.so")))
        if not so:
            sys.exit("profile_test: no middlebox.so under %s/plugins (build first)" % BUILD)
        series = os.path.basename(os.path.dirname(os.path.dirname(so[0])))
        self.home = tempfile.mkdtemp(prefix="middlebox-profile.")
        os.chmod(self.home, 0o755)
        plugins = os.path.join(self.home, ".local", "lib", "wireshark", "plugins", series, "epan")
        os.makedirs(plugins)
        shutil.copy(so[0], plugins)
        shutil.copytree(PROFILE, os.path.join(self.home, ".config", "wireshark", "profiles", "Middlebox"))
        self.captures = os.path.join(self.home, "captures")
        shutil.copytree(CAPTURES, self.captures, ignore=shutil.ignore_patterns("*.tsv", "*.md"))
        self.prefix = []
        if os.getuid() == 0:
            for d, _, files in os.walk(self.home):
                for p in [d] + [os.path.join(d, f) for f in files]:
                    os.chown(p, 65534, 65534)
            self.prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]

    def run(self, args):
        env = dict(os.environ, HOME=self.home, XDG_CONFIG_HOME=os.path.join(self.home, ".config"))
        return subprocess.run(self.prefix + ["tshark"] + args, cwd=self.captures, env=env,
                              capture_output=True, text=True)

    def read(self, capture, passes, args):
        return self.run(["-r", capture] + (["-2"] if passes == 2 else []) + args)

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)


def check_compiles(ts, what, dfilter):
    r = ts.read("lab/echo-v0-key.pcapng", 1, ["-Y", dfilter])
    noise = [l for l in r.stderr.splitlines() if "Running as user" not in l]
    if r.returncode != 0 or noise:
        fail("%s: the filter '%s' does not compile: %s" % (what, dfilter, r.stderr.strip()))


def main():
    ts = Tshark()
    try:
        rules = coloring_rules()
        buttons = filter_buttons()
        columns = column_fields()
        if len(columns) != 3:
            fail("preferences: expected 3 custom columns (verdict, SYN frame, option diff), found %r" % columns)
        for name, dfilter in rules:
            check_compiles(ts, "coloring rule '%s'" % name, dfilter)
        for label, dfilter in buttons.items():
            check_compiles(ts, "filter button '%s'" % label, dfilter)
        for fields in columns:
            check_compiles(ts, "column '%s'" % fields, fields)

        for capture, passes, frame, rule in COLORED:
            r = ts.read(capture, passes, ["-C", "Middlebox", "--color", "-Y", "frame.number == %d" % frame,
                                          "-T", "fields", "-e", "frame.coloring_rule.name"])
            got = r.stdout.strip()
            if got != rule:
                fail("%s frame %d (%d pass): colored by '%s', expected '%s' %s" % (
                    capture, frame, passes, got, rule, r.stderr.strip()))

        if sorted(buttons) != sorted(BUTTONS):
            fail("filter buttons %s, the test knows %s" % (sorted(buttons), sorted(BUTTONS)))
        for label, (capture, passes, frames) in BUTTONS.items():
            if label not in buttons:
                continue
            r = ts.read(capture, passes, ["-Y", buttons[label], "-T", "fields", "-e", "frame.number"])
            got = [int(x) for x in r.stdout.split()]
            if got != frames:
                fail("button '%s' on %s: frames %s, expected %s" % (label, capture, got, frames))

        for capture, lines in SUMMARY.items():
            with_profile = ts.read(capture, 1, ["-C", "Middlebox"]).stdout.splitlines()
            without = ts.read(capture, 1, []).stdout.splitlines()
            for line in lines:
                if line not in with_profile:
                    fail("tshark -C Middlebox -r %s: no line\n  %s\nin\n  %s" % (
                        capture, line, "\n  ".join(with_profile)))
                if line in without:
                    fail("tshark -r %s without the profile already prints the profile's columns" % capture)
        r = ts.run(["-C", "NoSuchProfile", "-r", "lab/echo-v0-key.pcapng"])
        if r.returncode == 0:
            fail("tshark -C accepts a profile that does not exist: the -C checks above prove nothing")
    finally:
        ts.close()
    checked = len(rules) + len(buttons) + len(columns)
    print("profile_test: %d filters compile, %d colorings, %d buttons, %d summary lines; %d failed" % (
        checked, len(COLORED), len(BUTTONS), sum(len(v) for v in SUMMARY.values()), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
