# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A kubeconfig that names its certificate files, rendered on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.kthw.control_plane.plugins.module_utils._kubeconfig.builder import build

DOCUMENTATION = r"""
name: kubeconfig_with_paths
short_description: The text of a kubeconfig that refers to its CA, certificate and key by path
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Renders, on the controller, the same document M(kthw.control_plane.kubeconfig) writes with
    O(kthw.control_plane.kubeconfig#module:embed_certs=false), byte for byte, so that it can travel
    with other files in one M(kthw.control_plane.file_bundle) call.
  - It holds paths only, never key material.
options:
  _input:
    description: The user name of the client identity.
    type: str
    required: true
  cluster_name:
    description: Name of the cluster entry.
    type: str
    required: true
  server:
    description: URL of the apiserver.
    type: str
    required: true
  ca_path:
    description: Path of the CA certificate on the node.
    type: str
    required: true
  client_cert_path:
    description: Path of the client certificate on the node.
    type: str
    required: true
  client_key_path:
    description: Path of the client key on the node.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Write the scheduler's kubeconfig with the certificates
  kthw.control_plane.file_bundle:
    files:
      - dest: /etc/kubernetes/scheduler.conf
        content: >-
          {{ 'system:kube-scheduler' | kthw.control_plane.kubeconfig_with_paths(
               cluster_name='kthw', server='https://127.0.0.1:6443',
               ca_path='/etc/kubernetes/pki/ca.crt',
               client_cert_path='/etc/kubernetes/pki/scheduler.crt',
               client_key_path='/etc/kubernetes/pki/scheduler.key') }}
"""

RETURN = r"""
_value:
  description: The kubeconfig as JSON text (which is YAML), ending with a newline.
  type: str
"""


def kubeconfig_with_paths(user_name, cluster_name, server, ca_path, client_cert_path, client_key_path):
    for name, value in (("user name", user_name), ("cluster_name", cluster_name), ("server", server),
                        ("ca_path", ca_path), ("client_cert_path", client_cert_path),
                        ("client_key_path", client_key_path)):
        if not isinstance(value, str) or not value:
            raise AnsibleFilterError("kubeconfig_with_paths: %s must be a non-empty string, got %r" % (name, value))
    document = build(cluster_name, server, ca_path, client_cert_path, client_key_path, user_name, embed_certs=False)
    return json.dumps(document, indent=2) + "\n"


class FilterModule(object):
    def filters(self):
        return {"kubeconfig_with_paths": kubeconfig_with_paths}
