#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_storage_rewrite
short_description: Rewrites every stored object of some resources, so they are encrypted with the current key
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Replaces every object of each resource of O(resources) with itself, across namespaces, through
    the apiserver at O(api_url). The apiserver stores again each object it read with a key other
    than its encryption configuration's first one; the others are left as they are.
  - Lists in pages, writes at most O(per_second) objects a second, retries a conflict (the object
    changed meanwhile) from a fresh read, and skips an object deleted meanwhile.
  - Only core resources (such as C(secrets), C(configmaps)).
extends_documentation_fragment:
  - kthw.control_plane.kube_api
options:
  resources:
    description: The resources, as the encryption configuration names them.
    type: list
    elements: str
    required: true
  per_second:
    description: At most this many writes a second; C(0) for no limit.
    type: int
    default: 50
notes:
  - Does nothing in check mode.
  - The user of the client certificate needs C(list), C(get) and C(update) on the resources.
seealso:
  - module: kthw.control_plane.kube_encryption_loaded
  - module: kthw.control_plane.etcd_encryption_audit
"""

EXAMPLES = r"""
- name: Rewrite every Secret with the first key
  kthw.control_plane.kube_storage_rewrite:
    api_url: https://127.0.0.1:6443
    resources: [secrets]
    ca_data: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    client_cert_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
"""

RETURN = r"""
counts:
  description: For each resource, the objects C(rewritten), C(gone) (deleted meanwhile) and the C(conflicts) retried.
  returned: success
  type: dict
  sample: {secrets: {rewritten: 412, gone: 0, conflicts: 1}}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    KUBE_API_ARGUMENT_SPEC, KUBE_API_MUTUALLY_EXCLUSIVE, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.encryption import rewrite
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError


def main():
    argument_spec = dict(resources=dict(type="list", elements="str", required=True),
                         per_second=dict(type="int", default=50))
    argument_spec.update(KUBE_API_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, mutually_exclusive=KUBE_API_MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    if module.check_mode:
        module.exit_json(changed=False, counts={})
    try:
        with KubeClient.from_params(module.params) as client:
            counts = rewrite(client, module.params["resources"], module.params["per_second"])
    except KubeApiError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=any(c["rewritten"] for c in counts.values()), counts=counts)


if __name__ == "__main__":
    main()
