#!/usr/bin/env bash
# Removes a fleet left behind by an earlier checkout or an interrupted run
# (containers survive an engine restart), so a test never starts on stale state.
# Only Molecule's containers and network with the fleet's names, and the
# scenarios' Molecule state, are touched.
set -euo pipefail

# lb: the single load balancer of fleets before the shared endpoint address.
for name in cp1 cp2 cp3 cp4 cp5 lb lb1 lb2 mirror; do
  if [ "$(docker inspect --format '{{ index .Config.Labels "owner" }}' "$name" 2>/dev/null)" = molecule ]; then
    docker rm -f "$name" >/dev/null
  fi
done
for network in kthw-ha kthw-mgmt; do
  if [ "$(docker network inspect --format '{{ index .Labels "owner" }}' "$network" 2>/dev/null)" = molecule ]; then
    docker network rm "$network" >/dev/null
  fi
done
# The scenarios' state and records (certificate set, serials, probe results)
# belong to the fleet just removed: a test must not read an earlier fleet's.
rm -rf "${HOME}"/.ansible/tmp/molecule.*.ha "${HOME}"/.ansible/tmp/molecule.*.ha5
# The operator's side of the fleet: its certificate set, snapshots, reports and
# fact cache. The operator's venv, key and installed collection are kept.
operator_home=${KTHW_OPERATOR_HOME:-/home/${KTHW_OPERATOR:-kthw-operator}}
rm -rf "$operator_home/site" "$operator_home/.cache/ansible-facts" "$operator_home/.ansible/cp"
