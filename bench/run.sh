#!/usr/bin/env bash
# bench/run.sh - every benchmark scenario against our server and Node's socket.io 4.8 in one run.
#
#   bash bench/run.sh
#
# Builds what it needs (Release, -O2, into build-bench/), raises `ulimit -n`, runs each scenario
# on 127.0.0.1 against a fresh server of each kind, prints a table (ours, node, ratio) and writes
# bench/results/latest.txt, latest.dat, latest.png (gnuplot) and latest-raw.txt (every RESULT line).
# Loopback only. Every run is bounded (BENCH_TIMEOUT_S per step) and every figure comes from
# messages the load generator received and checked; any failure stops the script.
#
# Sizes (environment; the defaults are issue 8's):
#   BENCH_IDLE_STAGES=1000,10000    idle connections held (RSS read at each stage)
#   BENCH_LARGE_STAGE=50000         one more idle run at this size (0: none); the load generator
#                                   spreads it over source addresses 127.0.0.1.. (25,000 each);
#                                   "n/a" with the reason where the descriptor limit is too low
#   BENCH_FANOUT_CONNS=1000 BENCH_FANOUT_COUNT=100 BENCH_FANOUT_ROUNDS=5
#   BENCH_ECHO_CONNS=1000 BENCH_ECHO_INTERVAL_MS=1000 BENCH_ECHO_DURATION_MS=10000
#   BENCH_SETUP_CONNS=2000 BENCH_SETUP_CONCURRENCY=50
#   BENCH_EMITS=100000 BENCH_EMIT_WINDOW=100 BENCH_EMIT_RUNS=3 (median of the runs)
#   BENCH_ECHO_RUNS=3 (echo runs per server, interleaved; median p50/p99)
#   BENCH_SETUP_RUNS=3 (setup runs per server, interleaved, before the other scenarios; median)
#   BENCH_PAYLOAD=16 (bytes of the string payload)   BENCH_TIMEOUT_S=300
# Other knobs: BENCH_BUILD_DIR (default <repo>/build-bench), BENCH_JOBS=2, BENCH_SKIP_BUILD=1,
#   BENCH_OUT (default bench/results), BENCH_WASM_BUNDLE (default: build-wasm/wasm/socket.io.js,
#   counted with the socket.io.wasm beside it).
# The browser client's size and time to first connect in Chromium: bench/browser_connect.js; its
#   emits with acks per second and main-thread time per emit: bench/browser_emits.js (their own
#   commands, see docs/performance.md).
# Small smoke run: BENCH_IDLE_STAGES=100,200 BENCH_FANOUT_CONNS=200 BENCH_FANOUT_COUNT=20 \
#   BENCH_ECHO_CONNS=200 BENCH_ECHO_DURATION_MS=2000 BENCH_SETUP_CONNS=200 BENCH_EMITS=10000 bash bench/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Installs what is missing first (Debian packages incl. gnuplot-nox, npm packages in tests/).
source "$ROOT/scripts/deps.sh"
sio_install_deps
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
OUT=${BENCH_OUT:-$ROOT/bench/results}
JOBS=${BENCH_JOBS:-2}
IDLE_STAGES=${BENCH_IDLE_STAGES:-1000,10000}
LARGE_STAGE=${BENCH_LARGE_STAGE:-50000}
FANOUT_CONNS=${BENCH_FANOUT_CONNS:-1000}
FANOUT_COUNT=${BENCH_FANOUT_COUNT:-100}
FANOUT_ROUNDS=${BENCH_FANOUT_ROUNDS:-5}
ECHO_CONNS=${BENCH_ECHO_CONNS:-1000}
ECHO_INTERVAL_MS=${BENCH_ECHO_INTERVAL_MS:-1000}
ECHO_DURATION_MS=${BENCH_ECHO_DURATION_MS:-10000}
SETUP_CONNS=${BENCH_SETUP_CONNS:-2000}
SETUP_CONCURRENCY=${BENCH_SETUP_CONCURRENCY:-50}
EMITS=${BENCH_EMITS:-100000}
EMIT_WINDOW=${BENCH_EMIT_WINDOW:-100}
EMIT_RUNS=${BENCH_EMIT_RUNS:-3}
ECHO_RUNS=${BENCH_ECHO_RUNS:-3}
SETUP_RUNS=${BENCH_SETUP_RUNS:-3}
PAYLOAD=${BENCH_PAYLOAD:-16}
TIMEOUT_S=${BENCH_TIMEOUT_S:-300}
WASM_BUNDLE=${BENCH_WASM_BUNDLE:-$ROOT/build-wasm/wasm/socket.io.js}
NODE_MODULES=$ROOT/tests/node_modules
export NODE_PATH=$NODE_MODULES${NODE_PATH:+:$NODE_PATH}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

command -v node >/dev/null || die "node not found (scripts/deps.sh)"
[ -d "$NODE_MODULES/socket.io" ] && [ -d "$NODE_MODULES/socket.io-client" ] ||
  die "socket.io / socket.io-client missing in $NODE_MODULES (npm install --prefix tests)"

# ---- build ------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building into $BUILD (Release, -O2)"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DSIO_BUILD_BENCH=ON -DSIO_BUILD_TESTS=OFF >/dev/null
  ninja -C "$BUILD" -j"$JOBS" sio-bench-server sio-loadgen sio-bench-raw-ws sio-bench-native-emits >&2
fi
BIN=$BUILD/bench
for exe in sio-bench-server sio-loadgen sio-bench-raw-ws sio-bench-native-emits; do
  [ -x "$BIN/$exe" ] || die "$BIN/$exe missing (build failed?)"
done

# ---- limits -----------------------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)" || true
max_stage=${IDLE_STAGES##*,}
need=$((max_stage + 256))
[ "$(ulimit -n)" -ge "$need" ] || die "ulimit -n is $(ulimit -n), $need needed for $max_stage connections"

# ---- servers ----------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/sio-bench.XXXXXX)
SRV_PID=""
SRV_PORT=""
cleanup() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_server ours|node|raw: sets SRV_PID and SRV_PORT from the "port P pid PID" line.
start_server() {
  local kind=$1 out="$TMP/server-$1.out"
  : >"$out"
  case $kind in
    ours) "$BIN/sio-bench-server" >"$out" 2>"$TMP/server-$kind.err" & ;;
    ours2) "$BIN/sio-bench-server" --threads 2 >"$out" 2>"$TMP/server-$kind.err" & ;;
    node) node "$ROOT/bench/node_server.js" >"$out" 2>"$TMP/server-$kind.err" & ;;
    raw) "$BIN/sio-bench-raw-ws" >"$out" 2>"$TMP/server-$kind.err" & ;;
  esac
  SRV_PID=$!
  local i
  for i in $(seq 1 200); do
    if grep -q '^port ' "$out"; then break; fi
    kill -0 "$SRV_PID" 2>/dev/null || die "$kind server exited: $(cat "$TMP/server-$kind.err")"
    sleep 0.05
  done
  grep -q '^port ' "$out" || die "$kind server did not report its port"
  SRV_PORT=$(awk '/^port /{print $2; exit}' "$out")
  local pid
  pid=$(awk '/^port /{print $4; exit}' "$out")
  [ "$pid" = "$SRV_PID" ] || die "$kind server reported pid $pid, started $SRV_PID"
}
stop_server() {
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  SRV_PID=""
}

# loadgen KIND MODE ARGS...: runs the load generator against a fresh KIND server, prints its
# RESULT lines.
loadgen() {
  local kind=$1
  shift
  start_server "$kind"
  local rc=0
  timeout $((TIMEOUT_S + 30)) "$BIN/sio-loadgen" "$@" --port "$SRV_PORT" --pid "$SRV_PID" --timeout-s "$TIMEOUT_S" \
    --payload "$PAYLOAD" >"$TMP/lg.out" 2>"$TMP/lg.err" || rc=$?
  stop_server
  [ $rc = 0 ] || die "loadgen $* against $kind failed ($rc): $(tail -5 "$TMP/lg.err")"
  sed "s/^RESULT /RESULT server=$kind /" "$TMP/lg.out" | grep '^RESULT ' >>"$RAW" || true
  grep '^RESULT ' "$TMP/lg.out" || die "loadgen $* against $kind printed no result"
}

# field LINE KEY: the value of key=value in a RESULT line.
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }

declare -A R  # R[<row>,ours|node] = figure
mkdir -p "$OUT"
RAW=$OUT/latest-raw.txt  # every RESULT line of this run (loadgen CPU, best rounds, ...)
: >"$RAW"

# ---- scenarios --------------------------------------------------------------------------------
# Scenario by scenario, ours then node back to back (the machine's load drifts; both sides of a
# row see about the same), each against a fresh server.
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# record_idle KIND RESULT-LINES: the idle rows (KiB per connection, MiB in all) of each stage.
record_idle() {
  local kind=$1 line n
  while read -r line; do
    n=$(field "$line" conns)
    R["idle$n,$kind"]=$(awk -v b="$(field "$line" bytes_per_conn)" 'BEGIN { printf "%.1f", b / 1024 }')
    R["idlerss$n,$kind"]=$(awk -v b="$(field "$line" rss_kb)" 'BEGIN { printf "%.1f", b / 1024 }')
  done <<<"$2"
}

# Connection setup first: every connection the later scenarios close leaves a TIME_WAIT socket on
# loopback for 60 s, and with 20,000 to 40,000 of them connect() and accept() cost both servers
# more kernel time (docs/performance.md, "What the figures mean"). Interleaved runs, median.
declare -A SETUP SETUPCPU
for run in $(seq 1 "$SETUP_RUNS"); do
  for kind in ours node; do
    log "[$kind] connection setup $run/$SETUP_RUNS: $SETUP_CONNS connections, $SETUP_CONCURRENCY at a time" \
      "($(tail -n +2 /proc/net/tcp | awk '$4 == "06"' | wc -l) TIME_WAIT sockets on IPv4)"
    line=$(loadgen "$kind" setup --conns "$SETUP_CONNS" --concurrency "$SETUP_CONCURRENCY")
    SETUP[$kind]+=" $(field "$line" conns_per_sec)"
    SETUPCPU[$kind]+=" $(awk -v c="$(field "$line" server_cpu_s)" -v n="$SETUP_CONNS" 'BEGIN { print c * 1e6 / n }')"
  done
done
for kind in ours node; do
  R["setup,$kind"]=$(median <<<"${SETUP[$kind]}" | awk '{ printf "%.0f", $1 }')
  R["setupcpu,$kind"]=$(median <<<"${SETUPCPU[$kind]}" | awk '{ printf "%.0f", $1 }')
  log "[$kind] setup conn/s runs:${SETUP[$kind]}; server CPU per connection (us):${SETUPCPU[$kind]}"
done

for kind in ours node; do
  log "[$kind] idle connections: $IDLE_STAGES"
  record_idle "$kind" "$(loadgen "$kind" idle --stages "$IDLE_STAGES" --settle-ms 3000 --concurrency 200)"
done

# The large stage: its own run per server (the other stages stay comparable with earlier runs).
# Each process holds one descriptor per connection, so it runs only where the hard limit allows.
LARGE_NOTE=""
if [ "$LARGE_STAGE" -gt 0 ]; then
  need_large=$((LARGE_STAGE + 256))
  if [ "$(ulimit -n)" -ge "$need_large" ]; then
    sources=$(((LARGE_STAGE + 24999) / 25000))
    for kind in ours node; do
      log "[$kind] idle connections: $LARGE_STAGE from $sources source addresses"
      record_idle "$kind" "$(loadgen "$kind" idle --stages "$LARGE_STAGE" --settle-ms 3000 --concurrency 200 \
        --sources "$sources")"
    done
  else
    LARGE_NOTE="idle at $LARGE_STAGE not run: ulimit -n is at most $(ulimit -n) here, $need_large needed per process"
    log "$LARGE_NOTE"
  fi
fi

# ours2: our server with --threads 2 (ServerOptions::io_threads), for the threads=1 vs 2 rows.
for kind in ours ours2 node; do
  log "[$kind] fan-out: $FANOUT_CONNS clients x $FANOUT_COUNT messages x $FANOUT_ROUNDS rounds"
  line=$(loadgen "$kind" fanout --conns "$FANOUT_CONNS" --count "$FANOUT_COUNT" --rounds "$FANOUT_ROUNDS")
  R["fanout,$kind"]=$(printf '%.0f' "$(field "$line" msgs_per_sec)")
  R["fanoutcpu,$kind"]=$(printf '%.2f' "$(field "$line" server_cpu_s_per_M)")
  # The load generator shares the cores and its CPU per message differs between the servers
  # (docs/performance.md), so the sum of both is shown too.
  R["fanouttot,$kind"]=$(awk -v s="$(field "$line" server_cpu_s_per_M)" -v l="$(field "$line" loadgen_cpu_s_per_M)" \
    'BEGIN { printf "%.2f", s + l }')
done
log "[raw Beast WebSocket] fan-out: $FANOUT_CONNS clients x $FANOUT_COUNT messages"
line=$(loadgen raw raw --conns "$FANOUT_CONNS" --count "$FANOUT_COUNT" --rounds "$FANOUT_ROUNDS")
R["raw,ours"]=$(printf '%.0f' "$(field "$line" msgs_per_sec)")
R["rawcpu,ours"]=$(printf '%.2f' "$(field "$line" server_cpu_s_per_M)")

declare -A P50 P99 ECPU
for run in $(seq 1 "$ECHO_RUNS"); do
  for kind in ours ours2 node; do
    log "[$kind] echo $run/$ECHO_RUNS: $ECHO_CONNS clients, one emit per $ECHO_INTERVAL_MS ms each, $ECHO_DURATION_MS ms"
    line=$(loadgen "$kind" echo --conns "$ECHO_CONNS" --interval-ms "$ECHO_INTERVAL_MS" --duration-ms "$ECHO_DURATION_MS")
    P50[$kind]+=" $(field "$line" p50_us)"
    P99[$kind]+=" $(field "$line" p99_us)"
    ECPU[$kind]+=" $(awk -v c="$(field "$line" server_cpu_s)" -v s="$(field "$line" samples)" 'BEGIN { print c * 1e6 / s }')"
  done
done
for kind in ours ours2 node; do
  R["p50,$kind"]=$(median <<<"${P50[$kind]}" | awk '{ printf "%.2f", $1 / 1000 }')
  R["p99,$kind"]=$(median <<<"${P99[$kind]}" | awk '{ printf "%.2f", $1 / 1000 }')
  R["echocpu,$kind"]=$(median <<<"${ECPU[$kind]}" | awk '{ printf "%.1f", $1 }')
  log "[$kind] echo p50 runs (us):${P50[$kind]}; p99 runs (us):${P99[$kind]}"
done

declare -A EM
for kind in ours node; do
  for run in $(seq 1 "$EMIT_RUNS"); do
    for client in native node; do
      log "[$kind server] $client client $run/$EMIT_RUNS: $EMITS emits with acks, $EMIT_WINDOW in flight"
      start_server "$kind"
      rc=0
      if [ $client = native ]; then
        timeout $((TIMEOUT_S + 30)) "$BIN/sio-bench-native-emits" --port "$SRV_PORT" --count "$EMITS" \
          --window "$EMIT_WINDOW" --payload "$PAYLOAD" --timeout-s "$TIMEOUT_S" >"$TMP/em.out" 2>"$TMP/em.err" || rc=$?
      else
        timeout $((TIMEOUT_S + 30)) node "$ROOT/bench/node_emits.js" "$SRV_PORT" "$EMITS" "$EMIT_WINDOW" "$PAYLOAD" \
          >"$TMP/em.out" 2>"$TMP/em.err" || rc=$?
      fi
      stop_server
      [ $rc = 0 ] || die "$client emits against $kind failed: $(tail -5 "$TMP/em.err")"
      line=$(grep '^RESULT ' "$TMP/em.out") || die "$client emits printed no result"
      sed "s/^RESULT /RESULT server=$kind /" "$TMP/em.out" | grep '^RESULT ' >>"$RAW" || true
      EM[$kind,$client]+=" $(field "$line" emits_per_sec)"
    done
  done
  for client in native node; do
    R["emits-$kind,$client"]=$(median <<<"${EM[$kind,$client]}" | awk '{ printf "%.0f", $1 }')
    log "[$kind server] $client client emits/s runs:${EM[$kind,$client]}"
  done
done

# ---- bundle sizes -----------------------------------------------------------------------------
gz_kib() { gzip -9 -n -c "$1" | wc -c | awk '{ printf "%.1f", $1 / 1024 }'; }
raw_kib() { wc -c <"$1" | awk '{ printf "%.1f", $1 / 1024 }'; }
MIN_JS=$NODE_MODULES/socket.io-client/dist/socket.io.min.js
R["bundle,node"]=$(raw_kib "$MIN_JS")
R["bundlegz,node"]=$(gz_kib "$MIN_JS")
# Ours: what the page downloads, the bundle and the socket.io.wasm beside it (each compressed on
# its own, as served); a single-file bundle (no .wasm beside it) alone.
WASM_FILE=$(dirname "$WASM_BUNDLE")/socket.io.wasm
if [ -f "$WASM_BUNDLE" ] && [ -f "$WASM_FILE" ] && [ "$(basename "$WASM_BUNDLE")" = socket.io.js ]; then
  R["bundle,ours"]=$(awk -v a="$(raw_kib "$WASM_BUNDLE")" -v b="$(raw_kib "$WASM_FILE")" 'BEGIN { printf "%.1f", a + b }')
  R["bundlegz,ours"]=$(awk -v a="$(gz_kib "$WASM_BUNDLE")" -v b="$(gz_kib "$WASM_FILE")" 'BEGIN { printf "%.1f", a + b }')
elif [ -f "$WASM_BUNDLE" ]; then
  R["bundle,ours"]=$(raw_kib "$WASM_BUNDLE")
  R["bundlegz,ours"]=$(gz_kib "$WASM_BUNDLE")
else
  R["bundle,ours"]=n/a
  R["bundlegz,ours"]=n/a
fi

# ---- table ------------------------------------------------------------------------------------
mkdir -p "$OUT"
TABLE=$TMP/table.txt
DAT=$OUT/latest.dat
: >"$TABLE"
echo "# label advantage (>1: ours better)" >"$DAT"
# row KEY LABEL UNIT BETTER(higher|lower) PLOT_LABEL; emits-<server> rows compare the clients.
row() {
  local key=$1 label=$2 unit=$3 better=$4 short=$5 ours node
  if [[ $key == emits-* ]]; then
    ours=${R[$key,native]:-n/a} node=${R[$key,node]:-n/a}
  else
    ours=${R[$key,ours]:-n/a} node=${R[$key,node]:-n/a}
  fi
  local ratio=n/a
  if [[ $ours =~ ^[0-9.]+$ && $node =~ ^[0-9.]+$ ]] && awk -v o="$ours" -v n="$node" 'BEGIN { exit !(n > 0 && o > 0) }'; then
    ratio=$(awk -v o="$ours" -v n="$node" 'BEGIN { printf "%.2f", o / n }')
    awk -v o="$ours" -v n="$node" -v b="$better" -v l="$short" \
      'BEGIN { a = (b == "higher") ? o / n : n / o; printf "\"%s\" %.4f\n", l, a }' >>"$DAT"
  fi
  printf '%-52s %-10s %12s %12s %9s  %s\n' "$label" "$unit" "$ours" "$node" "$ratio" "$better is better" >>"$TABLE"
}
stage1=${IDLE_STAGES%%,*}
row "idle$stage1" "idle: RSS per connection at $stage1" KiB lower "RSS/conn $stage1"
[ "$stage1" = "$max_stage" ] || row "idle$max_stage" "idle: RSS per connection at $max_stage" KiB lower "RSS/conn $max_stage"
row "idlerss$max_stage" "idle: server RSS with $max_stage connections" MiB lower "RSS $max_stage"
if [ "$LARGE_STAGE" -gt 0 ]; then
  row "idle$LARGE_STAGE" "idle: RSS per connection at $LARGE_STAGE" KiB lower "RSS/conn $LARGE_STAGE"
  row "idlerss$LARGE_STAGE" "idle: server RSS with $LARGE_STAGE connections" MiB lower "RSS $LARGE_STAGE"
  [ -z "$LARGE_NOTE" ] || printf '  (%s)\n' "$LARGE_NOTE" >>"$TABLE"
fi
row fanout "fan-out: $FANOUT_CONNS clients in one room (delivered)" msg/s higher "fan-out msg/s"
row fanoutcpu "fan-out: server CPU per 1M messages delivered" s lower "fan-out CPU"
row fanouttot "fan-out: server + load generator CPU per 1M" s lower "fan-out CPU total"
row p50 "echo round trip p50 ($ECHO_CONNS clients)" ms lower "echo p50"
row p99 "echo round trip p99 ($ECHO_CONNS clients)" ms lower "echo p99"
row echocpu "echo: server CPU per round trip" us lower "echo CPU"
row setup "connection setup (polling handshake + upgrade)" conn/s higher "setup conn/s"
row setupcpu "connection setup: server CPU per connection" us lower "setup CPU"
row emits-ours "emits+acks: native vs socket.io-client, our srv" emit/s higher "emits (our srv)"
row emits-node "emits+acks: native vs socket.io-client, node srv" emit/s higher "emits (node srv)"
row bundle "client bundle: wasm vs socket.io.min.js (raw)" KiB lower "bundle raw"
row bundlegz "client bundle: wasm vs socket.io.min.js (gzip)" KiB lower "bundle gzip"
# Our server with two I/O threads: against Node, then against our one-thread figures.
for key in fanout fanoutcpu p99 echocpu; do R["${key}2,ours"]=${R[$key,ours2]:-n/a} R["${key}2,node"]=${R[$key,node]:-n/a}; done
row fanout2 "fan-out delivered, ours --threads 2" msg/s higher "fan-out msg/s (2 thr)"
row fanoutcpu2 "fan-out server CPU per 1M, ours --threads 2" s lower "fan-out CPU (2 thr)"
row p992 "echo round trip p99, ours --threads 2" ms lower "echo p99 (2 thr)"
row echocpu2 "echo: server CPU per round trip, ours --threads 2" us lower "echo CPU (2 thr)"
for key in fanout fanoutcpu p99 echocpu; do
  t1=${R[$key,ours]:-n/a} t2=${R[$key,ours2]:-n/a} r=n/a
  if [[ $t1 =~ ^[0-9.]+$ && $t2 =~ ^[0-9.]+$ ]] && awk -v a="$t1" 'BEGIN { exit !(a > 0) }'; then
    r=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b / a }')
  fi
  printf '%-52s %-10s %12s %12s %9s  %s\n' "threads=2 vs threads=1: $key" "" "$t2" "$t1" "$r" "ours --threads 2 / ours" >>"$TABLE"
done
printf '%-52s %-10s %12s %12s %9s  %s\n' "raw Beast WebSocket fan-out (limit, no Socket.IO)" msg/s "${R[raw,ours]}" - - \
  "server CPU ${R[rawcpu,ours]} s per 1M" >>"$TABLE"

{
  echo "sio-cpp benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)," \
    "node $(node --version), $(${CXX:-c++} --version | head -1)"
  echo "load average (1/5/15 min) at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "sizes: idle $IDLE_STAGES; fan-out $FANOUT_CONNS x $FANOUT_COUNT x $FANOUT_ROUNDS rounds (median);" \
    "echo $ECHO_CONNS clients every $ECHO_INTERVAL_MS ms for $ECHO_DURATION_MS ms (median of $ECHO_RUNS runs);" \
    "setup $SETUP_CONNS ($SETUP_CONCURRENCY in flight, median of $SETUP_RUNS runs); emits $EMITS (window $EMIT_WINDOW, median of $EMIT_RUNS runs);" \
    "payload $PAYLOAD B"
  echo "ours = sio::server (bench/server.cpp) / native client; node = socket.io 4.8 / socket.io-client 4.8;" \
    "ratio = ours / node"
  echo
  printf '%-52s %-10s %12s %12s %9s\n' scenario unit ours node ratio
  cat "$TABLE"
} >"$OUT/latest.txt"
cat "$OUT/latest.txt"

# ---- plot -------------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 1100,600 noenhanced font ",10"
set output "$OUT/latest.png"
set title "sio-cpp vs Node socket.io 4.8: advantage (bar > 1: ours better; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y 2
set autoscale y
set offsets 0, 0, graph 0.08, graph 0.05
set grid ytics
set xtics rotate by -30 left
set ylabel "ours better by (x)"
set key off
plot "$DAT" using 2:xtic(1) linecolor rgb "#3070b0", \\
     "" using 0:2:(sprintf("%.2f", \$2)) with labels offset 0,0.7 notitle, \\
     1 with lines linecolor rgb "#b03030" linewidth 2
EOF
  log "plot: $OUT/latest.png"
else
  log "gnuplot not installed (Debian package gnuplot-nox): no plot"
fi
