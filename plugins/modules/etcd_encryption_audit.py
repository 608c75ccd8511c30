#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: etcd_encryption_audit
short_description: Counts, in etcd's raw bytes, which encryption key wrote each stored object
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Reads every value under each resource's etcd prefix (C(/registry/<resource>/)) with
    C(etcdctl) on an etcd member, and counts them by the prefix the apiserver wrote before the
    ciphertext (C(k8s:enc:<provider>:v1:<key name>:)); a value without one is counted as
    C(identity) (stored in clear).
  - Returns counts only; no key, value or name of an object leaves the host.
  - Only core resources (such as C(secrets), C(configmaps)).
options:
  resources:
    description: The resources, as the encryption configuration names them.
    type: list
    elements: str
    required: true
  etcdctl:
    description: The etcdctl executable.
    type: path
    default: /usr/local/bin/etcdctl
  endpoint:
    description: The etcd client URL to read from.
    type: str
    default: https://127.0.0.1:2379
  ca_path:
    description: The etcd CA certificate.
    type: path
    required: true
  client_cert:
    description: An etcd client certificate.
    type: path
    required: true
  client_key:
    description: Its private key.
    type: path
    required: true
notes:
  - Changes nothing; runs in check mode too.
seealso:
  - module: kthw.control_plane.kube_storage_rewrite
"""

EXAMPLES = r"""
- name: Count the keys that wrote the Secrets
  kthw.control_plane.etcd_encryption_audit:
    resources: [secrets]
    ca_path: /etc/etcd/pki/ca.crt
    client_cert: /etc/etcd/pki/healthcheck-client.crt
    client_key: /etc/etcd/pki/healthcheck-client.key
  register: audit

- name: Check every Secret is written with key2
  ansible.builtin.assert:
    that: audit.counts.secrets.keys() | list == ['secretbox:key2']
"""

RETURN = r"""
counts:
  description: For each resource, the number of stored objects by the key that wrote them (C(<provider>:<key name>) or C(identity)).
  returned: success
  type: dict
  sample: {secrets: {"secretbox:key2": 410, "secretbox:key1": 2}}
"""

import base64
import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.encryption import etcd_prefix, storage_key
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError


def count_keys(etcdctl_json):
    """{key: count} from the JSON of `etcdctl get --prefix -w json`."""
    counts = {}
    for kv in json.loads(etcdctl_json).get("kvs") or []:
        key = storage_key(base64.b64decode(kv.get("value", "")))
        counts[key] = counts.get(key, 0) + 1
    return counts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            resources=dict(type="list", elements="str", required=True),
            etcdctl=dict(type="path", default="/usr/local/bin/etcdctl"),
            endpoint=dict(type="str", default="https://127.0.0.1:2379"),
            ca_path=dict(type="path", required=True),
            client_cert=dict(type="path", required=True),
            client_key=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    counts = {}
    for resource in p["resources"]:
        try:
            prefix = etcd_prefix(resource)
        except KubeApiError as exc:
            module.fail_json(msg=str(exc))
        rc, out, err = module.run_command([p["etcdctl"], "--endpoints=" + p["endpoint"], "--cacert=" + p["ca_path"],
                                           "--cert=" + p["client_cert"], "--key=" + p["client_key"],
                                           "--command-timeout=30s", "get", "--prefix", prefix, "-w", "json"])
        if rc != 0:
            module.fail_json(msg="etcdctl get --prefix %s failed (rc %s): %s" % (prefix, rc, err.strip()[:400]))
        try:
            counts[resource] = count_keys(out)
        except (ValueError, TypeError) as exc:
            module.fail_json(msg="cannot read the answer of etcdctl for %s: %s" % (prefix, exc))
    module.exit_json(changed=False, counts=counts)


if __name__ == "__main__":
    main()
