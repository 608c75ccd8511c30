#!/usr/bin/env bash
# Ensures a Docker engine answers `docker info`: installs Debian's docker.io when
# dockerd is missing and starts it in the background (machines without systemd).
set -euo pipefail

log() { printf '[docker-engine] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$(dirname "$0")/timing.sh"

docker info >/dev/null 2>&1 && exit 0

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

# A stale pid file from a killed engine blocks a new one.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi

log_file=/var/log/kthw-dockerd.log
log "starting dockerd (log: $log_file)"
# setsid: the engine outlives the make target that started it.
setsid dockerd >"$log_file" 2>&1 < /dev/null &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine ready"
    record_cold_timing engine "$SECONDS"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of $log_file:"
tail -n 20 "$log_file" >&2
exit 1
