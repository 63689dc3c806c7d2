#!/usr/bin/env bash
# The Suspected Middleboxes dialog at scan scale: opens the
# 1M-handshake bench capture in the real wireshark under Xvfb (as an
# unprivileged user, the plugin and dialog library copied from the build into
# its personal plugin folder, as tests/gui/e2e.sh does), waits until the file
# is loaded (wireshark's CPU time stops moving), reads its RSS, fires
# Statistics > Middlebox Detection > Suspected Middleboxes… with xdotool and
# measures the time from that key press to the dialog's window, and to its
# rows for the whole file (the MIDDLEBOX_QT_LOG line "rows .. handshakes N"
# with N the capture's handshakes: the refresh after the retap the dialog
# asks for), then the RSS again once wireshark is idle. Then it ticks "Show
# servers without echoes" (Alt+W), whose rows the dialog builds only then,
# and times that key press to the log line of every server's row, and the
# RSS once idle again. Screenshots of each moment. Not part of the test
# suite: minutes, GiBs.
#
#   bench/dialog_scale.sh [--build DIR] [--capture FILE] [--out DIR] [--label NAME]
#
# The capture defaults to /tmp/scan-1m.pcap, made if missing with
# bench/gen_scan.py -n 1000000 --data 0.1 --seed 6 (bench/RESULTS.md's).
# A build of this commit or later also logs MIDDLEBOX_QT_TIMING lines (how
# long each refresh took inside the dialog); they are printed too.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$here/build"
capture=/tmp/scan-1m.pcap
out=/tmp/middlebox-dialog-scale
label=run
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --capture) capture="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--capture FILE] [--out DIR] [--label NAME]" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
mkdir -p "$out"
log() { echo "dialog_scale[$label]: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

if [ ! -f "$capture" ]; then
  log "generating $capture"
  python3 "$here/bench/gen_scan.py" -n 1000000 --data 0.1 --seed 6 -o "$capture" >/dev/null || die "gen_scan"
fi
expected="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["handshakes"])' "$capture.truth.json")"
so="$(ls "$build"/plugins/*/epan/middlebox.so 2>/dev/null | head -n1)"
[ -n "$so" ] || die "no middlebox.so under $build/plugins"
epan="$(dirname "$so")"
series="$(basename "$(dirname "$epan")")"
[ -f "$epan/middlebox/middlebox-qt.so" ] || die "no dialog library under $epan/middlebox"

tmp="$(mktemp -d /tmp/middlebox-scale.XXXXXX)"
chmod 755 "$tmp"
xvfb_pid="" ws_pid=""
cleanup() {
  [ -n "$ws_pid" ] && kill -TERM -- "-$ws_pid" 2>/dev/null
  sleep 1
  [ -n "$ws_pid" ] && kill -KILL -- "-$ws_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp -ac 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || die "Xvfb did not start"
export DISPLAY=":$(head -n1 "$tmp/display" | tr -d '[:space:]')"

home="$tmp/home"
plug="$home/.local/lib/wireshark/plugins/$series/epan"
mkdir -p "$plug/middlebox" "$home/.config/wireshark" "$tmp/runtime"
cp "$so" "$plug/middlebox.so"
cp "$epan/middlebox/middlebox-qt.so" "$plug/middlebox/"
chmod -R a+rX "$tmp"
chmod 700 "$tmp/runtime"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$home" "$tmp/runtime"
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_RUNTIME_DIR="$tmp/runtime" MIDDLEBOX_QT_LOG=1 MIDDLEBOX_QT_TIMING=1 \
  setsid "${run_as[@]}" wireshark -r "$capture" >"$tmp/wireshark.log" 2>&1 &
ws_pid=$!
now() { date +%s.%N; }
# The wireshark process itself (setpriv execs it: same pid).
pid="$ws_pid"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Until wireshark's CPU time moves less than 2 ticks a second for 5 s.
wait_idle() {
  local last cur quiet=0
  last="$(cpu)"
  for _ in $(seq 1 1200); do
    sleep 1
    kill -0 "$pid" 2>/dev/null || die "wireshark exited"
    cur="$(cpu)"
    if [ $((cur - last)) -lt 2 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    last="$cur"
    [ "$quiet" -ge 5 ] && return 0
  done
  die "wireshark never became idle"
}

# The time a line of wireshark's log first matches $1 (polled every 0.1 s,
# at most $2 times); fails when none does.
when_logged() {
  for _ in $(seq 1 "$2"); do
    if grep -qE "$1" "$tmp/wireshark.log"; then now; return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start="$(now)"
main=""
for _ in $(seq 1 600); do
  main="$(xdotool search --name "$(basename "$capture")" 2>/dev/null | head -n1)"
  [ -n "$main" ] && break
  sleep 0.5
done
[ -n "$main" ] || die "no main window"
xdotool windowmove "$main" 0 0 windowsize "$main" 1600 1000 >/dev/null 2>&1
wait_idle
loaded="$(now)"
rss_loaded="$(rss)"
log "loaded in $(echo "$loaded - $start" | bc) s (including 5 s idle), VmRSS $rss_loaded kB"
import -window root "$out/$label-loaded.png"

xdotool windowfocus --sync "$main" 2>/dev/null; sleep 0.5
xdotool key alt+s; sleep 1.5
xdotool key m; sleep 1.5
t0="$(now)"
xdotool key s
win=""
for _ in $(seq 1 1200); do
  win="$(xdotool search --name 'Suspected Middleboxes' 2>/dev/null | head -n1)"
  [ -n "$win" ] && break
  sleep 0.05
done
[ -n "$win" ] || die "the dialog did not open"
t_window="$(now)"
t_rows="$(when_logged "^middlebox-qt: rows [0-9]+ servers [0-9]+ suspects [0-9]+ handshakes $expected " 12000)" ||
  die "no rows for $expected handshakes"
sleep 0.5
import -window root "$out/$label-rows.png"
wait_idle
rss_after="$(rss)"
hwm_after="$(hwm)"
import -window root "$out/$label-idle.png"

# Every server's row: "rows N servers N", N the servers of the whole file.
# A build before this script's commit logs no row line on Alt+W: given up
# after a minute.
servers="$(grep -oE "^middlebox-qt: rows [0-9]+ servers [0-9]+ suspects [0-9]+ handshakes $expected " "$tmp/wireshark.log" |
  head -n1 | awk '{print $5}')"
xdotool windowfocus --sync "$win" 2>/dev/null || xdotool windowfocus "$win"; sleep 0.5
t_all0="$(now)"
xdotool key alt+w
t_all="$(when_logged "^middlebox-qt: rows $servers servers $servers suspects" 600)"
sleep 0.5
import -window root "$out/$label-all.png"
wait_idle
rss_all="$(rss)"

echo "label: $label  build: $build  capture: $capture ($expected handshakes)"
echo "VmRSS loaded: $rss_loaded kB  after the dialog: $rss_after kB  (+$(( (rss_after - rss_loaded) / 1024 )) MiB, $(echo "scale=1; 100 * ($rss_after - $rss_loaded) / $rss_loaded" | bc) %)  VmHWM: $hwm_after kB"
echo "key press -> window: $(echo "$t_window - $t0" | bc) s;  -> rows of the whole file logged: $(echo "$t_rows - $t0" | bc) s"
if [ -n "$t_all" ]; then t_all="$(echo "$t_all - $t_all0" | bc) s"; else t_all="not logged in 60 s"; fi
echo "Show servers without echoes (Alt+W) -> every server's row ($servers) logged: $t_all;  VmRSS then: $rss_all kB (+$(( (rss_all - rss_loaded) / 1024 )) MiB, $(echo "scale=1; 100 * ($rss_all - $rss_loaded) / $rss_loaded" | bc) % of loaded)  VmHWM: $(hwm) kB"
echo "refreshes: $(grep -cE '^middlebox-qt: rows' "$tmp/wireshark.log"); the last ones (the dialog's log):"
grep -E '^middlebox-qt: (rows|timing)' "$tmp/wireshark.log" | tail -n 4 | sed 's/^/  /'
grep -E '^middlebox-qt: (rows|timing|retap)' "$tmp/wireshark.log" >"$out/$label-refreshes.log"
echo "all refreshes: $out/$label-refreshes.log"
echo "screenshots: $out/$label-loaded.png $out/$label-rows.png $out/$label-idle.png $out/$label-all.png"
