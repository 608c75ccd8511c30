#!/usr/bin/env bash
# Brings the local HA control plane up (Molecule scenario ha: create + converge)
# and says how to reach it. Re-running converges the existing fleet again.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
KTHW_NODE_IMAGE=$(tools/setup/node-image.sh)
export KTHW_NODE_IMAGE

# Molecule's own record may list a fleet whose containers are gone (removed by
# a test run): start from a clean record then. Containers stopped with the
# engine (a reboot) still hold the cluster: start them again.
fleet=(cp1 cp2 cp3 lb1 lb2 mirror)
for name in "${fleet[@]}"; do
  if ! docker inspect "$name" >/dev/null 2>&1; then
    molecule destroy -s ha
    break
  fi
done
for name in "${fleet[@]}"; do
  if [ "$(docker inspect --format '{{ .State.Running }}' "$name" 2>/dev/null)" = false ]; then
    docker start "$name" >/dev/null
  fi
done
molecule create -s ha
molecule converge -s ha

# The operator (tools/setup/operator.sh) ran the installed collection over SSH;
# the certificate set is beside its inventory. Keep a copy of the admin
# kubeconfig at a stable path in the (git-ignored) work tree.
operator=${KTHW_OPERATOR:-kthw-operator}
site=$(getent passwd "$operator" | cut -d: -f6)/site
mkdir -p "$root/.cluster"
install -m 0600 "$site/inventories/ha/pki/admin.kubeconfig" "$root/.cluster/admin.kubeconfig"
version=$(sed -n 's/^cluster_kubernetes_version: "\(.*\)"/\1/p' roles/cluster/defaults/main.yml)
kubectl="$KTHW_MIRROR_DIR/kubernetes/v$version/bin/linux/amd64/kubectl"
"$kubectl" --kubeconfig "$root/.cluster/admin.kubeconfig" get namespaces >/dev/null

cat <<MSG

The HA control plane is up: etcd, kube-apiserver, kube-controller-manager and
kube-scheduler on cp1, cp2, cp3 (172.31.250.11-13); HAProxy on lb1 and lb2
(172.31.250.8-9), which share the endpoint's address 172.31.250.10:6443 with
keepalived (VRRP): it moves to the other when one fails.

Admin kubeconfig:  $root/.cluster/admin.kubeconfig
Try:               $kubectl --kubeconfig $root/.cluster/admin.kubeconfig get namespaces
Certificate set:   $site/inventories/ha/pki (owned by $operator)
As the operator:   su - $operator -c 'cd site && ~/venv/bin/ansible-playbook kthw.control_plane.site'
                   (over SSH as deploy with sudo; the nodes answer on 172.31.251.8-13)
A shell on a node: docker exec -it cp1 bash
Tear it down:      make clean
MSG
