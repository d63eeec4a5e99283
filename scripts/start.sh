#!/usr/bin/env bash
# scripts/start.sh - installs what is missing, builds everything, and starts the reference server
# with the web demo on http://127.0.0.1:${PORT:-3000}/ and the three deployment apps on the next
# three ports (Ctrl-C stops them all).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "${SIO_ROOT}"

sio_install_deps
sio_build_main
bash "${SIO_ROOT}/scripts/build-wasm.sh" "${SIO_ROOT}/build-wasm"

server="${SIO_ROOT}/build/testserver/sio-testserver"
apps="${SIO_ROOT}/build/testserver/apps"
port="${PORT:-3000}"
if [[ ! -x "${server}" ]]; then
  echo "The reference server (build/testserver/sio-testserver) is not built yet; the build is done."
  exit 0
fi
web=(--static "${SIO_ROOT}/web-demo" --client-bundle "${SIO_ROOT}/build-wasm/socket.io.js")

# 32 bytes of the OS CSPRNG, hex.
secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# The deployment apps on PORT+1 (forwarder), PORT+2 (job manager), PORT+3 (coordinator), where
# web-demo/demo-links.js links to them: configurations written to build/demo/ from the examples,
# with secrets of this start.
start_demo_apps() {
  local dir="${SIO_ROOT}/build/demo" examples="${SIO_ROOT}/testserver/apps" jwt_secret token
  rm -rf "${dir}" && mkdir -p "${dir}/forwarder"
  cp "${examples}/forwarder/config.example.json" "${dir}/forwarder/config.json"
  cp "${examples}/forwarder/credentials.example.json" "${dir}/forwarder/credentials.json"
  sed -e "s/^PORT=.*/PORT=$((port + 1))/" "${examples}/forwarder/env.example" >"${dir}/forwarder/.env"
  sed -e "s/\"port\": [0-9]*/\"port\": $((port + 2))/" \
      -e "s/\"api_token\": \"[^\"]*\"/\"api_token\": \"$(secret)\"/" \
      "${examples}/jobmanager/jobmanager.example.json" >"${dir}/jobmanager.json"
  jwt_secret="$(secret)"
  sed -e "s/\"port\": [0-9]*/\"port\": $((port + 3))/" \
      -e "s/\"jwt_secret\": \"[^\"]*\"/\"jwt_secret\": \"${jwt_secret}\"/" \
      -e "s/\"api_key\": \"[^\"]*\"/\"api_key\": \"$(secret)\"/" \
      "${examples}/coordinator/coordinator.example.json" >"${dir}/coordinator.json"
  # The process environment wins over .env (as dotenv): the forwarder gets its own PORT.
  PORT=$((port + 1)) "${apps}/sio-forwarder" --dir "${dir}/forwarder" "${web[@]}" &
  "${apps}/sio-jobmanager" --config "${dir}/jobmanager.json" "${web[@]}" &
  "${apps}/sio-coordinator" --config "${dir}/coordinator.json" "${web[@]}" &
  trap 'kill $(jobs -p) 2>/dev/null' EXIT
  # A dashboard token of the example's user alice (24 h), signed with Debian's python3-jwt (PyJWT:
  # /usr/bin/python3, where apt installs it, not whichever python3 comes first in PATH).
  token="$(/usr/bin/python3 -c 'import jwt, sys, time
print(jwt.encode({"sub": "alice", "client_type": "user", "exp": int(time.time()) + 86400},
                 sys.argv[1], algorithm="HS256"))' "${jwt_secret}")"
  echo "Deployment apps (linked from the demo page; docs/deployments.md):"
  echo "  forwarder    http://127.0.0.1:$((port + 1))/forwarder/  (namespace: any name; logins demo / demo-password;"
  echo "               /admin: admin / admin-password)"
  echo "  job manager  http://127.0.0.1:$((port + 2))/jobmanager/"
  echo "  coordinator  http://127.0.0.1:$((port + 3))/coordinator/  (access token of the user alice:"
  echo "               ${token} )"
}
if [[ -x "${apps}/sio-forwarder" && -x "${apps}/sio-jobmanager" && -x "${apps}/sio-coordinator" ]]; then
  start_demo_apps
fi

echo "Starting the reference server with the web demo: http://127.0.0.1:${port}/"
"${server}" --host 127.0.0.1 --port "${port}" "${web[@]}"
