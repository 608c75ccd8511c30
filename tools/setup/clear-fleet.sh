#!/usr/bin/env bash
# Removes a fleet left behind by an earlier checkout or an interrupted run
# (containers survive an engine restart), so a test never starts on stale state.
# Only Molecule's containers and network with the fleet's names, and the
# scenarios' Molecule state, are touched.
set -euo pipefail

for name in cp1 cp2 cp3 cp4 cp5 lb mirror; do
  if [ "$(docker inspect --format '{{ index .Config.Labels "owner" }}' "$name" 2>/dev/null)" = molecule ]; then
    docker rm -f "$name" >/dev/null
  fi
done
if [ "$(docker network inspect --format '{{ index .Labels "owner" }}' kthw-ha 2>/dev/null)" = molecule ]; then
  docker network rm kthw-ha >/dev/null
fi
# The scenarios' state and records (certificate set, serials, probe results)
# belong to the fleet just removed: a test must not read an earlier fleet's.
rm -rf "${HOME}"/.ansible/tmp/molecule.*.ha "${HOME}"/.ansible/tmp/molecule.*.ha5
