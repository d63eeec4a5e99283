#!/usr/bin/env bash
# scripts/build-wasm.sh [out-dir] - builds the client for the browser with Debian's emcc (3.1.6):
# the JS bundle <out-dir>/wasm/socket.io.js + socket.io.wasm (the default: the JavaScript loads the
# .wasm from beside itself), socket.io.single.js (one file, the .wasm embedded) and
# socket.io.msgpack.js + socket.io.msgpack.wasm (with the MessagePack parser), each with a .gz,
# copied to <out-dir>/; the npm package of the browser client in <out-dir>/npm/ (socket.io.mjs,
# the classic scripts, the .wasm, package.json, TypeScript declarations: wasm/make_package.js);
# and the C++ example examples/chat in <out-dir>/chat/.
# Default out-dir: <repo>/build-wasm. Idempotent: re-running only rebuilds what changed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="${1:-${SIO_ROOT}/build-wasm}"
mkdir -p "${out}"
out="$(cd "${out}" && pwd)"

command -v emcmake >/dev/null 2>&1 || sio_die "emcmake not found (apt-get install emscripten)"
# emcc's JS optimizer needs Debian's acorn (in /usr/share/nodejs) at -O2 and above.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:${NODE_PATH}}"

# Size first for every translation unit (the core's too): -Oz, link-time optimisation (-flto: the
# link sees the whole program, drops and merges more), no exceptions (the core never throws;
# nlohmann then aborts instead of throwing, and the core only uses its non-throwing parse), no
# RTTI. No debug logging in the client (SIO_CLIENT_LOG=OFF): the bundle has no way to turn it on.
# Configured on every run so that a build directory from before a flag change gets it.
emcmake cmake -S "${SIO_ROOT}" -B "${out}" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DCMAKE_CXX_FLAGS="-fno-exceptions -fno-rtti -DJSON_NOEXCEPTION -flto" -DCMAKE_CXX_FLAGS_MINSIZEREL="-Oz -DNDEBUG" \
  -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node -DSIO_CLIENT_LOG=OFF >/dev/null
cmake --build "${out}" --target sio_wasm_client sio_wasm_client_single sio_wasm_client_msgpack sio_wasm_package -j "${SIO_JOBS}"
# The C++ example examples/chat as a user's project would build it for the browser (its own
# CMakeLists.txt under emcmake, default em++ flags): <out-dir>/chat/index.html + chat.js.
if [[ ! -f "${out}/chat/build.ninja" ]]; then
  emcmake cmake -S "${SIO_ROOT}/examples/chat" -B "${out}/chat" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
fi
cmake --build "${out}/chat" --target chat -j "${SIO_JOBS}"
for f in socket.io.js socket.io.wasm socket.io.single.js socket.io.msgpack.js socket.io.msgpack.wasm; do
  cp -f "${out}/wasm/${f}" "${out}/${f}"
  cp -f "${out}/wasm/${f}.gz" "${out}/${f}.gz"
done
echo "wasm client: ${out}/socket.io.js ($(wc -c <"${out}/socket.io.js") bytes, gzip" \
     "$(wc -c <"${out}/socket.io.js.gz")) + socket.io.wasm ($(wc -c <"${out}/socket.io.wasm") bytes, gzip" \
     "$(wc -c <"${out}/socket.io.wasm.gz")); single file socket.io.single.js" \
     "($(wc -c <"${out}/socket.io.single.js") bytes, gzip $(wc -c <"${out}/socket.io.single.js.gz"))"
