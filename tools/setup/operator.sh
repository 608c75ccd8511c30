#!/usr/bin/env bash
# The operator's side of the tests: an unprivileged local user (no sudo at all)
# with its own venv from controller-requirements.txt, an SSH key, this
# collection built and installed the way an operator installs it, and a site
# folder outside the repository with an inventory copied from inventories/ha
# where only hosts, addresses, the user and the mirror were edited.
# Safe to re-run: the venv is rebuilt only when its requirements change, the
# collection is rebuilt every time, the site's pki/ folder is kept (it belongs to
# the fleet; tools/setup/clear-fleet.sh removes it with the fleet).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
operator=${KTHW_OPERATOR:-kthw-operator}
log() { printf '[operator] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$root/tools/setup/timing.sh"
# From the operator's home: no ansible.cfg of this checkout may apply.
as_operator() { (cd "$home" && runuser -u "$operator" -- env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"); }

if ! id "$operator" >/dev/null 2>&1; then
  log "creating the local user $operator (no sudo)"
  useradd --create-home --shell /bin/bash "$operator"
fi
home=$(getent passwd "$operator" | cut -d: -f6)
# The tests prove no task runs sudo on the controller: this user must have none.
if id -nG "$operator" | tr ' ' '\n' | grep -qxE 'sudo|wheel|root|docker'; then
  echo "[operator] $operator must not be in the sudo, wheel, root or docker group" >&2
  exit 1
fi

# The operator's workstation reaches the nodes only on the management network,
# plus the API endpoint the admin kubeconfig names: nothing the collection does
# may need the cluster network from the controller (the fleet's addresses are
# those of molecule/ha/molecule.yml).
command -v iptables >/dev/null || { echo "[operator] iptables is missing (the Docker engine needs it too)" >&2; exit 1; }
block=(OUTPUT -m owner --uid-owner "$operator" -d 172.31.250.0/24 -j REJECT)
endpoint_port=$(sed -n 's/^cluster_api_endpoint_port: *//p' "$root/tools/operator/site-settings.yml")
endpoint=(OUTPUT -m owner --uid-owner "$operator" -d 172.31.250.10/32 -p tcp --dport "${endpoint_port:?}" -j ACCEPT)
iptables -C "${block[@]}" 2>/dev/null || iptables -I "${block[@]}"
iptables -C "${endpoint[@]}" 2>/dev/null || iptables -I "${endpoint[@]}"

# A venv from the system's Python (the default python3 may live under /root,
# which other users cannot read).
command -v /usr/bin/python3 >/dev/null || { echo "[operator] /usr/bin/python3 is missing" >&2; exit 1; }
if ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
  log "installing python3-venv"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
scratch=$(mktemp -d /tmp/kthw-operator.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
chmod 0755 "$scratch"
# Everything the operator reads from this checkout goes through the scratch folder:
# the checkout may sit where other users cannot read (under /root, say).
cp "$root/controller-requirements.txt" "$root/constraints.txt" "$root/tools/operator/ansible.cfg" \
  "$root/tools/operator/site-settings.yml" "$scratch/"
mkdir "$scratch/inventory-sample"  # the sample's files only: never a pki/ folder beside them
cp -r "$root/inventories/ha/hosts.yml" "$root/inventories/ha/group_vars" "$scratch/inventory-sample/"
chmod -R a+rX "$scratch"
want=$(cat "$scratch/controller-requirements.txt" "$scratch/constraints.txt" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$home/venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  log "installing the controller's requirements into $home/venv"
  rm -rf "$home/venv"
  as_operator /usr/bin/python3 -m venv "$home/venv"
  as_operator "$home/venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$scratch/controller-requirements.txt" -c "$scratch/constraints.txt"
  echo "$want" | as_operator tee "$home/venv/.requirements.sha256" >/dev/null
  record_cold_timing operator-venv "$SECONDS"
fi

if [ ! -f "$home/.ssh/id_ed25519" ]; then
  as_operator mkdir -p -m 0700 "$home/.ssh"
  as_operator ssh-keygen -q -t ed25519 -N '' -C "$operator@controller" -f "$home/.ssh/id_ed25519"
fi

# The collection as an operator gets it: built, then installed from the tarball.
log "building and installing the collection as $operator"
"$root/.venv/bin/ansible-galaxy" collection build --force --output-path "$scratch" "$root" >/dev/null
chmod 0644 "$scratch"/*.tar.gz
as_operator "$home/venv/bin/ansible-galaxy" collection install --force "$scratch"/kthw-control_plane-*.tar.gz >/dev/null

# The site folder: ansible.cfg and the inventory, written anew each time;
# pki/ beside the inventory is the fleet's and is kept.
site=$home/site
as_operator mkdir -p "$site"
as_operator cp "$scratch/ansible.cfg" "$site/ansible.cfg"
# inventories/ha for the ha scenario; inventories/ha5 (two more nodes) for make bench.
for scenario in ha ha5; do
  extra=(); [ "$scenario" = ha5 ] && extra=(cp4 cp5)
  as_operator mkdir -p "$site/inventories/$scenario/group_vars"
  as_operator "$home/venv/bin/python" - "$scratch/inventory-sample" "$scratch/site-settings.yml" \
    "$site/inventories/$scenario" "${extra[@]}" \
    <"$root/tools/operator/edit_inventory.py"
done
log "ready: $site (run as $operator: ansible-playbook kthw.control_plane.site)"
