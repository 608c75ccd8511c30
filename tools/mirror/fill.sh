#!/usr/bin/env bash
# Fills the offline binary mirror for the pinned versions (or, with the
# argument "previous", for the releases make test upgrades from), outside the
# work tree, with exactly the upstream layouts. Official artifacts are fetched
# when the upstream URLs answer; otherwise the same release tags are built from
# their Go modules. A complete mirror is reused as is. Prints the mirror path.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KTHW_CACHE_DIR:-/var/cache/kthw}
mirror="$cache/mirror"
which=${1:-pinned}
case "$which" in
  pinned) versions="$root/roles/cluster/defaults/main.yml" ;;
  previous) versions="$root/inventories/molecule/group_vars/all.yml" ;;
  *) echo "usage: $0 [pinned|previous]" >&2; exit 2 ;;
esac

log() { printf '[mirror] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$root/tools/setup/timing.sh"
# The pinned versions are top-level keys; the previous ones are indented under kthw_previous_releases.
version_of() { sed -n "s/^ *$1: \"\\(.*\\)\"/\\1/p" "$versions" | head -n 1; }

kube_version=$(version_of cluster_kubernetes_version)
etcd_version=$(version_of cluster_etcd_version)
if [ -z "$kube_version" ] || [ -z "$etcd_version" ]; then
  log "no versions in $versions"
  exit 1
fi
arch=amd64
[ "$(uname -m)" = aarch64 ] && arch=arm64
k8s_dir="$mirror/kubernetes/v$kube_version/bin/linux/$arch"
etcd_dir="$mirror/etcd/v$etcd_version"
etcd_tarball="etcd-v$etcd_version-linux-$arch.tar.gz"

complete() {
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [ -s "$k8s_dir/$b" ] && [ -s "$k8s_dir/$b.sha256" ] || return 1
    [ "$(sha256sum "$k8s_dir/$b" | cut -d' ' -f1)" = "$(cat "$k8s_dir/$b.sha256")" ] || return 1
  done
  etcd_sum_ok
}

etcd_sum_ok() {
  [ -s "$etcd_dir/SHA256SUMS" ] &&
    (cd "$etcd_dir" && grep " $etcd_tarball\$" SHA256SUMS | sha256sum -c --quiet - >/dev/null 2>&1)
}

# One bounded try at the official downloads; no answer means build from source.
fetch_official() {
  local k8s_base=https://dl.k8s.io/release etcd_base=https://github.com/etcd-io/etcd/releases/download
  curl -fsS --max-time 10 -o /dev/null "$k8s_base/v$kube_version/bin/linux/$arch/kubectl.sha256" 2>/dev/null || return 1
  log "upstream answers: fetching the official artifacts"
  mkdir -p "$k8s_dir" "$etcd_dir"
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    curl -fsSL -o "$k8s_dir/$b" "$k8s_base/v$kube_version/bin/linux/$arch/$b"
    curl -fsSL -o "$k8s_dir/$b.sha256" "$k8s_base/v$kube_version/bin/linux/$arch/$b.sha256"
  done
  curl -fsSL -o "$etcd_dir/$etcd_tarball" "$etcd_base/v$etcd_version/$etcd_tarball"
  curl -fsSL -o "$etcd_dir/SHA256SUMS" "$etcd_base/v$etcd_version/SHA256SUMS"
  # Upstream SHA256SUMS lists every platform; it is kept as published.
}

if complete; then
  log "reusing $mirror (kubernetes v$kube_version, etcd v$etcd_version)"
else
  fetch_official || {
    log "upstream unreachable: building kubernetes v$kube_version and etcd v$etcd_version from their Go modules"
    KTHW_CACHE_DIR=$cache "$root/tools/mirror/build-from-source.sh" "$mirror" "$kube_version" "$etcd_version"
  }
  complete || { log "the mirror at $mirror is incomplete or fails its checksums"; exit 1; }
  step=mirror
  [ "$which" = pinned ] || step="mirror-previous"
  record_cold_timing "$step" "$SECONDS"
fi
echo "$mirror"
