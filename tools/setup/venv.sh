#!/usr/bin/env bash
# Creates the git-ignored venv from the pinned requirements and makes this
# checkout importable as the kthw.control_plane collection. Safe to re-run:
# the venv is rebuilt only when the requirements or constraints change.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want=$(cat "$root/requirements.txt" "$root/constraints.txt" | sha256sum | cut -d' ' -f1)

log() { printf '[venv] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$root/tools/setup/timing.sh"

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing the pinned toolchain into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$root/requirements.txt" -c "$root/constraints.txt"
  echo "$want" >"$stamp"
  record_cold_timing venv "$SECONDS"
else
  log "reusing $venv"
fi

# The unit tests read the rendered units with systemd's own parser.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  log "installing Debian's systemd package (systemd-analyze, for the unit tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi

# ansible.cfg points collections_path at .collections; the collection is this
# checkout itself.
mkdir -p "$root/.collections/ansible_collections/kthw"
ln -sfn ../../.. "$root/.collections/ansible_collections/kthw/control_plane"
