#!/usr/bin/env bash
# scripts/start.sh - installs what is missing, builds everything, and starts the reference server
# with the web demo on http://127.0.0.1:${PORT:-3000}/ (Ctrl-C stops it).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "${SIO_ROOT}"

sio_install_deps
sio_build_main
bash "${SIO_ROOT}/scripts/build-wasm.sh" "${SIO_ROOT}/build-wasm"

server="${SIO_ROOT}/build/testserver/sio-testserver"
port="${PORT:-3000}"
if [[ ! -x "${server}" ]]; then
  echo "The reference server (build/testserver/sio-testserver) is not built yet; the build is done."
  exit 0
fi
echo "Starting the reference server with the web demo: http://127.0.0.1:${port}/"
exec "${server}" --host 127.0.0.1 --port "${port}" --static "${SIO_ROOT}/web-demo" \
  --client-bundle "${SIO_ROOT}/build-wasm/socket.io.js"
