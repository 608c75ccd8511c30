#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeconfig
short_description: Writes a kubeconfig for one client certificate
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Writes a kubeconfig with one cluster, one user and one context, either referring to
    certificate files on the same host or embedding them, so the file can be carried elsewhere.
  - The file is written atomically and is C(0600) from its first byte; it is rewritten only when
    its content differs.
  - Diffs show the server, the names and digests of the certificates, never key bytes.
  - The file is written as JSON, which every kubeconfig reader accepts as YAML; the node needs no
    PyYAML.
options:
  path:
    description: Where to write the kubeconfig.
    type: path
    required: true
  cluster_name:
    description: Name of the cluster entry.
    type: str
    required: true
  server:
    description: URL of the apiserver, for example V(https://127.0.0.1:6443).
    type: str
    required: true
  user_name:
    description: Name of the user entry.
    type: str
    required: true
  ca_path:
    description: CA certificate that verifies the apiserver.
    type: path
    required: true
  extra_ca_paths:
    description:
      - CA certificates trusted beside O(ca_path) (both CAs during a CA rotation), embedded after it.
      - Needs O(embed_certs=true).
    type: list
    elements: path
    default: []
  client_cert_path:
    description: Client certificate.
    type: path
    required: true
  client_key_path:
    description: Client key.
    type: path
    required: true
  embed_certs:
    description:
      - Embed the CA, the certificate and the key instead of referring to their paths.
      - The certificate files must then be readable where the module runs.
    type: bool
    default: false
  owner:
    description: Owner of the file.
    type: str
  group:
    description: Group of the file.
    type: str
  mode:
    description: Mode of the file; a kubeconfig holding or naming a key stays private.
    type: raw
    default: "0600"
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: The scheduler's kubeconfig, pointing at the node's own apiserver
  kthw.control_plane.kubeconfig:
    path: /etc/kubernetes/scheduler.conf
    cluster_name: kthw
    server: https://127.0.0.1:6443
    user_name: system:kube-scheduler
    ca_path: /etc/kubernetes/pki/ca.crt
    client_cert_path: /etc/kubernetes/pki/scheduler.crt
    client_key_path: /etc/kubernetes/pki/scheduler.key

- name: A portable admin kubeconfig on the controller
  kthw.control_plane.kubeconfig:
    path: "{{ inventory_dir }}/pki/admin.kubeconfig"
    cluster_name: kthw
    server: https://lb:6443
    user_name: kthw-admin
    ca_path: "{{ inventory_dir }}/pki/ca/kubernetes.crt"
    client_cert_path: "{{ inventory_dir }}/pki/admin.crt"
    client_key_path: "{{ inventory_dir }}/pki/admin.key"
    embed_certs: true
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: Where the kubeconfig is.
  returned: always
  type: str
summary:
  description: What the kubeconfig says, without key material.
  returned: always
  type: dict
  sample:
    cluster: kthw
    server: https://127.0.0.1:6443
    user: system:kube-scheduler
    certificate_authority: /etc/kubernetes/pki/ca.crt
    client_certificate: /etc/kubernetes/pki/scheduler.crt
    client_key: /etc/kubernetes/pki/scheduler.key
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import write_private
from ansible_collections.kthw.control_plane.plugins.module_utils._kubeconfig.builder import (
    KubeconfigError, build, summary)

try:
    import yaml
except ImportError:  # nodes may lack PyYAML: the file is written as JSON, which is YAML
    yaml = None


def read_existing(path):
    with open(path, "rb") as handle:
        text = handle.read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    if yaml is not None:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            pass
    return {"unparsable": True}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            cluster_name=dict(type="str", required=True),
            server=dict(type="str", required=True),
            user_name=dict(type="str", required=True),
            ca_path=dict(type="path", required=True),
            extra_ca_paths=dict(type="list", elements="path", default=[]),
            client_cert_path=dict(type="path", required=True),
            client_key_path=dict(type="path", required=True),
            embed_certs=dict(type="bool", default=False),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0600"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]
    try:
        wanted = build(params["cluster_name"], params["server"], params["ca_path"],
                       params["client_cert_path"], params["client_key_path"],
                       params["user_name"], params["embed_certs"], params["extra_ca_paths"])
    except KubeconfigError as exc:
        module.fail_json(msg=str(exc))

    current = read_existing(path) if os.path.exists(path) else None
    changed = current != wanted
    if changed and not module.check_mode:
        write_private(path, (json.dumps(wanted, indent=2) + "\n").encode("utf-8"))

    file_args = module.load_file_common_arguments(dict(path=path, owner=params["owner"],
                                                       group=params["group"], mode=params["mode"]))
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args, changed)

    result = dict(changed=changed, path=path, summary=summary(wanted))
    if module._diff:
        result["diff"] = dict(before=summary(current), after=summary(wanted))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
