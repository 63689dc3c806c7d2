#!/usr/bin/env bash
# End-to-end test of the Suspected Middleboxes dialog in the real Wireshark:
# starts Xvfb, runs `wireshark` as an unprivileged user (root ignores
# personal plugins) with the built plugin and dialog library in its personal
# plugin folder, opens the dialog through Statistics > Middlebox Detection >
# Suspected Middleboxes… with xdotool, and checks what the dialog reports
# (MIDDLEBOX_QT_LOG=1 makes it log its rows, the frame it went to and the
# displayed count after a filter) and what Wireshark shows.
#
#   tests/gui/e2e.sh file   open v0-echo, Enter on the row (goes to the
#                           SYN+ACK), Alt+A (filter), reload, open kind222
#   tests/gui/e2e.sh live   capture from a pipe fed in two parts: the dialog
#                           fills as packets arrive
#   tests/gui/e2e.sh profile
#                           the Middlebox profile (plugin/profile/) on
#                           lab/echo-v0-key.pcapng: its echo color in the
#                           packet list, frame 2's Middlebox tree in a packet
#                           window, the dialog
#
# Screenshots go to tests/artifacts/ (or $MIDDLEBOX_ARTIFACTS). With
# MIDDLEBOX_SCREENSHOTS=DIR the profile mode also writes the README's
# pictures there, made small (docs/screenshots/).
# Exit 0 pass, 1 fail, 77 skip: only when no X server can be started.
set -uo pipefail

mode="${1:-file}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
artifacts="${MIDDLEBOX_ARTIFACTS:-$here/tests/artifacts}"
replicas="$here/test_captures/replicas"
SKIP=77

tmp=""
xvfb_pid=""
ws_pid=""
feeder_pid=""

log() { echo "e2e[$mode]: $*" >&2; }

# Wireshark and the feeder run in process groups of their own (setsid), so
# that their children (dumpcap, extcap helpers) go with them.
cleanup() {
  for p in "$feeder_pid" "$ws_pid"; do
    [ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null
  done
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  sleep 0.5
  for p in "$feeder_pid" "$ws_pid"; do
    [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null
  done
  [ -n "$xvfb_pid" ] && kill -KILL "$xvfb_pid" 2>/dev/null
  [ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  log "FAIL: $*"
  if [ -n "$tmp" ] && [ -f "$tmp/wireshark.log" ]; then
    log "--- wireshark output (last 40 lines) ---"
    tail -n 40 "$tmp/wireshark.log" >&2
  fi
  [ -n "${DISPLAY:-}" ] && import -window root "$artifacts/gui-$mode-failure.png" 2>/dev/null &&
    log "screenshot: $artifacts/gui-$mode-failure.png"
  exit 1
}

# --- prerequisites ----------------------------------------------------------
if ! command -v Xvfb >/dev/null 2>&1; then
  log "SKIP: Xvfb is not installed, no X server can be started (scripts/install-deps.sh installs xvfb)"
  exit $SKIP
fi
for tool in wireshark xdotool import; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (scripts/install-deps.sh)"
done
so="$(ls "$build"/plugins/*/epan/middlebox.so 2>/dev/null | head -n1 || true)"
[ -n "$so" ] || fail "no middlebox.so under $build/plugins (build first)"
epan="$(dirname "$so")"
series="$(basename "$(dirname "$epan")")"
[ -f "$epan/middlebox/middlebox-qt.so" ] || fail "no dialog library $epan/middlebox/middlebox-qt.so (build with MIDDLEBOX_QT=ON)"
mkdir -p "$artifacts"

tmp="$(mktemp -d /tmp/middlebox-gui.XXXXXX)"
chmod 755 "$tmp"

# --- X server ---------------------------------------------------------------
# -displayfd picks a free display number and writes it once the server listens.
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp -ac 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/display" ] && break
  kill -0 "$xvfb_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$tmp/display" ]; then
  log "SKIP: Xvfb could not start:"
  cat "$tmp/xvfb.log" >&2
  exit $SKIP
fi
export DISPLAY=":$(head -n1 "$tmp/display" | tr -d '[:space:]')"
xdotool getdisplaygeometry >/dev/null 2>&1 || { log "SKIP: cannot talk to the X server on $DISPLAY"; exit $SKIP; }
log "X server on $DISPLAY"

# --- an unprivileged user with the plugin in its personal folder -----------
home="$tmp/home"
mkdir -p "$home/.local/lib/wireshark/plugins/$series/epan" "$home/.config/wireshark" "$tmp/runtime" "$tmp/captures"
# Copies, not links: the build tree may sit where that user cannot reach it.
cp "$so" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox.so"
mkdir -p "$home/.local/lib/wireshark/plugins/$series/epan/middlebox"
cp "$epan/middlebox/middlebox-qt.so" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox/"
cp "$replicas"/v0-echo.pcapng "$replicas"/kind222.pcapng "$here/test_captures/lab/echo-v0-key.pcapng" "$tmp/captures/"
# The profile, as scripts/install-plugin.sh installs it (used by -C Middlebox only).
mkdir -p "$home/.config/wireshark/profiles/Middlebox"
cp "$here"/plugin/profile/* "$home/.config/wireshark/profiles/Middlebox/"
chmod -R a+rX "$tmp"
chmod 700 "$tmp/runtime"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$home" "$tmp/runtime" "$tmp/captures"
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi

start_wireshark() {
  HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_RUNTIME_DIR="$tmp/runtime" MIDDLEBOX_QT_LOG=1 \
    setsid "${run_as[@]}" wireshark "$@" >"$tmp/wireshark.log" 2>&1 &
  ws_pid=$!
}

# Waits up to $2 seconds for a window whose name matches $1; prints its id.
wait_window() {
  local pattern="$1" timeout="$2" id=""
  for _ in $(seq 1 $((timeout * 4))); do
    id="$(xdotool search --name "$pattern" 2>/dev/null | head -n1)"
    [ -n "$id" ] && { echo "$id"; return 0; }
    kill -0 "$ws_pid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

# Waits up to $2 seconds for the n-th ($3, default 1) log line matching the
# extended regex $1.
wait_log() {
  local regex="$1" timeout="$2" nth="${3:-1}"
  for _ in $(seq 1 $((timeout * 4))); do
    [ "$(grep -cE "$regex" "$tmp/wireshark.log")" -ge "$nth" ] && return 0
    kill -0 "$ws_pid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

shot() {
  import -window root "$artifacts/$1" || fail "screenshot $1"
  log "screenshot: $artifacts/$1"
}

main_window() {
  local id
  id="$(wait_window "$1" 90)" || fail "no main window titled '$1' (Wireshark did not start or open the capture)"
  xdotool windowmove "$id" 0 0 windowsize "$id" 1600 1000 >/dev/null 2>&1
  echo "$id"
}

# Statistics > Middlebox Detection > Suspected Middleboxes…, by keyboard:
# Alt+S opens Statistics, M (the submenu's mnemonic) opens Middlebox
# Detection, S (the entry's) fires it. Slower on each retry: a busy machine
# may not have mapped a menu before the next key arrives.
open_dialog() {
  local main="$1" id="" attempt
  for attempt in 1 2 3; do
    focus "$main"
    xdotool key alt+s
    sleep "$attempt"
    xdotool key m
    sleep "$attempt"
    xdotool key s
    id="$(wait_window 'Suspected Middleboxes' $((10 * attempt)))" && { echo "$id"; return 0; }
    log "the dialog did not open (attempt $attempt)"
    xdotool key Escape Escape Escape
    sleep 1
  done
  return 1
}

focus() { xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.3; }

# Focuses window $1 and presses key $2 until a log line matching $3 shows
# up (3 tries, $4 seconds each): a key sent to a busy GUI can get lost.
press_until() {
  local win="$1" key="$2" regex="$3" timeout="$4" attempt
  for attempt in 1 2 3; do
    focus "$win"
    xdotool key "$key"
    wait_log "$regex" "$timeout" && return 0
    log "no reaction to $key yet (attempt $attempt)"
  done
  return 1
}

# --- the tests ----------------------------------------------------------------
test_file() {
  start_wireshark -r "$tmp/captures/v0-echo.pcapng"
  local main dialog
  main="$(main_window '^v0-echo')"
  sleep 1
  dialog="$(open_dialog "$main")" || fail "the Suspected Middleboxes dialog did not open from the Statistics menu"
  log "dialog window $dialog: $(xdotool getwindowname "$dialog")"
  # The retap on open fills it: one suspect, 198.51.100.55:80, SYN+ACK in frame 2.
  wait_log '^middlebox-qt: rows 1 servers 1 suspects 1 handshakes 1 ' 30 ||
    fail "the dialog did not list the suspect of v0-echo (expected 'rows 1 servers 1 suspects 1')"
  shot gui-file-dialog.png

  # Enter on the selected row goes to its SYN+ACK.
  press_until "$dialog" Return '^middlebox-qt: goto 2$' 5 || fail "Enter did not go to frame 2"
  wait_log '^middlebox-qt: went displayed [0-9]+ of 3 current 2$' 10 ||
    fail "Wireshark's selected frame is not the SYN+ACK (frame 2)"

  # Alt+A: Apply as Filter for the row; Wireshark then displays the one SYN+ACK.
  press_until "$dialog" alt+a \
    '^middlebox-qt: filter middlebox.verdict in \{"mptcp-echo", "option-echo", "flag-echo"\} && ip.src == 198.51.100.55 && tcp.srcport == 80$' 5 ||
    fail "Apply as Filter (Alt+A) did not apply the row's filter"
  wait_log '^middlebox-qt: filtered displayed 1 of 3 ' 15 || fail "the filter does not display exactly the SYN+ACK (1 of 3)"
  shot gui-file-filtered.png

  # Reload (Ctrl+R): the listener sees the file again, the row stays.
  local before
  before="$(grep -cE '^middlebox-qt: rows 1 servers 1 suspects 1 ' "$tmp/wireshark.log")"
  focus "$main"
  xdotool key ctrl+r
  wait_log '^middlebox-qt: rows 1 servers 1 suspects 1 ' 30 $((before + 1)) || fail "no refresh after the reload (Ctrl+R)"

  # Another file (File > Open): the dialog follows it.
  focus "$main"
  xdotool key ctrl+o
  local open
  open="$(wait_window 'Open Capture File' 20)" || fail "the Open Capture File dialog did not appear"
  focus "$open"
  xdotool type --delay 15 "$tmp/captures/kind222.pcapng"
  xdotool key Return
  wait_window '^kind222' 30 >/dev/null || fail "kind222.pcapng did not open"
  wait_log '^middlebox-qt: rows 1 servers 2 suspects 1 handshakes 2 file .*kind222.pcapng$' 30 ||
    fail "the dialog did not follow the newly opened kind222.pcapng (expected 1 suspect of 2 servers)"
  wait_window 'Suspected Middleboxes · kind222' 10 >/dev/null || fail "the dialog's title does not name kind222.pcapng"
  shot gui-file-reopened.png

  # Escape closes it.
  press_until "$dialog" Escape '^middlebox-qt: closed$' 5 || fail "Escape did not close the dialog"
}

# Feeds a pcap stream to $tmp/pipe: the packets of the given pcapng files
# in order, times made increasing, with a pause after the first file's
# packets until $tmp/go exists. Then keeps the pipe open (the capture goes
# on) for at most 5 minutes.
start_feeder() {
  setsid python3 -c '
import os, struct, sys, subprocess, time
go, files = sys.argv[1], sys.argv[2:]
out = sys.stdout.buffer
t = 1_700_000_000
for n, f in enumerate(files):
    pcap = subprocess.run(["editcap", "-F", "pcap", f, "-"], check=True, capture_output=True).stdout
    if n == 0:
        out.write(pcap[:24])
    i = 24
    while i + 16 <= len(pcap):
        _, _, incl, orig = struct.unpack("<IIII", pcap[i:i + 16])
        t += 1
        out.write(struct.pack("<IIII", t, 0, incl, orig) + pcap[i + 16:i + 16 + incl])
        i += 16 + incl
    out.flush()
    deadline = time.time() + 300
    while n == 0 and not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.1)
time.sleep(300)
' "$tmp/go" "$@" >"$tmp/pipe" 2>"$tmp/feeder.log" &
  feeder_pid=$!
}

test_live() {
  command -v editcap >/dev/null || fail "editcap is not installed"
  mkfifo "$tmp/pipe"
  chmod 666 "$tmp/pipe"
  start_wireshark -k -i "$tmp/pipe"
  start_feeder "$tmp/captures/kind222.pcapng" "$tmp/captures/v0-echo.pcapng"
  local main dialog
  main="$(main_window 'Capturing from')"
  sleep 2
  dialog="$(open_dialog "$main")" || fail "the Suspected Middleboxes dialog did not open during a live capture"
  wait_log '^middlebox-qt: rows 1 servers 2 suspects 1 handshakes 2 ' 30 ||
    fail "the dialog did not list the first part's suspect (kind222: 1 of 2 servers)"
  # More packets arrive: the second suspect appears without reopening.
  touch "$tmp/go"
  wait_log '^middlebox-qt: rows 2 servers 3 suspects 2 handshakes 3 ' 30 ||
    fail "the dialog did not refresh when v0-echo's packets arrived (expected 2 suspects of 3 servers)"
  shot gui-live.png
}

# How many pixels of the screenshot $1 have the color $2 (#RRGGBB).
pixels_of() {
  convert "$1" -format %c histogram:info:- | awk -v c="$2" 'toupper($0) ~ toupper(c) {n += $1} END {print n + 0}'
}

# A README picture: the screenshot $1 (under $artifacts) made small.
readme_picture() {
  [ -n "${MIDDLEBOX_SCREENSHOTS:-}" ] || return 0
  mkdir -p "$MIDDLEBOX_SCREENSHOTS"
  convert "$artifacts/$1" -resize '1200x1200>' -colors 64 "PNG8:$MIDDLEBOX_SCREENSHOTS/$2" || fail "cannot write $MIDDLEBOX_SCREENSHOTS/$2"
  log "README picture: $MIDDLEBOX_SCREENSHOTS/$2"
}

test_profile() {
  # -g 2: frame 2, the echoing SYN+ACK, selected once the file is read.
  start_wireshark -C Middlebox -g 2 -r "$tmp/captures/echo-v0-key.pcapng"
  local main packet dialog
  main="$(main_window '^echo-v0-key')"
  # Lower than the other tests' window: six packets fill no more.
  xdotool windowsize "$main" 1600 640 >/dev/null 2>&1
  sleep 2
  # The profile's "Middlebox echo" rule (background 65535,26214,52428) paints
  # the echoing SYNs and SYN+ACKs not selected: frames 1, 4 and 5.
  import -window "$main" "$artifacts/gui-profile-list.png" || fail "screenshot gui-profile-list.png"
  log "screenshot: $artifacts/gui-profile-list.png"
  local painted
  painted="$(pixels_of "$artifacts/gui-profile-list.png" '#FF66CC')"
  [ "$painted" -ge 20000 ] || fail "the profile's echo color paints $painted pixels of the packet list (3 rows expected)"
  log "the echo rule paints $painted pixels"
  readme_picture gui-profile-list.png packet-list.png

  # View > Show Packet in New Window (Alt+V, W): frame 2's tree alone; a
  # click in its blank part focuses it, End selects the last protocol (the
  # Middlebox tree), Right expands it.
  focus "$main"
  xdotool key alt+v
  sleep 1
  xdotool key w
  packet="$(wait_window 'Packet 2 ' 20)" || fail "View > Show Packet in New Window did not open frame 2"
  xdotool windowmove "$packet" 0 0 windowsize "$packet" 1000 640 >/dev/null 2>&1
  sleep 1
  xdotool mousemove --window "$packet" 500 200 click 1
  sleep 0.5
  xdotool key End
  sleep 0.5
  xdotool key Right
  sleep 1
  import -window "$packet" "$artifacts/gui-profile-details.png" || fail "screenshot gui-profile-details.png"
  log "screenshot: $artifacts/gui-profile-details.png"
  readme_picture gui-profile-details.png packet-details.png
  xdotool key Escape
  sleep 1

  dialog="$(open_dialog "$main")" || fail "the Suspected Middleboxes dialog did not open in the Middlebox profile"
  # One server, 10.77.4.2:8222 and fd77:4::2:8222: two suspects of two.
  wait_log '^middlebox-qt: rows 2 servers 2 suspects 2 handshakes 2 ' 30 ||
    fail "the dialog did not list the two echoing servers of echo-v0-key"
  sleep 1
  import -window "$dialog" "$artifacts/gui-profile-dialog.png" || fail "screenshot gui-profile-dialog.png"
  log "screenshot: $artifacts/gui-profile-dialog.png"
  readme_picture gui-profile-dialog.png dialog.png
}

case "$mode" in
  file) test_file ;;
  live) test_live ;;
  profile) test_profile ;;
  *) echo "usage: $0 [file|live|profile]" >&2; exit 2 ;;
esac
log "PASS"
exit 0
