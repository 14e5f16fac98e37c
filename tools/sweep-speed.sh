#!/usr/bin/env bash
# How much faster a 16-run sweep is with 2 workers than with 1, and the ceiling this machine puts
# on it: two independent `sim run` processes at once against one after the other.
#
#   tools/sweep-speed.sh ceiling [N]   # N rounds (default 3) of: A;B one after the other, A&B at once
#   tools/sweep-speed.sh sweep [N]     # N rounds of the two 16-run sweeps, 1 and 2 workers interleaved
#
# Run after `npm run build`, on a quiet machine. Each line: what ran, wall s, user+sys CPU s, the
# CPU time the hypervisor stole meanwhile (s, from /proc/stat), and the load average before it;
# for a sweep, its threads' CPU too (tools/thread-cpu.mjs): with one worker V8's GC and compiler
# threads work on the idle core, with two they take a share of both, so 2 x (main thread, 1
# worker) / (total, 2 workers) bounds the speed-up. The sweeps' files are compared between 1 and 2
# workers (they must be byte-identical).
set -euo pipefail
cd "$(dirname "$0")/.."
SIM="dist/cli/main.js" # through its shebang, as `npx sim` runs it
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
HZ="$(getconf CLK_TCK)"
steal() { awk '/^cpu /{print $9}' /proc/stat; }

# time_it LABEL CMD...: one line of numbers for CMD (run through bash so children are counted)
time_it() {
  local label="$1"; shift
  local load s0 s1
  load="$(cut -d' ' -f1 /proc/loadavg)"
  s0="$(steal)"
  /usr/bin/time -f '%e %U %S %M' -o "$TMP/t" bash -c "$*" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
  s1="$(steal)"
  read -r wall user sys rss <"$TMP/t"
  printf '%-34s wall %6.2f s  cpu %6.2f s  steal %5.2f s  maxrss %4d MB  load %s\n' \
    "$label" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "scale=2; ($s1 - $s0) / $HZ" | bc)" "$((rss / 1024))" "$load"
}

ceiling() {
  local scen="$1"
  local one="$SIM run scenarios/$scen.yaml --out $TMP/a"
  local two="$SIM run scenarios/$scen.yaml --out $TMP/b"
  time_it "$scen: one after the other" "$one; $two"
  time_it "$scen: both at once" "$one & $two & wait"
}

sweep() {
  local scen="$1" vary="$2" w="$3"
  time_it "$scen sweep: $w worker(s)" "THREAD_CPU_OUT=$TMP/threads NODE_OPTIONS='--import $PWD/tools/thread-cpu.mjs' $SIM sweep scenarios/$scen.yaml --vary $vary --replications 4 --workers $w --out $TMP/$scen-$w"
  printf '%-34s %s' '' "$(cat "$TMP/threads")"; echo
  rm -f "$TMP/threads"
}

rounds="${2:-3}"
case "${1:-}" in
  ceiling)
    lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Hypervisor)'
    for ((i = 1; i <= rounds; i++)); do ceiling million-users; ceiling two-servers-die; done
    ;;
  sweep)
    for ((i = 1; i <= rounds; i++)); do
      for scen in million-users two-servers-die; do
        sweep "$scen" app.local_stock.buffer=1.1,1.2,1.3,1.4 1
        sweep "$scen" app.local_stock.buffer=1.1,1.2,1.3,1.4 2
        for f in sweep.csv sweep.json index.html; do cmp "$TMP/$scen-1/$f" "$TMP/$scen-2/$f"; done
        diff -r "$TMP/$scen-1/charts" "$TMP/$scen-2/charts" >/dev/null
      done
    done
    echo "files identical for 1 and 2 workers"
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
