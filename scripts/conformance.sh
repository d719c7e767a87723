#!/usr/bin/env bash
# Runs Tempest's interop tests of the given components against Nimbus.
#
#   npm run conformance -- identity [image network compute volume object identity-full all]
#   npm run conformance -- compute-full volume-full  # all of tempest.api.compute / .volume
#   npm run conformance -- compute-validation      # the compute classes that SSH into guests
#   NIMBUS_CONFORMANCE_GUESTS=qemu npm run conformance -- compute   # all of compute, likewise
#
# Starts its own `nimbus up` on a free port with a throwaway data directory, unless
# NIMBUS_AUTH_URL (identity v3 URL) and NIMBUS_ADMIN_PASSWORD are set (optional:
# NIMBUS_ADMIN_USER, NIMBUS_ADMIN_PROJECT, NIMBUS_REGION). The Tempest workspace (config,
# logs, nimbus.log, stestr results) is kept and its path printed. Exits non-zero if a test failed.
# NIMBUS_CONFORMANCE_DIR overrides where the interop lists and tempest.conf.template are read.
#
# With real guests (NIMBUS_CONFORMANCE_GUESTS=qemu, implied by compute-validation; needs root and
# qemu-system-x86_64) the cloud runs the qemu compute driver and the linuxbridge data plane as host
# NIMBUS_HOST_NAME (default tvalid), with an external network on a free 198.18.x.0/24 the host
# reaches, and Tempest's [validation] is on: servers boot the tiny guest and are logged into by
# SSH over floating IPs. Tests run one at a time (NIMBUS_CONFORMANCE_CONCURRENCY overrides).
# The guests, namespaces, devices and nftables tables the cloud made are removed after it stops.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helper="${repo}/scripts/conformance/nimbus_tempest.py"
py=/usr/bin/python3
shared="${NIMBUS_CONFORMANCE_DIR:-${repo}/../shared/conformance}"
template="${shared}/tempest.conf.template"
interop="${shared}/interop-2022.11-platform.load-list.txt"

die() {
  echo "conformance: error: $*" >&2
  exit 2
}

if [[ $# -eq 0 ]]; then
  echo "usage: npm run conformance -- <component...>" >&2
  echo "components: identity image network compute volume object identity-full compute-full volume-full all" >&2
  exit 2
fi
for f in "${template}" "${interop}"; do
  [[ -f "${f}" ]] || die "missing ${f}: the conformance data is expected in ../shared/conformance beside the checkout (or set NIMBUS_CONFORMANCE_DIR)"
done
for tool in /usr/bin/tempest /usr/bin/stestr "${py}"; do
  [[ -x "${tool}" ]] || die "missing ${tool}: run scripts/install-deps.sh"
done
"${py}" "${helper}" check-components "$@"

guests="${NIMBUS_CONFORMANCE_GUESTS:-fake}"
for c in "$@"; do
  if [[ "${c}" == compute-validation ]]; then guests=qemu; fi
done
case "${guests}" in
  fake) concurrency="${NIMBUS_CONFORMANCE_CONCURRENCY:-2}" ;;
  qemu)
    concurrency="${NIMBUS_CONFORMANCE_CONCURRENCY:-1}"
    if [[ -z "${NIMBUS_AUTH_URL:-}" ]]; then
      [[ "$(id -u)" -eq 0 ]] || die "real guests need root (taps, bridges, namespaces)"
      command -v qemu-system-x86_64 >/dev/null || die "real guests need qemu-system-x86_64"
    fi
    ;;
  *) die "NIMBUS_CONFORMANCE_GUESTS must be fake or qemu (got '${guests}')" ;;
esac
[[ "${concurrency}" =~ ^[1-9][0-9]*$ ]] || die "NIMBUS_CONFORMANCE_CONCURRENCY must be a positive integer"

# tempest init wants a directory that does not exist yet and writes tempest.log to its cwd
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/nimbus-tempest.XXXXXX")"
workspace="${run_dir}/workspace"
echo "conformance: workspace ${workspace}"
if ! (cd "${run_dir}" && /usr/bin/tempest init --workspace-path "${run_dir}/workspace.yaml" \
  "${workspace}" >"${run_dir}/init.log" 2>&1); then
  cat "${run_dir}/init.log" >&2
  die "tempest init ${workspace} failed"
fi

nimbus_pid=''
data_dir=''
stop_cloud() {
  if [[ -n "${nimbus_pid}" ]] && kill -0 "${nimbus_pid}" 2>/dev/null; then
    kill -TERM "${nimbus_pid}" 2>/dev/null || true
    local waited=0
    while kill -0 "${nimbus_pid}" 2>/dev/null && [[ ${waited} -lt 50 ]]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "${nimbus_pid}" 2>/dev/null; then
      echo "conformance: nimbus (pid ${nimbus_pid}) still running 5 s after SIGTERM; killing it" >&2
      kill -KILL "${nimbus_pid}" 2>/dev/null || true
    fi
    wait "${nimbus_pid}" 2>/dev/null || true
  fi
  nimbus_pid=''
  if [[ "${guests}" == qemu && -n "${data_dir}" ]]; then
    "${py}" "${helper}" cleanup-host --data-dir "${data_dir}" --host-name "${NIMBUS_HOST_NAME:-tvalid}" ||
      echo "conformance: cleaning up the host failed (data dir ${data_dir})" >&2
  fi
  if [[ -n "${data_dir}" && -z "${NIMBUS_KEEP_DATA:-}" ]]; then
    rm -rf "${data_dir}"
  fi
  data_dir=''
}
trap stop_cloud EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${NIMBUS_AUTH_URL:-}" ]]; then
  [[ -n "${NIMBUS_ADMIN_PASSWORD:-}" ]] || die "NIMBUS_AUTH_URL is set but NIMBUS_ADMIN_PASSWORD is not"
  auth_url="${NIMBUS_AUTH_URL}"
  admin_password="${NIMBUS_ADMIN_PASSWORD}"
  echo "conformance: using the cloud at ${auth_url}"
else
  if [[ ! -f "${repo}/dist/cli/main.js" ]]; then
    echo "conformance: dist/cli/main.js missing; running npm run build"
    (cd "${repo}" && npm run build)
  fi
  port="$("${py}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/nimbus-data.XXXXXX")"
  admin_password="$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
  log="${workspace}/nimbus.log"
  # compute and volume (volumes from an image) need an active image; the throwaway cloud gets
  # two (see cloud_api.discover_image)
  for c in "$@"; do
    if [[ "${c}" == compute || "${c}" == volume || "${c}" == compute-full || "${c}" == volume-full ||
      "${c}" == all ]]; then
      export NIMBUS_TEMPEST_MAKE_IMAGE=1
    fi
    # two fake compute hosts, so the tests that move servers between hosts run too
    # (tempest.conf's min_compute_nodes is the number of hypervisors the cloud reports)
    if [[ "${guests}" == fake && ("${c}" == compute || "${c}" == compute-full || "${c}" == all) ]]; then
      export NIMBUS_COMPUTE_HOSTS="${NIMBUS_COMPUTE_HOSTS:-2}"
    fi
  done
  metadata_port="$("${py}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  if [[ "${guests}" == qemu ]]; then
    # the data plane's names (host, VXLAN ids, the external subnet) must not meet other clouds
    # on this machine; the tiny guest is built once into a cache the e2e tests share
    export NIMBUS_HOST_NAME="${NIMBUS_HOST_NAME:-tvalid}"
    export NIMBUS_COMPUTE_DRIVER=qemu NIMBUS_NETWORK_DATAPLANE=linuxbridge
    export NIMBUS_COMPUTE_GUEST_IMAGE_CACHE="${NIMBUS_COMPUTE_GUEST_IMAGE_CACHE:-${TMPDIR:-/tmp}/nimbus-tiny-image-cache}"
    vni=$((20000 + RANDOM * 400 + RANDOM % 400))
    export NIMBUS_NETWORK_VNI_RANGES="${vni}:$((vni + 499))"
    if [[ -z "${NIMBUS_NETWORK_PUBLIC_CIDR:-}" ]]; then
      used="$(ip -4 -o addr show | grep -oE '198\.18\.[0-9]+\.' || true)"
      for _ in $(seq 1 50); do
        octet=$((RANDOM % 254 + 1))
        grep -qF "198.18.${octet}." <<<"${used}" || break
      done
      export NIMBUS_NETWORK_PUBLIC_CIDR="198.18.${octet}.0/24"
    fi
    echo "conformance: real guests (qemu driver, linuxbridge data plane) on host ${NIMBUS_HOST_NAME}, external network ${NIMBUS_NETWORK_PUBLIC_CIDR}"
  fi
  node "${repo}/bin/nimbus.js" up --data-dir "${data_dir}" --host 127.0.0.1 --port "${port}" \
    --admin-password "${admin_password}" --region "${NIMBUS_REGION:-RegionOne}" \
    --metadata-port "${metadata_port}" >"${log}" 2>&1 &
  nimbus_pid=$!
  echo "conformance: started nimbus (pid ${nimbus_pid}) on 127.0.0.1:${port}, log ${log}"
  auth_url=''
  for _ in $(seq 1 1800); do
    auth_url="$(grep -m1 -oE '^Nimbus is ready: http://[^[:space:]]+' "${log}" | sed 's/^Nimbus is ready: //' || true)"
    [[ -n "${auth_url}" ]] && break
    if ! kill -0 "${nimbus_pid}" 2>/dev/null; then
      tail -n 40 "${log}" >&2 || true
      nimbus_pid=''
      die "nimbus exited before it was ready (log above, full log ${log})"
    fi
    sleep 0.1
  done
  if [[ -z "${auth_url}" ]]; then
    tail -n 40 "${log}" >&2 || true
    die "nimbus did not print its ready line within 180 s (log ${log})"
  fi
  echo "conformance: nimbus is ready at ${auth_url}"
fi

"${py}" "${helper}" write-conf --template "${template}" --workspace "${workspace}" \
  --auth-url "${auth_url}" --username "${NIMBUS_ADMIN_USER:-admin}" \
  --password "${admin_password}" --project "${NIMBUS_ADMIN_PROJECT:-admin}" \
  --region "${NIMBUS_REGION:-RegionOne}" --guests "${guests}"

rc=0
"${py}" "${helper}" run --workspace "${workspace}" --interop-list "${interop}" \
  --concurrency "${concurrency}" "$@" || rc=$?
exit "${rc}"
