"""Copies inventories/ha for the local fleet, editing only what an operator edits.

Hosts, addresses, the user and the group names in hosts.yml; the remote user,
the binary mirror and the site's settings (site-settings.yml: group names and
ports) in group_vars/all.yml, by uncommenting the sample's own lines. Reads
the sample from argv[1], the settings from argv[2], writes to argv[3]; run by
tools/setup/operator.sh.
"""

import json
import os
import re
import sys

import yaml

SAMPLE, SETTINGS, TARGET = sys.argv[1:4]
# More control-plane nodes beyond the sample's three (molecule/ha5: cp4 cp5).
EXTRA = sys.argv[4:]
# The fleet of molecule/ha*/molecule.yml: Ansible reaches each node on the
# management network (ansible_host); the cluster runs on its own network.
NODES = {"cp1": 11, "cp2": 12, "cp3": 13, "cp4": 14, "cp5": 15, "lb1": 8, "lb2": 9}
USER = "deploy"
MIRROR = "http://mirror:8080/release"

with open(SAMPLE + "/hosts.yml", encoding="utf-8") as handle:
    text = handle.read()
inventory = yaml.safe_load(text)
with open(SETTINGS, encoding="utf-8") as handle:
    site = yaml.safe_load(handle)
children = inventory["all"]["children"]
for name in EXTRA:
    children["etcd"]["hosts"][name] = None
    children["control_plane"]["hosts"][name] = {"ansible_host": "", "cluster_node_ip": ""}
for group in children.values():
    for name, host in (group.get("hosts") or {}).items():
        if host and "ansible_host" in host:
            host["ansible_host"] = "172.31.251.%d" % NODES[name]
            host["cluster_node_ip"] = "172.31.250.%d" % NODES[name]
# The sample's groups under the site's names.
for default, setting in (("etcd", "cluster_etcd_group"), ("control_plane", "cluster_control_plane_group"),
                         ("lb", "cluster_lb_group")):
    children[site[setting]] = children.pop(default)
header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
with open(TARGET + "/hosts.yml", "w", encoding="utf-8") as handle:
    handle.write(header + "---\n" + yaml.safe_dump(inventory, default_flow_style=False, sort_keys=False))

with open(SAMPLE + "/group_vars/all.yml", encoding="utf-8") as handle:
    settings = handle.read()
edits = [
    (r"^# ansible_user: .*$", "ansible_user: " + USER),
    (r"^# cluster_kubernetes_download_base_url: .*$", "cluster_kubernetes_download_base_url: %s/kubernetes" % MIRROR),
    (r"^# cluster_etcd_download_base_url: .*$", "cluster_etcd_download_base_url: %s/etcd" % MIRROR),
]
edits += [(r"^(# )?%s: .*$" % name, "%s: %s" % (name, value)) for name, value in site.items()]
# A fleet kept from an earlier run (its pki/ stays) may have moved to another
# encryption provider, set by its operator then: keep it, as the operator would.
record_path = os.path.join(TARGET, "pki", "encryption-keys.json")
if os.path.exists(record_path):
    with open(record_path, encoding="utf-8") as handle:
        record = json.load(handle)
    wanted = (record.get("rotation") or {}).get("new") or record["ring"][0]["name"]
    provider = next(key["provider"] for key in record["ring"] if key["name"] == wanted)
    edits.append((r"^(# )?kube_apiserver_encryption_provider: .*$", "kube_apiserver_encryption_provider: " + provider))
for pattern, line in edits:
    settings, found = re.subn(pattern, line, settings, count=1, flags=re.M)
    if not found:
        sys.exit("inventories/ha/group_vars/all.yml has no line matching %s to edit" % pattern)
with open(TARGET + "/group_vars/all.yml", "w", encoding="utf-8") as handle:
    handle.write(settings)
