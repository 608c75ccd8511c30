#!/usr/bin/env bash
# Builds the fleet's node image (Debian bookworm, systemd as PID 1) with
# debootstrap, since no registry can be reached. The tag is a hash of this
# recipe, so a changed recipe rebuilds the image and an unchanged one is reused.
# Prints the image name on stdout.
set -euo pipefail

repo_name=kthw-node
# nginx, haproxy and keepalived are what the roles install; baking them in
# saves minutes per test run, and the roles still own their installation on
# real hosts. sshd and sudo are what an operator's hosts have: the tests
# connect over SSH.
packages=systemd,systemd-sysv,python3,python3-apt,iproute2,ca-certificates,procps,curl,openssl,nginx,haproxy,keepalived,openssh-server,sudo

log() { printf '[node-image] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$(dirname "$0")/timing.sh"

recipe_hash=$(sha256sum "$0" | cut -c1-12)
image="$repo_name:$recipe_hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  log "reusing $image"
  echo "$image"
  exit 0
fi

command -v debootstrap >/dev/null 2>&1 || {
  log "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /var/tmp/kthw-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap bookworm from $mirror (about two minutes)"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >/dev/null

# Services the roles configure must not start on their own defaults.
chroot "$rootfs" systemctl disable nginx.service haproxy.service keepalived.service >/dev/null 2>&1 || true
chroot "$rootfs" systemctl mask systemd-resolved.service getty@tty1.service \
  console-getty.service systemd-logind.service >/dev/null 2>&1 || true
rm -f "$rootfs"/etc/machine-id && : >"$rootfs"/etc/machine-id
printf '%s\n' "deb $mirror bookworm main" >"$rootfs"/etc/apt/sources.list
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/*

log "importing $image"
tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=docker' - "$image" >/dev/null
docker tag "$image" "$repo_name:latest"
record_cold_timing image "$SECONDS"
echo "$image"
