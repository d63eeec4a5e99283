#!/usr/bin/env bash
# scripts/test.sh - installs what is missing, builds, runs every test. `.ci/run` execs this.
#
# Stages run in order and stop at the first failure (set -e). The main build's ctest runs last
# and nothing is printed after it, so the output ends with CTest's summary line.
#
# Adding a stage: write a function stage_<name> and add <name> to SIO_STAGES below.
# Environment:
#   SIO_SKIP="asan fuzz"  skip stages by name (local use; CI runs them all)
#   FUZZ_SECONDS=10       time per fuzz target
#   SIO_JOBS=$(nproc)     parallel compile jobs
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "${SIO_ROOT}"

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Every tree of this script is a unity build (CMake compiles the sources of a target in batches of
# 8, one compiler run per batch): Asio, Beast and nlohmann are parsed and their templates
# instantiated once per batch instead of once per file, which halves the main build's CPU time and
# takes a quarter to a third off the sanitizer trees' (README.md, "CI time"). Sources therefore
# keep their file-local names distinct across the files of a target. The bench and browser builds
# compile file by file, which keeps each file's includes honest.
SIO_UNITY_OPTS=(-DCMAKE_UNITY_BUILD=ON)
# Clang builds share these. They link with lld (about 4x faster than ld.bfd on the sanitizer
# builds' 100+ MB test programs), and keep only line tables as debug information: enough for the
# sanitizers' stack traces (file and line), and 7% less compile time than -g.
SIO_CLANG_OPTS=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 "${SIO_UNITY_OPTS[@]}"
                -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only
                -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

stage_deps() {
  sio_install_deps
}

# The browser build and the sanitizer trees build in the background, from the start of the build
# stage, at a lower CPU priority: they take only the CPU time the foreground leaves (the main
# build's serial tail). They are built by the time the tests start: the asan stage waits for its
# tree, and for the TSan tree before it starts the tsan tests beside its own. Each build writes
# <dir>/build.log; its stage waits for it (sio_wait_background_build) and prints the log if it
# failed. Each runs in its own process group, ended if the script stops first.
declare -A SIO_BACKGROUND_PIDS=() SIO_BACKGROUND_STARTED=()
trap 'for pid in "${SIO_BACKGROUND_PIDS[@]}"; do kill -- "-${pid}" 2>/dev/null || true; done' EXIT

# sio_start_background <niceness> <name> <log> <command> [<args>...]: runs the command (a function
# of this script or of common.sh, or a program) in the background, in its own session at that
# niceness; its output goes to <log>.
sio_start_background() {
  local niceness="$1" name="$2" log="$3"
  shift 3
  mkdir -p "$(dirname "${log}")"
  # With the kernel's autogroup scheduling on (Debian's default), CPU is shared between sessions
  # first and a new session gets its own share whatever its niceness: the session's autogroup
  # gets the niceness too.
  setsid nice -n "${niceness}" bash -c '
    { [[ -w /proc/self/autogroup ]] && echo "$2" >/proc/self/autogroup; } 2>/dev/null || true
    SIO_TEST_FUNCTIONS_ONLY=1 source "$1/scripts/test.sh"; shift 2; "$@"' \
    _ "${SIO_ROOT}" "${niceness}" "$@" >"${log}" 2>&1 &
  SIO_BACKGROUND_PIDS[${name}]=$!
  SIO_BACKGROUND_STARTED[${name}]=1
}

# sio_wait_background <name>: waits for it; false if it failed.
sio_wait_background() {
  local pid="${SIO_BACKGROUND_PIDS[$1]}" ok=0
  wait "${pid}" || ok=1
  unset "SIO_BACKGROUND_PIDS[$1]"
  return "${ok}"
}

# sio_start_background_builds: starts build-wasm/, build-asan/ and build-tsan/, each if its stage
# runs and it has not been started (the build stage starts them; with that stage skipped, their
# own stages do). The priorities follow the order in which the stages need them.
sio_start_background_builds() {
  if sio_stage_runs wasm && [[ -z "${SIO_BACKGROUND_STARTED[build-wasm]:-}" ]]; then
    sio_start_background 5 build-wasm build-wasm/build.log bash "${SIO_ROOT}/scripts/build-wasm.sh" "${SIO_ROOT}/build-wasm"
  fi
  if sio_stage_runs asan && [[ -z "${SIO_BACKGROUND_STARTED[build-asan]:-}" ]]; then
    sio_start_background 10 build-asan build-asan/build.log sio_cmake_build build-asan -- "${SIO_ASAN_OPTS[@]}"
  fi
  if sio_stage_runs tsan && [[ -z "${SIO_BACKGROUND_STARTED[build-tsan]:-}" ]]; then
    sio_start_background 19 build-tsan build-tsan/build.log sio_cmake_build build-tsan "${SIO_TSAN_TARGETS[@]}" -- \
      "${SIO_TSAN_OPTS[@]}"
  fi
}

# sio_wait_background_build <dir>: waits for it; prints its log and stops if it failed.
sio_wait_background_build() {
  local dir="$1" start=${SECONDS}
  sio_start_background_builds
  if ! sio_wait_background "${dir}"; then
    tail -n 200 "${dir}/build.log"
    sio_die "the build of ${dir}/ failed (log: ${dir}/build.log)"
  fi
  echo "${dir}/ built (waited $((SECONDS - start))s; log: ${dir}/build.log)"
}

sio_stage_runs() { [[ " ${SIO_SKIP:-} " != *" $1 "* ]]; }

# With the asan stage on, the main build runs only SIO_MAIN_ONLY_TESTS (stage_ctest_main), so
# its test programs are not built, except those that tests need: everything else of the project
# is (the default target), and the test programs run under the sanitizers instead.
stage_build() {
  sio_start_background_builds
  if sio_asan_runs_the_tests; then
    sio_log "build: main (build/, Debug, ${SIO_JOBS} jobs; test programs: ${SIO_MAIN_ONLY_PROGRAMS[*]})"
    sio_cmake_build build all "${SIO_MAIN_ONLY_PROGRAMS[@]}" -- -DCMAKE_BUILD_TYPE="${SIO_BUILD_TYPE:-Debug}" \
      "${SIO_UNITY_OPTS[@]}" -DSIO_TESTS_IN_ALL=OFF
  else
    sio_log "build: main (build/, Debug, ${SIO_JOBS} jobs)"
    sio_cmake_build build -- -DCMAKE_BUILD_TYPE="${SIO_BUILD_TYPE:-Debug}" "${SIO_UNITY_OPTS[@]}" \
      -DSIO_TESTS_IN_ALL=ON
  fi
}

sio_asan_runs_the_tests() { sio_stage_runs asan; }

# The WebAssembly client bundle (build-wasm/socket.io.js), loaded by the browser tests.
stage_wasm() {
  sio_log "wasm: build-wasm/ (emcc)"
  sio_wait_background_build build-wasm
  tail -n 1 build-wasm/build.log
}

# sio_ctest_quiet <label> <test-dir> [<ctest args>...]: runs a CTest tree, SIO_CTEST_JOBS tests at a
# time (2), prints only its summary unless it fails.
sio_ctest_quiet() {
  local label="$1" dir="$2"
  shift 2
  local log="${dir}/ctest.log"
  if ctest --test-dir "${dir}" --output-on-failure --no-tests=error -j"${SIO_CTEST_JOBS:-2}" --timeout 600 "$@" \
    >"${log}" 2>&1; then
    echo "${label}: $(grep -E 'tests passed' "${log}" | tail -1)"
  else
    cat "${log}"
    sio_failed_outputs "${dir}"
    sio_die "${label}: tests failed (log: ${log})"
  fi
}

# sio_failed_outputs <test-dir>: the output of each failed test again (the last 150 lines each),
# so that the end of the run, which is what a CI summary keeps, says why they failed.
sio_failed_outputs() {
  local tmp="$1/Testing/Temporary"
  [[ -f "${tmp}/LastTestsFailed.log" && -f "${tmp}/LastTest.log" ]] || return 0
  local name
  while IFS=: read -r _ name; do
    echo "==== output of the failed test ${name}"
    awk -v name="${name}" '
      $0 ~ "^[0-9]+/[0-9]+ Testing: " && $3 == name { on = 1 }
      on { print }
      on && /end time:/ { exit }' "${tmp}/LastTest.log" | tail -150
  done <"${tmp}/LastTestsFailed.log"
}

# Every test runs once: under AddressSanitizer + UndefinedBehaviorSanitizer (this stage) unless it
# exercises no binary this build instruments, and then in the main build (stage_ctest_main).
# SIO_MAIN_ONLY_TESTS names those: the install/package tests (they need the plain build's install
# tree), the browser tests that pair the wasm bundle with Node's server (no C++ of ours runs
# natively in them; the bundle is the same in both builds), the type check of the npm package, and
# the server's out-of-descriptors test (UBSan's vptr check cannot run in a process without free
# descriptors; see tests/server/engine_abuse_test.cpp).
SIO_MAIN_ONLY_TESTS='^(package_.*|browser_.*_node|browser_npm_package_types|EngineOutOfDescriptors\..*)$'
# The test programs those tests run (the main build builds only these of tests/).
SIO_MAIN_ONLY_PROGRAMS=(server_engine_abuse_test)

# Core unit, differential, server, apps and native client tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang 14, LeakSanitizer on): bad input to the core, the server or the
# client must never be UB or a leak; the client's lifetimes (close/destroy from callbacks) neither.
# The same build holds the libFuzzer targets (SIO_FUZZ=ON adds coverage instrumentation to the
# code they reach, sio_fuzz_coverage(), and builds tests/fuzz/), so the fuzz stage compiles nothing
# of its own.
SIO_ASAN_OPTS=("${SIO_CLANG_OPTS[@]}" -DSIO_BUILD_NATIVE=ON -DSIO_BUILD_SERVER=ON
               -DSIO_SANITIZE=address,undefined -DSIO_FUZZ=ON)
stage_asan() {
  sio_log "asan: build-asan/ (clang++-14, -fsanitize=address,undefined; fuzzer coverage on what the fuzzers reach; core, server, apps, native client, fuzzers)"
  sio_wait_background_build build-asan
  sio_stage_runs tsan && sio_start_tests_beside
  sio_ctest_quiet asan build-asan -E "${SIO_MAIN_ONLY_TESTS}"
}

# The test runs wait on timers, sockets and browsers for about half of their time. So the tsan
# stage's tests (one at a time) and the main build's (stage_ctest_main; one at a time) run in the
# background beside the asan stage's, from its start (sio_start_tests_beside); the tsan stage and
# stage_ctest_main wait for them and print their output (build-tsan/ctest-beside.log,
# build/ctest-main.log), so the run still ends with CTest's summary line. The tests hold on a
# machine this busy (README.md, "Writing a test that holds on a busy machine"). With the asan
# stage skipped, the tsan stage and stage_ctest_main run their tests themselves.
sio_start_tests_beside() {
  sio_wait_background_build build-tsan
  sio_main_tests_filter
  sio_log "tsan and main-build tests: in the background beside the asan stage's (output at their stages)"
  sio_start_background 0 tsan-tests build-tsan/ctest-beside.log sio_tsan_tests 1
  sio_start_background 0 main-tests build/ctest-main.log "${SIO_MAIN_CTEST[@]}" -j1 "${SIO_MAIN_TESTS_FILTER[@]}"
}

# sio_wait_tests_beside <name> <log>: waits for the tests started beside the asan stage's, prints
# their output; false if they failed.
sio_wait_tests_beside() {
  local start=${SECONDS} ok=0
  sio_wait_background "$1" || ok=1
  echo "(waited $((SECONDS - start))s for the tests run beside the asan stage's)"
  cat "$2"
  return "${ok}"
}

# ThreadSanitizer: the client's native tests (interop with the official Node servers and with our
# server, native_our_server: emit from any thread, close/destroy from callbacks) and the reference
# server's tests (tests/server: each fixture runs the server on an io thread while the test thread
# posts to it; Socket.IO operations are callable from any thread, docs/server.md "Threading";
# allow_request and middleware answer from other threads). Only the test executables are built
# (not the apps). Left out: the two abuse tests that bound the peak RSS of a 60 MB broadcast to a
# peer that stops reading; TSan's shadow memory and its 5-15x slower io thread change what they
# measure (RSS; which bound, buffer or write deadline, hits first), not the threading, which is
# the same fixture as the other abuse tests' (they run here); asan and the main build run them.
SIO_TSAN_OPTS=("${SIO_CLANG_OPTS[@]}" -DSIO_BUILD_NATIVE=ON -DSIO_BUILD_SERVER=ON -DSIO_SANITIZE=thread)
SIO_TSAN_TARGETS=(sio_chat_client native_our_server)
for src in tests/native/*_test.cpp; do SIO_TSAN_TARGETS+=("native_$(basename "${src}" .cpp)"); done
for src in tests/server/*_test.cpp; do SIO_TSAN_TARGETS+=("server_$(basename "${src}" .cpp)"); done
stage_tsan() {
  sio_log "tsan: build-tsan/ (clang++-14, -fsanitize=thread; native client + server tests)"
  if [[ -n "${SIO_BACKGROUND_STARTED[tsan-tests]:-}" ]]; then
    sio_wait_tests_beside tsan-tests build-tsan/ctest-beside.log ||
      sio_die "tsan: tests failed (run beside the asan stage's)"
    return 0
  fi
  sio_wait_background_build build-tsan
  sio_tsan_tests
}

# sio_tsan_tests [<jobs>]: the tsan stage's two CTest runs, <jobs> tests at a time (2).
sio_tsan_tests() {
  local -x SIO_CTEST_JOBS="${1:-2}"
  sio_ctest_quiet tsan build-tsan/tests/native
  sio_ctest_quiet tsan-server build-tsan/tests/server \
    -E '^EngineAbuseTest\.(PeerThatStopsReadingIsBoundedThenClosed|VolatilePacketsAreDroppedForAPeerThatDoesNotRead)$'
}

# Each libFuzzer target for FUZZ_SECONDS, seeded from tests/fuzz/corpus/<target>/ when present;
# SIO_JOBS targets at a time (a target is one single-threaded process). It runs right after the
# asan stage, while the tests started beside that stage's may still run (one at a time each).
stage_fuzz() {
  local sources=(tests/fuzz/fuzz_*.cpp)
  if [[ ! -e "${sources[0]}" ]]; then
    echo "fuzz: no tests/fuzz/fuzz_*.cpp yet"
    return 0
  fi
  sio_log "fuzz: the libFuzzer targets of build-asan/, ${FUZZ_SECONDS}s per target, ${SIO_JOBS} at a time (corpora and artifacts in build-fuzz/)"
  mkdir -p build-fuzz/artifacts
  local names=() src
  for src in "${sources[@]}"; do names+=("$(basename "${src}" .cpp)"); done
  local i j pids=()
  for ((i = 0; i < ${#names[@]}; i += SIO_JOBS)); do
    pids=()
    for ((j = i; j < i + SIO_JOBS && j < ${#names[@]}; j++)); do
      sio_fuzz_target "${names[j]}" &
      pids+=($!)
    done
    for ((j = 0; j < ${#pids[@]}; j++)); do
      sio_fuzz_report "${names[i + j]}" "${pids[j]}"
    done
  done
}

# sio_fuzz_target <name>: runs build-asan/tests/fuzz/<name> for FUZZ_SECONDS (log: build-fuzz/<name>.log).
sio_fuzz_target() {
  local name="$1"
  local exe="build-asan/tests/fuzz/${name}" corpus="build-fuzz/corpus/${name}" seeds=()
  [[ -x "${exe}" ]] || { echo "${exe} is missing: the asan stage builds the fuzz targets" >"build-fuzz/${name}.log"; return 1; }
  [[ -d "tests/fuzz/corpus/${name}" ]] && seeds=("tests/fuzz/corpus/${name}")
  mkdir -p "${corpus}"   # libFuzzer writes new inputs here, not in the tree
  "${exe}" -max_total_time="${FUZZ_SECONDS}" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -artifact_prefix="build-fuzz/artifacts/${name}-" -print_final_stats=1 \
    "${corpus}" "${seeds[@]}" >"build-fuzz/${name}.log" 2>&1
}

# sio_fuzz_report <name> <pid>: waits for the target's run; prints its figures, or its log and stops.
sio_fuzz_report() {
  local name="$1" pid="$2" log="build-fuzz/$1.log"
  if wait "${pid}"; then
    echo "fuzz: ${name}: ok, $(grep -E '^stat::number_of_executed_units' "${log}" | awk '{print $2}') runs," \
         "$(grep -E '^#[0-9]+.*(cov|ft):' "${log}" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)"
  else
    tail -n 60 "${log}"
    sio_die "fuzz: ${name} found a failure (log: ${log}, reproducer in build-fuzz/artifacts/)"
  fi
}

# The main build's tests: the tests the asan stage leaves out (SIO_MAIN_ONLY_TESTS), after a check
# that every test of this build runs in one of the two; with asan skipped (SIO_SKIP), all of them.
# Last, and nothing is printed after them. With the asan and tsan stages on, they ran beside the
# asan stage's tests (sio_start_tests_beside): this prints their output.
SIO_MAIN_CTEST=(ctest --test-dir build --output-on-failure --no-tests=error --no-label-summary --timeout 600)
stage_ctest_main() {
  local ok=1
  if [[ -n "${SIO_BACKGROUND_STARTED[main-tests]:-}" ]]; then
    sio_log "ctest: build/ ${SIO_MAIN_TESTS_FILTER[*]} (run beside the asan stage's tests)"
    sio_wait_tests_beside main-tests build/ctest-main.log || ok=0
  else
    sio_main_tests_filter
    sio_log "ctest: build/ ${SIO_MAIN_TESTS_FILTER[*]}"
    "${SIO_MAIN_CTEST[@]}" -j2 "${SIO_MAIN_TESTS_FILTER[@]}" || ok=0
  fi
  if [[ ${ok} == 0 ]]; then
    sio_failed_outputs build
    sio_die "ctest: tests failed"
  fi
}

# sio_main_tests_filter: sets SIO_MAIN_TESTS_FILTER to the -R option of the main build's CTest run
# (none when it runs everything); stops the run if a test of build/ would run nowhere.
SIO_MAIN_TESTS_FILTER=()
sio_main_tests_filter() {
  SIO_MAIN_TESTS_FILTER=()
  sio_asan_runs_the_tests || return 0
  # A test program of build/ left unbuilt (CTest lists it as <program>_NOT_BUILT) must be one
  # that build-asan/ built.
  local names missing program
  names="$(sio_ctest_names build)"
  missing="$(comm -23 <(grep -Ev "${SIO_MAIN_ONLY_TESTS}" <<<"${names}" | grep -v '_NOT_BUILT$') \
                      <(sio_ctest_names build-asan))"
  for program in $(sed -n 's/_NOT_BUILT$//p' <<<"${names}"); do
    [[ -n "$(find build-asan/tests -name "${program}" -type f -perm -u+x -print -quit)" ]] ||
      missing+=" ${program} (a program)"
  done
  [[ -z "${missing}" ]] || sio_die "tests of build/ that neither the asan stage nor this one runs: ${missing}"
  SIO_MAIN_TESTS_FILTER=(-R "${SIO_MAIN_ONLY_TESTS}")
}

# sio_ctest_names <build-dir>: the names of the tests CTest knows there, sorted (without the
# "# GetParam() = ..." comment gtest adds to parameterised ones: it holds addresses).
sio_ctest_names() {
  ctest --test-dir "$1" -N | sed -nE 's/^ *Test +#[0-9]+: ([^ ]+).*$/\1/p' | sort
}

SIO_STAGES=(deps build wasm asan fuzz tsan)

# Sourced by a background job (sio_start_background) for its functions only.
[[ -n "${SIO_TEST_FUNCTIONS_ONLY:-}" ]] && return 0

for stage in "${SIO_STAGES[@]}"; do
  if [[ " ${SIO_SKIP:-} " == *" ${stage} "* ]]; then
    echo "(skipping stage ${stage})"
    continue
  fi
  start=${SECONDS}
  "stage_${stage}"
  echo "--- stage ${stage}: $((SECONDS - start))s"
done
stage_ctest_main
