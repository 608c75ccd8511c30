#!/usr/bin/env bash
# Brings the local fleet up (Molecule scenario ha: create + converge) and says
# how to reach it. Re-running converges the existing fleet again.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
KTHW_NODE_IMAGE=$(tools/setup/node-image.sh)
export KTHW_NODE_IMAGE

molecule create -s ha
molecule converge -s ha

cat <<MSG

The local fleet is up (Docker network kthw-ha, 172.31.250.0/24):
  cp1 172.31.250.11, cp2 172.31.250.12, cp3 172.31.250.13, lb 172.31.250.10
A shell on a node:      docker exec -it cp1 bash
The installed releases: docker exec cp1 kubectl version --client
Tear it down:           make clean
MSG
