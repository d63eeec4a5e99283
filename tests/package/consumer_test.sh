#!/usr/bin/env bash
# tests/package/consumer_test.sh - a user's project against the installed package.
#
#   consumer_test.sh native <build-dir> <work-dir> <sio-testserver>
#     cmake --install <build-dir> --component dev into <work-dir>/prefix; builds
#     tests/package/consumer (find_package(sio), sio::client + sio::server + sio::core) and a
#     pkg-config program against it; runs the consumer's chat client against sio-testserver (free
#     port) and against the consumer's own server (sio::server from the package).
#   consumer_test.sh emscripten <work-dir>
#     emcmake-builds sio (sio::core + sio::client only), installs it into <work-dir>/em-prefix,
#     and builds the same consumer with emcmake against it (consumer_chat.js + .wasm).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "${here}/../.." && pwd)"
mode="$1"
shift
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

fail() { echo "FAIL: $*" >&2; exit 1; }

# start_server <name> <command...>: starts a server printing "listening on http://H:P/" on fd 3
# of this shell; sets server_pid and server_url once that line arrived (30 s at most).
start_server() {
  local name="$1"
  shift
  exec 3< <(exec "$@" 2>&1)
  server_pid=$!
  local line
  server_url=""
  while IFS= read -r -t 30 line <&3; do
    echo "${name}: ${line}"
    if [[ "${line}" =~ listening\ on\ (http://[^/]+)/ ]]; then
      server_url="${BASH_REMATCH[1]}"
      break
    fi
  done
  [[ -n "${server_url}" ]] || fail "${name} did not say where it listens"
}

stop_server() {
  kill "${server_pid}" 2>/dev/null || true
  wait "${server_pid}" 2>/dev/null || true
  exec 3<&-
}

# run_chat <url>: the chat example's tour over WebSocket upgrade; must end with "done".
run_chat() {
  local out
  out="$(timeout 120 "${work}/native/consumer_chat" "$1" upgrade 2>&1)" || { echo "${out}"; fail "consumer_chat against $1"; }
  echo "${out}" | tail -n 3
  grep -qx "done" <<<"${out}" || { echo "${out}"; fail "consumer_chat did not finish against $1"; }
  if grep -q "^FAIL" <<<"${out}"; then echo "${out}"; fail "consumer_chat against $1"; fi
}

case "${mode}" in
  native)
    build="$(cd "$1" && pwd)" work="$2" testserver="$3"
    rm -rf "${work}/prefix" "${work}/pkgconfig"
    mkdir -p "${work}"
    cmake --install "${build}" --prefix "${work}/prefix" --component dev >"${work}/install.log"
    for f in lib/cmake/sio/sioConfig.cmake lib/cmake/sio/sioConfigVersion.cmake lib/cmake/sio/sioTargets.cmake \
             lib/pkgconfig/sio.pc lib/pkgconfig/sio-server.pc include/sio/version.hpp include/sio/client.hpp \
             include/sio/server/server.hpp lib/libsio_core.a lib/libsio_client.a lib/libsio_server.a; do
      [[ -e "${work}/prefix/${f}" ]] || fail "not installed: ${f}"
    done
    # The installed tree must not point back into the source or build tree.
    if grep -rlE "${source_dir}|${build}" "${work}/prefix/lib/cmake" "${work}/prefix/lib/pkgconfig"; then
      fail "the installed package refers to the source or build tree"
    fi

    cmake -S "${here}/consumer" -B "${work}/native" -G Ninja -DCMAKE_BUILD_TYPE=Debug "${launcher[@]}" \
      -DCMAKE_PREFIX_PATH="${work}/prefix" >"${work}/native-configure.log" || { cat "${work}/native-configure.log"; fail "configure"; }
    grep -E "^-- sio " "${work}/native-configure.log"
    cmake --build "${work}/native" -j 2 >"${work}/native-build.log" || { cat "${work}/native-build.log"; fail "build"; }

    # pkg-config: compile and link one program from the .pc file alone.
    mkdir -p "${work}/pkgconfig"
    flags="$(PKG_CONFIG_PATH="${work}/prefix/lib/pkgconfig" pkg-config --cflags --libs sio)" || fail "pkg-config sio"
    # shellcheck disable=SC2086
    c++ "${here}/consumer/pkgconfig_main.cpp" -o "${work}/pkgconfig/main" ${flags} || fail "build with pkg-config: ${flags}"
    "${work}/pkgconfig/main" | grep -E '^sio [0-9]+\.[0-9]+\.[0-9]+: 2\["hello",1\]$' || fail "pkg-config program output"
    PKG_CONFIG_PATH="${work}/prefix/lib/pkgconfig" pkg-config --exists --print-errors sio-server || fail "pkg-config sio-server"

    start_server sio-testserver "${testserver}" --port 0
    run_chat "${server_url}"
    stop_server
    start_server consumer_server "${work}/native/consumer_server"
    run_chat "${server_url}"
    stop_server
    echo "native consumer: ok"
    ;;
  emscripten)
    work="$1"
    command -v emcmake >/dev/null 2>&1 || fail "emcmake not found (apt-get install emscripten)"
    export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:${NODE_PATH}}"
    mkdir -p "${work}"
    # sio for the browser, as a user would build and install it (kept between runs: incremental).
    # No build type (no -O, no -g) for both builds: the slowest test of the suite otherwise; what
    # is checked (the package's targets, include dirs and link under emcmake) does not depend on it.
    emcmake cmake -S "${source_dir}" -B "${work}/em-sio" -G Ninja -DCMAKE_BUILD_TYPE= \
      -DSIO_BUILD_TESTS=OFF >"${work}/em-sio-configure.log" 2>&1 || { cat "${work}/em-sio-configure.log"; fail "emcmake sio"; }
    cmake --build "${work}/em-sio" -j 2 --target sio_core sio_client >"${work}/em-sio-build.log" 2>&1 ||
      { cat "${work}/em-sio-build.log"; fail "em++ build of sio"; }
    rm -rf "${work}/em-prefix"
    cmake --install "${work}/em-sio" --prefix "${work}/em-prefix" --component dev >/dev/null
    [[ -e "${work}/em-prefix/include/sio-deps/nlohmann/json.hpp" ]] || fail "nlohmann/json not in the package"
    [[ ! -e "${work}/em-prefix/lib/libsio_server.a" ]] || fail "the Emscripten package has a server"
    rm -rf "${work}/em-consumer"
    emcmake cmake -S "${here}/consumer" -B "${work}/em-consumer" -G Ninja -DCMAKE_BUILD_TYPE= \
      -Dsio_DIR="${work}/em-prefix/lib/cmake/sio" >"${work}/em-consumer-configure.log" 2>&1 ||
      { cat "${work}/em-consumer-configure.log"; fail "emcmake consumer"; }
    grep -E "^-- sio " "${work}/em-consumer-configure.log"
    cmake --build "${work}/em-consumer" -j 2 >"${work}/em-consumer-build.log" 2>&1 ||
      { cat "${work}/em-consumer-build.log"; fail "em++ build of the consumer"; }
    [[ -s "${work}/em-consumer/consumer_chat.js" && -s "${work}/em-consumer/consumer_chat.wasm" ]] ||
      fail "no consumer_chat.js / .wasm"
    echo "emscripten consumer: ok ($(wc -c <"${work}/em-consumer/consumer_chat.wasm") bytes of wasm)"
    ;;
  *)
    fail "mode: native or emscripten"
    ;;
esac
