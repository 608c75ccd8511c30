#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_secrets_readable
short_description: Checks every apiserver decrypts every Secret it stores
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - Lists every Secret of every namespace, page by page, through each apiserver of O(api_urls) directly (not
    through a load balancer). An apiserver that cannot decrypt a Secret (a key missing from its encryption
    configuration) fails the list, and the module names the apiserver and its answer.
  - After an etcd restore, proves the snapshot's Secrets are readable with the keys the apiservers hold; the
    counts must agree between apiservers.
  - Only reads; Secret data never leaves the module. The client certificate must be allowed to list Secrets in
    every namespace.
extends_documentation_fragment:
  - kthw.control_plane.kube_api.apiservers
options:
  page_size:
    description: Secrets asked for per page.
    type: int
    default: 250
notes:
  - Runs in check mode as well, since it only reads.
"""

EXAMPLES = r"""
- name: Check every Secret decrypts on every apiserver
  kthw.control_plane.kube_secrets_readable:
    api_urls: [https://10.0.0.11:6443, https://10.0.0.12:6443, https://10.0.0.13:6443]
    ca_data: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    client_cert_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
"""

RETURN = r"""
secrets:
  description: How many Secrets every apiserver read.
  returned: success
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    APISERVERS_ARGUMENT_SPEC, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError


def count_secrets(client, page_size):
    """How many Secrets one apiserver lists, following the continue tokens."""
    count, token = 0, None
    while True:
        query = {"limit": str(page_size)}
        if token:
            query["continue"] = token
        page = client.request("GET", "/api/v1/secrets", query=query)
        count += len(page.get("items", []))
        token = page.get("metadata", {}).get("continue")
        if not token:
            return count


def read_everywhere(clients, page_size):
    """The count of Secrets, the same on every apiserver; KubeApiError naming each one that failed or differs."""
    counts, failed = {}, {}
    for url, client in clients.items():
        try:
            counts[url] = count_secrets(client, page_size)
        except KubeApiError as exc:
            failed[url] = str(exc)
    if failed:
        raise KubeApiError(
            "listing every Secret failed on %s. An apiserver that cannot decrypt a Secret fails the list: check its "
            "encryption configuration holds the key the data was written with (journalctl -u kube-apiserver)"
            % "; ".join("%s (%s)" % item for item in sorted(failed.items())))
    if len(set(counts.values())) > 1:
        raise KubeApiError("the apiservers list different numbers of Secrets: %s"
                           % ", ".join("%s %d" % item for item in sorted(counts.items())))
    return max(counts.values()) if counts else 0


def main():
    module = AnsibleModule(
        argument_spec=dict(page_size=dict(type="int", default=250), **APISERVERS_ARGUMENT_SPEC),
        supports_check_mode=True,
    )
    clients = {}
    try:
        clients = KubeClient.each_apiserver(module.params)
        secrets = read_everywhere(clients, module.params["page_size"])
    except KubeApiError as exc:
        module.fail_json(msg=str(exc))
    finally:
        for client in clients.values():
            client.close()
    module.exit_json(changed=False, secrets=secrets)


if __name__ == "__main__":
    main()
