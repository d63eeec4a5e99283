#!/usr/bin/env bash
# scripts/build-wasm.sh [out-dir] - builds the client for the browser with Debian's emcc (3.1.6):
# the JS bundle <out-dir>/wasm/socket.io.js (wasm embedded) and socket.io.js.gz, copied to
# <out-dir>/socket.io.js(.gz); and the C++ example examples/chat in <out-dir>/chat/.
# Default out-dir: <repo>/build-wasm. Idempotent: re-running only rebuilds what changed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="${1:-${SIO_ROOT}/build-wasm}"
mkdir -p "${out}"
out="$(cd "${out}" && pwd)"

command -v emcmake >/dev/null 2>&1 || sio_die "emcmake not found (apt-get install emscripten)"
# emcc's JS optimizer needs Debian's acorn (in /usr/share/nodejs) at -O2 and above.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:${NODE_PATH}}"

if [[ ! -f "${out}/build.ninja" ]]; then
  # Size first for every translation unit (the core's too): -Oz, no exceptions (the core never
  # throws; nlohmann then aborts instead of throwing, and the core only uses its non-throwing
  # parse), no RTTI.
  emcmake cmake -S "${SIO_ROOT}" -B "${out}" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
    -DCMAKE_CXX_FLAGS="-fno-exceptions -fno-rtti -DJSON_NOEXCEPTION" -DCMAKE_CXX_FLAGS_MINSIZEREL="-Oz -DNDEBUG" \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
cmake --build "${out}" --target sio_wasm_client -j "${SIO_JOBS}"
# The C++ example examples/chat as a user's project would build it for the browser (its own
# CMakeLists.txt under emcmake, default em++ flags): <out-dir>/chat/index.html + chat.js.
if [[ ! -f "${out}/chat/build.ninja" ]]; then
  emcmake cmake -S "${SIO_ROOT}/examples/chat" -B "${out}/chat" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
fi
cmake --build "${out}/chat" --target chat -j "${SIO_JOBS}"
cp -f "${out}/wasm/socket.io.js" "${out}/socket.io.js"
cp -f "${out}/wasm/socket.io.js.gz" "${out}/socket.io.js.gz"
echo "wasm client: ${out}/socket.io.js ($(wc -c <"${out}/socket.io.js") bytes," \
     "gzip $(wc -c <"${out}/socket.io.js.gz") bytes)"
