#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_encryption_loaded
short_description: Waits until every apiserver encrypts with a configuration, and proves it with a canary Secret
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Asks each apiserver of O(api_urls) directly (not through a load balancer) for its
    C(/metrics) until it reports the encryption configuration at O(config_path) as loaded
    (C(apiserver_encryption_config_controller_last_config_info), set at start and by the automatic
    reload, which reads the file about once a minute).
  - Then writes the canary Secret through the first apiserver (so with the configuration's first
    key) and reads it back through each apiserver, which proves each one decrypts what the others
    write.
  - Every node's configuration file must have the same content as O(config_path), which is where
    this module runs.
  - The canary's value is random and not secret; nothing else is written.
  - The client certificate must be allowed to read C(/metrics) and to write Secrets in O(canary_namespace).
extends_documentation_fragment:
  - kthw.control_plane.kube_api.apiservers
options:
  config_path:
    description: The encryption configuration every apiserver is to run, on the host the module runs on.
    type: path
    required: true
  wait_timeout:
    description: Seconds to wait for every apiserver to load it.
    type: int
    default: 180
  canary_namespace:
    description: Namespace of the canary Secret.
    type: str
    default: kube-system
  canary_name:
    description: Name of the canary Secret.
    type: str
    default: kthw-encryption-canary
notes:
  - Does nothing in check mode.
seealso:
  - module: kthw.control_plane.kube_storage_rewrite
"""

EXAMPLES = r"""
- name: Wait until every apiserver runs the new configuration
  kthw.control_plane.kube_encryption_loaded:
    api_urls: [https://10.0.0.11:6443, https://10.0.0.12:6443, https://10.0.0.13:6443]
    config_path: /etc/kubernetes/encryption-config.yaml
    ca_data: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    client_cert_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
"""

RETURN = r"""
config_hash:
  description: The hash the apiservers report for the configuration, C(sha256:<hex>).
  returned: always
  type: str
waited_s:
  description: For each URL of O(api_urls), seconds until it reported the configuration.
  returned: success
  type: dict
"""

import base64
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    APISERVERS_ARGUMENT_SPEC, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.encryption import (
    config_hash, loaded_hashes)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError


def wait_loaded(clients, wanted, wait_timeout, sleep=time.sleep, clock=time.monotonic):
    """{url: seconds} once every apiserver reports wanted; a KubeApiError naming the late ones otherwise."""
    started = clock()
    waited, seen = {}, {}
    while True:
        for url, client in clients.items():
            if url in waited:
                continue
            try:
                seen[url] = loaded_hashes(client.request_text("/metrics"))
            except KubeApiError as exc:
                seen[url] = set(["(%s)" % exc])
            if wanted in seen[url]:
                waited[url] = round(clock() - started, 1)
        if len(waited) == len(clients):
            return waited
        if clock() - started > wait_timeout:
            late = ", ".join("%s reports %s" % (url, ", ".join(sorted(seen[url])) or "no encryption configuration")
                             for url in clients if url not in waited)
            raise KubeApiError("after %d s not every apiserver runs the encryption configuration %s: %s. An "
                               "apiserver reloads the file about once a minute; a configuration it cannot load "
                               "is logged by kube-apiserver" % (wait_timeout, wanted, late))
        sleep(2)


def canary(clients, namespace, name):
    """Writes the canary through the first apiserver and reads it back through each."""
    urls = list(clients)
    value = base64.b64encode(os.urandom(18)).decode("ascii")
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
            "data": {"canary": base64.b64encode(value.encode("ascii")).decode("ascii")}}
    path = "/api/v1/namespaces/%s/secrets/%s" % (namespace, name)
    writer = clients[urls[0]]
    try:
        current = writer.request("GET", path)
        body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        writer.request("PUT", path, body=body)
    except KubeApiError as exc:
        if exc.status_code != 404:
            raise
        writer.request("POST", "/api/v1/namespaces/%s/secrets" % namespace, body=body)
    for url in urls:
        read = clients[url].request("GET", path)
        if read.get("data", {}).get("canary") != body["data"]["canary"]:
            raise KubeApiError("%s reads another value of the canary Secret %s/%s than %s wrote"
                               % (url, namespace, name, urls[0]))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_path=dict(type="path", required=True),
            wait_timeout=dict(type="int", default=180),
            canary_namespace=dict(type="str", default="kube-system"),
            canary_name=dict(type="str", default="kthw-encryption-canary"),
            **APISERVERS_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        with open(p["config_path"], "rb") as handle:
            wanted = config_hash(handle.read())
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (p["config_path"], exc))
    if module.check_mode:
        module.exit_json(changed=False, config_hash=wanted)
    clients = {}
    try:
        clients = KubeClient.each_apiserver(p)
        waited = wait_loaded(clients, wanted, p["wait_timeout"])
        canary(clients, p["canary_namespace"], p["canary_name"])
    except KubeApiError as exc:
        module.fail_json(msg=str(exc), config_hash=wanted)
    finally:
        for client in clients.values():
            client.close()
    module.exit_json(changed=False, config_hash=wanted, waited_s=waited)


if __name__ == "__main__":
    main()
