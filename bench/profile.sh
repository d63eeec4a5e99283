#!/usr/bin/env bash
# bench/profile.sh - instructions the server spends per delivered fan-out message and per echo
# round trip, counted by valgrind's callgrind: unlike CPU seconds, the count repeats on a noisy
# machine (docs/performance.md, "Profile"). Compares builds: give each build's bin directory.
#
#   bash bench/profile.sh [BIN_DIR...]        default: build-bench/bench (bench/run.sh builds it)
#   PROFILE_CONNS=100 PROFILE_COUNT=100 bash bench/profile.sh old/bench new/bench
#   PROFILE_THREADS=2 bash bench/profile.sh   the server with --threads 2; callgrind counts each
#                                              thread apart (--separate-threads) and the line adds
#                                              the executor thread's share
#
# Prints one line per build: Ir per fan-out message delivered, Ir per echo round trip, and the
# callgrind output files (callgrind_annotate <file> shows where the instructions go).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNS=${PROFILE_CONNS:-100}
COUNT=${PROFILE_COUNT:-100}
PAYLOAD=${PROFILE_PAYLOAD:-16}
THREADS=${PROFILE_THREADS:-1}
OUT=${PROFILE_OUT:-$ROOT/build-bench/profile}
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
[ $# -gt 0 ] || set -- "$ROOT/build-bench/bench"

# run BIN TAG MODE ARGS...: the server under callgrind, one load generator run, the server's Ir.
run() {
  local bin=$1 tag=$2 mode=$3
  shift 3
  local cg="$OUT/callgrind.$tag.$mode" log="$OUT/server.$tag.$mode.log"
  rm -f "$cg" "$cg"-*
  : >"$log"  # exists before the poll below reads it (the background job opens it when it runs)
  valgrind --tool=callgrind --callgrind-out-file="$cg" --separate-threads="$([ "$THREADS" -gt 1 ] && echo yes || echo no)" \
    "$bin/sio-bench-server" --port 0 --threads "$THREADS" >"$log" 2>&1 &
  local vg=$!
  local port="" i
  for i in $(seq 1 600); do
    port=$(awk '/^port /{print $2; exit}' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "server did not start: $(tail -3 "$log")" >&2; kill $vg; exit 1; }
  "$bin/sio-loadgen" "$mode" --port "$port" --timeout-s 600 --payload "$PAYLOAD" "$@" >"$OUT/lg.$tag.$mode" 2>&1
  kill -TERM $vg
  wait $vg || true
  # One file per thread with --separate-threads (<file>-01 is the executor's thread): all, main.
  local all=0 main=0 f n
  for f in "$cg" "$cg"-*; do
    [ -f "$f" ] || continue
    n=$(awk '/^summary:/{print $2; exit} /^totals:/{print $2; exit}' "$f")
    all=$((all + n))
    case $f in *-01|"$cg") main=$((main + n)) ;; esac
  done
  echo "$all $main"
}

printf '%-40s %16s %16s %22s\n' "build" "Ir/fanout msg" "Ir/echo trip" "executor thread share"
for bin in "$@"; do
  tag=$(echo "$bin" | tr '/' '_')
  idle=$(run "$bin" "$tag" idle --stages "$CONNS" --settle-ms 500 --concurrency 50)
  fan=$(run "$bin" "$tag" fanout --conns "$CONNS" --count "$COUNT" --rounds 1)
  echo_ir=$(run "$bin" "$tag" echo --conns "$CONNS" --interval-ms 100 --duration-ms 3000 --warmup-ms 0)
  trips=$(grep -o 'samples=[0-9]*' "$OUT/lg.$tag.echo" | head -1 | cut -d= -f2)
  # Each run's own connection setup is taken out with the idle run's count (same conns).
  read -r fan fan_main <<<"$fan"
  read -r idle idle_main <<<"$idle"
  read -r echo_ir echo_main <<<"$echo_ir"
  awk -v f="$fan" -v i="$idle" -v n=$((CONNS * COUNT)) -v e="$echo_ir" -v t="${trips:-0}" -v b="$bin" \
    -v fm="$fan_main" -v im="$idle_main" -v em="$echo_main" \
    'BEGIN { fo = (f - i) / n; eo = (t > 0 ? (e - i) / t : 0);
             printf "%-40s %16.0f %16.0f %10.2f / %-10.2f\n", b, fo, eo,
                    (fo > 0 ? (fm - im) / n / fo : 0), (eo > 0 ? (em - im) / t / eo : 0) }'
done
echo "callgrind files: $OUT (callgrind_annotate FILE)"
