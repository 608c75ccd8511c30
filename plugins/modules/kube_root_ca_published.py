#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: kube_root_ca_published
short_description: Waits until the kube-root-ca.crt ConfigMap of every namespace holds exactly the given CAs
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - The controller-manager's root CA publisher writes its C(--root-ca-file) into the ConfigMap
    C(kube-root-ca.crt) of every namespace; pods verify the apiserver with it.
  - Asks each apiserver of O(api_urls) directly (not through a load balancer) for those ConfigMaps until
    each one holds exactly the certificates of O(certificates), in any order - after a CA rotation, the
    new CA alone, so no pod keeps trusting the old one.
  - Only reads. The client certificate must be allowed to list ConfigMaps in every namespace.
extends_documentation_fragment:
  - kthw.control_plane.kube_api.apiservers
options:
  certificates:
    description: The CA certificates (PEM, one or more) every namespace is to hold.
    type: str
    required: true
  wait_timeout:
    description: Seconds to wait for the controller-manager that leads to publish them.
    type: int
    default: 180
notes:
  - Runs in check mode as well, since it only reads.
"""

EXAMPLES = r"""
- name: Wait until every namespace holds only the new Kubernetes CA
  kthw.control_plane.kube_root_ca_published:
    api_urls: [https://10.0.0.11:6443, https://10.0.0.12:6443, https://10.0.0.13:6443]
    certificates: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    ca_data: "{{ lookup('ansible.builtin.file', 'pki/ca/kubernetes.crt') }}"
    client_cert_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.crt') }}"
    client_key_data: "{{ lookup('ansible.builtin.file', 'pki/break-glass.key') }}"
"""

RETURN = r"""
namespaces:
  description: How many namespaces hold the certificates (each apiserver counts them alike).
  returned: success
  type: int
waited_s:
  description: Seconds until every namespace held them.
  returned: success
  type: float
"""

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    APISERVERS_ARGUMENT_SPEC, KubeClient)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(?P<body>[A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----")
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"


def certificate_set(text):
    """The certificates of a PEM text, whitespace aside, as a set."""
    return frozenset("".join(m.group("body").split()) for m in _PEM.finditer(text or ""))


def mismatched_namespaces(configmaps, namespaces, wanted):
    """Names of the namespaces whose kube-root-ca.crt is missing or holds other certificates than wanted."""
    held = dict((item["metadata"]["namespace"], certificate_set(item.get("data", {}).get("ca.crt")))
                for item in configmaps)
    return sorted(ns for ns in namespaces if held.get(ns) != wanted)


def survey(client, wanted):
    """(namespaces, the ones not holding wanted) as one apiserver sees them."""
    namespaces = [item["metadata"]["name"] for item in client.request("GET", "/api/v1/namespaces").get("items", [])]
    configmaps = client.request("GET", "/api/v1/configmaps",
                                query={"fieldSelector": "metadata.name=" + ROOT_CA_CONFIGMAP}).get("items", [])
    return namespaces, mismatched_namespaces(configmaps, namespaces, wanted)


def wait_published(clients, wanted, wait_timeout, sleep=time.sleep, clock=time.monotonic):
    """(namespace count, seconds waited) once every apiserver sees wanted everywhere; KubeApiError otherwise."""
    started = clock()
    while True:
        late, counts = {}, set()
        for url, client in clients.items():
            try:
                namespaces, behind = survey(client, wanted)
            except KubeApiError as exc:
                late[url] = "(%s)" % exc
                continue
            counts.add(len(namespaces))
            if behind:
                late[url] = ", ".join(behind)
        if not late:
            return max(counts), round(clock() - started, 1)
        if clock() - started > wait_timeout:
            raise KubeApiError(
                "after %d s the ConfigMap %s does not hold exactly the given CA certificates in: %s. The "
                "controller-manager that leads publishes its --root-ca-file; check it runs with the new file "
                "(journalctl -u kube-controller-manager)"
                % (wait_timeout, ROOT_CA_CONFIGMAP, "; ".join("%s sees %s" % item for item in sorted(late.items()))))
        sleep(2)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificates=dict(type="str", required=True),
            wait_timeout=dict(type="int", default=180),
            **APISERVERS_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    p = module.params
    wanted = certificate_set(p["certificates"])
    if not wanted:
        module.fail_json(msg="certificates holds no PEM certificate")
    clients = {}
    try:
        clients = KubeClient.each_apiserver(p)
        count, waited = wait_published(clients, wanted, p["wait_timeout"])
    except KubeApiError as exc:
        module.fail_json(msg=str(exc))
    finally:
        for client in clients.values():
            client.close()
    module.exit_json(changed=False, namespaces=count, waited_s=waited)


if __name__ == "__main__":
    main()
