#!/usr/bin/env bash
# scripts/deps.sh - installs what the project needs and is missing (Debian 12, as root or with sudo).
# Fast when everything is there: apt is only touched if dpkg-query finds a package missing, and npm
# only when tests/node_modules is missing or older than tests/package-lock.json.
# Usable on its own (`bash scripts/deps.sh`) or sourced (then call sio_install_deps).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Debian packages. Boost is 1.81 (never the unversioned libboost-dev: it is 1.74 and conflicts).
SIO_APT_PACKAGES=(
  build-essential cmake ninja-build
  clang-14 libclang-rt-14-dev lld-14
  libboost1.81-dev libboost-system1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libboost-program-options1.81-dev
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libcrypt-dev libjwt-dev
  libgtest-dev googletest
  emscripten node-terser chromium redis-server ca-certificates tinyproxy
  gnuplot-nox python3-socketio python3-websocket python3-requests python3-jwt
  zlib1g-dev libbrotli-dev pkg-config
  libhiredis-dev nginx-light
)

sio_missing_apt_packages() {
  local p
  for p in "${SIO_APT_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != 'install ok installed' ]]; then
      echo "$p"
    fi
  done
  # node and npm are checked as commands: a machine may have NodeSource's nodejs (which bundles
  # npm and conflicts with Debian's npm package); Debian's nodejs needs the npm package besides.
  command -v node >/dev/null 2>&1 || echo nodejs
  command -v npm >/dev/null 2>&1 || echo npm
}

sio_apt_install() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  sio_log "deps: apt-get install $*"
  "${sudo[@]}" apt-get update
  local attempt
  for attempt in 1 2 3; do
    if "${sudo[@]}" apt-get install -y "$@"; then return 0; fi
    echo "apt-get install failed (attempt ${attempt}/3)" >&2
    "${sudo[@]}" apt-get update || true
  done
  sio_die "could not install: $*"
}

sio_npm_install() {
  local tests="${SIO_ROOT}/tests"
  local marker="${tests}/node_modules/.package-lock.json"
  if [[ -f "${marker}" && ! "${tests}/package-lock.json" -nt "${marker}" ]]; then
    return 0
  fi
  sio_log "deps: npm ci --prefix tests"
  local attempt
  for attempt in 1 2 3; do
    if npm ci --prefix "${tests}" --no-audit --no-fund --fetch-retries=5 --fetch-timeout=120000; then
      touch "${marker}"
      return 0
    fi
    echo "npm ci failed (attempt ${attempt}/3)" >&2
    sleep $((attempt * 10))   # back off: the registry sometimes idles out
  done
  sio_die "npm ci failed 3 times"
}

sio_install_deps() {
  local missing
  missing="$(sio_missing_apt_packages)"
  if [[ -n "${missing}" ]]; then
    # shellcheck disable=SC2086
    sio_apt_install ${missing}
  fi
  sio_npm_install
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  sio_install_deps
  echo "deps: all installed"
fi
