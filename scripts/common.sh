# scripts/common.sh - shared helpers for start.sh / test.sh (sourced, not run).
# Sets SIO_ROOT (the repository) and SIO_JOBS, defines logging and the CMake build helper.

SIO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIO_JOBS="${SIO_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# node scripts run by tests find the official packages; emcc needs Debian's node modules (acorn).
export NODE_PATH="${SIO_ROOT}/tests/node_modules:/usr/share/nodejs${NODE_PATH:+:${NODE_PATH}}"

sio_log() { printf '\n==> %s\n' "$*"; }
sio_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# sio_cmake_build <build-dir> [<target>...] -- [<cmake -D options>...]
# Configures (Ninja) and builds the given targets (all when none are named).
sio_cmake_build() {
  local dir="$1"; shift
  local targets=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do targets+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  cmake -S "${SIO_ROOT}" -B "${SIO_ROOT}/${dir}" -G Ninja "$@"
  if [[ ${#targets[@]} -gt 0 ]]; then
    cmake --build "${SIO_ROOT}/${dir}" -j "${SIO_JOBS}" --target "${targets[@]}"
  else
    cmake --build "${SIO_ROOT}/${dir}" -j "${SIO_JOBS}"
  fi
}

# The main build (build/): everything, Debug, g++.
sio_build_main() {
  sio_log "build: main (build/, Debug, ${SIO_JOBS} jobs)"
  sio_cmake_build build -- -DCMAKE_BUILD_TYPE="${SIO_BUILD_TYPE:-Debug}"
}
