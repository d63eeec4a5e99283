#!/usr/bin/env bash
# tests/package/deb_test.sh <build-dir> <work-dir> - the sio-server .deb, without a container:
# cpack builds it from <build-dir>; its control data must name the runtime libraries in Depends
# and mark /etc/sio/testserver.conf a conffile; `dpkg -x` unpacks it into a throwaway root, where
# the systemd unit must start the installed binary with the installed config, and that binary
# (run from the root with that config, on a free port) must answer the Socket.IO handshake.
# (No systemd runs on the test machines: the unit's lines are checked, not started.)
set -euo pipefail

build="$1"
work="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "${work}"
mkdir -p "${work}"
cpack --config "${build}/CPackConfig.cmake" -B "${work}/out" >"${work}/cpack.log" 2>&1 || { cat "${work}/cpack.log"; fail "cpack"; }
debs=("${work}"/out/sio-server_*.deb)
[[ -f "${debs[0]}" ]] || { cat "${work}/cpack.log"; fail "no sio-server_*.deb"; }
deb="${debs[0]}"
echo "package: $(basename "${deb}") ($(wc -c <"${deb}") bytes)"

# Metadata.
info="$(dpkg-deb -I "${deb}")"
echo "${info}" | grep -E '^ (Package|Version|Architecture|Depends):'
grep -qE '^ Package: sio-server$' <<<"${info}" || fail "Package"
depends="$(dpkg-deb -f "${deb}" Depends)"
# The programs' shared libraries, found by dpkg-shlibdeps: C/C++ runtime, OpenSSL, zlib, brotli,
# libcrypt and libjwt (the apps), Boost.Program_options (the command line).
IFS=',' read -ra depends_list <<<"${depends}"
for lib in libc6 libstdc++6 libssl3 zlib1g libbrotli1 libcrypt1 libjwt0 libboost-program-options1.81.0; do
  found=0
  for dep in "${depends_list[@]}"; do
    dep="${dep# }"
    [[ "${dep%% *}" == "${lib}" ]] && found=1
  done
  [[ ${found} -eq 1 ]] || fail "Depends lacks ${lib}: ${depends}"
done
# (The control files are unpacked and then looked at: a pipeline into `grep -q` fails under
# pipefail whenever grep exits before the writer has finished, which is a race.)
dpkg-deb -e "${deb}" "${work}/control"
[[ -f "${work}/control/conffiles" ]] || fail "no conffiles"
grep -qx '/etc/sio/testserver.conf' "${work}/control/conffiles" || fail "conffiles: $(cat "${work}/control/conffiles")"

# Contents.
root="${work}/root"
dpkg -x "${deb}" "${root}"
for f in usr/bin/sio-testserver usr/bin/sio-forwarder usr/bin/sio-jobmanager usr/bin/sio-coordinator \
         etc/sio/testserver.conf lib/systemd/system/sio-testserver.service; do
  [[ -e "${root}/${f}" || -e "${root}/usr/${f}" ]] || fail "not in the package: ${f}"
done
unit="$(find "${root}" -name sio-testserver.service | head -n 1)"
exec_start="$(sed -n 's/^ExecStart=//p' "${unit}")"
[[ "${exec_start}" == "/usr/bin/sio-testserver --config /etc/sio/testserver.conf" ]] || fail "ExecStart=${exec_start}"
grep -qx 'WantedBy=multi-user.target' "${unit}" || fail "the unit is not enabled for multi-user.target"
[[ -x "${root}/usr/bin/sio-testserver" ]] || fail "ExecStart's binary is not executable"
# The apps find their assets through <bindir>/../share/sio/apps-assets.
[[ -d "${root}/usr/share/sio/apps-assets" ]] || fail "no /usr/share/sio/apps-assets"

# Run: the unit's command line, from the unpacked root, the port overridden to a free one.
exec 3< <(exec "${root}/usr/bin/sio-testserver" --config "${root}/etc/sio/testserver.conf" --port 0 2>&1)
pid=$!
trap 'kill ${pid} 2>/dev/null || true' EXIT
url=""
while IFS= read -r -t 30 line <&3; do
  echo "sio-testserver: ${line}"
  if [[ "${line}" =~ listening\ on\ (http://[^/]+)/ ]]; then url="${BASH_REMATCH[1]}"; break; fi
done
[[ -n "${url}" ]] || fail "the installed server did not start"
answer="$(curl -sS --max-time 30 "${url}/socket.io/?EIO=4&transport=polling")" || fail "no answer from ${url}"
echo "handshake: ${answer}"
[[ "${answer}" =~ ^0\{\"sid\":\"[^\"]+\",\"upgrades\":\[\"websocket\"\] ]] || fail "not an Engine.IO handshake: ${answer}"
kill "${pid}"
wait "${pid}" 2>/dev/null || true
echo "deb: ok"
