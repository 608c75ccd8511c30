#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_certificates
short_description: Issue a set of leaf certificates and their keys in one call, each only when needed
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Does for every entry of O(certificates) what M(kthw.control_plane.x509_certificate) does for one
    certificate, with the same rules for when a certificate is reissued and its key kept, in one
    module run, where a loop takes one run per certificate.
  - The entries are handled in order; the first that fails stops the task, and the entries before it
    keep what was issued (each certificate and key is written atomically).
  - Missing folders of O(certificates[].path) and O(certificates[].key_path) are created with mode
    C(0700).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - kthw.control_plane.pki_files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  certificates:
    description: The certificates.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: The certificate, PEM.
        type: path
        required: true
      key_path:
        description: The certificate's private key, PEM.
        type: path
        required: true
      ca_path:
        description: The CA certificate, as made by M(kthw.control_plane.x509_ca).
        type: path
        required: true
      ca_key_path:
        description: The CA private key.
        type: path
        required: true
      common_name:
        description: Common name of the subject; for Kubernetes clients, the user name.
        type: str
        required: true
      organizations:
        description: Organizations of the subject; for Kubernetes clients, the groups.
        type: list
        elements: str
        default: []
      dns_names:
        description: DNS subject alternative names.
        type: list
        elements: str
        default: []
      ip_addresses:
        description: IPv4 and IPv6 subject alternative names.
        type: list
        elements: str
        default: []
      usage:
        description: Extended key usage - V(server), V(client) or V(both).
        type: str
        default: server
        choices: [server, client, both]
      force:
        description: Reissue the certificate, with the same key, even when nothing calls for it.
        type: bool
        default: false
      regenerate_key:
        description: Reissue the certificate with a new key, even when nothing calls for it.
        type: bool
        default: false
  key_type:
    description: Algorithm of the keys.
    type: str
    default: ecdsa-p256
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  valid_days:
    description: Validity of a new certificate, in days; a certificate that would end after its CA is refused.
    type: int
    default: 365
  renew_before_days:
    description: Reissue a certificate when it ends within this many days; less than O(valid_days).
    type: int
    default: 30
seealso:
  - module: kthw.control_plane.x509_certificate
"""

EXAMPLES = r"""
- name: Issue a node's etcd certificates
  kthw.control_plane.x509_certificates:
    certificates:
      - path: "{{ inventory_dir }}/pki/nodes/cp1/etcd-server.crt"
        key_path: "{{ inventory_dir }}/pki/nodes/cp1/etcd-server.key"
        ca_path: "{{ inventory_dir }}/pki/ca/etcd.crt"
        ca_key_path: "{{ inventory_dir }}/pki/ca/etcd.key"
        common_name: cp1
        dns_names: [cp1, localhost]
        ip_addresses: [172.31.250.11, 127.0.0.1]
        usage: both
      - path: "{{ inventory_dir }}/pki/nodes/cp1/etcd-healthcheck-client.crt"
        key_path: "{{ inventory_dir }}/pki/nodes/cp1/etcd-healthcheck-client.key"
        ca_path: "{{ inventory_dir }}/pki/ca/etcd.crt"
        ca_key_path: "{{ inventory_dir }}/pki/ca/etcd.key"
        common_name: kube-etcd-healthcheck-client
        usage: client
  delegate_to: localhost
"""

RETURN = r"""
certificates:
  description:
    - One result per entry of O(certificates), in order, with the same keys as the result of
      M(kthw.control_plane.x509_certificate) - C(changed), C(changed_reasons), C(path), C(subject),
      C(issuer), C(serial), C(sans), C(not_before), C(not_after), C(fingerprint).
  returned: always
  type: list
  elements: dict
changed_paths:
  description: The O(certificates[].path) that were (or in check mode would be) issued.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import make_dirs
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import LeafSpec
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import FILE_ARGUMENT_SPEC, PkiFiles
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.issuing import issue_leaf_when_due
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY)
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.specs import LEAF_OPTIONS, LEAF_POLICY_OPTIONS


def _make_private_dirs(paths):
    """Every missing folder of paths, intermediate ones included, made with mode 0700."""
    for folder in sorted(set(os.path.dirname(os.path.abspath(path)) for path in paths)):
        make_dirs(folder, 0o700)


def main():
    argument_spec = dict(certificates=dict(type="list", elements="dict", required=True, options=LEAF_OPTIONS))
    argument_spec.update(LEAF_POLICY_OPTIONS)
    argument_spec.update(FILE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    p = module.params
    results, diffs = [], []
    try:
        files = PkiFiles.from_params(module)
        if not module.check_mode:
            _make_private_dirs([entry[key] for entry in p["certificates"] for key in ("path", "key_path")])
        for entry in p["certificates"]:
            spec = LeafSpec(entry["common_name"], entry["organizations"], entry["dns_names"], entry["ip_addresses"],
                            entry["usage"], p["key_type"], p["valid_days"], p["renew_before_days"])
            result = issue_leaf_when_due(files, entry["path"], entry["key_path"], entry["ca_path"],
                                         entry["ca_key_path"], spec, entry["force"], entry["regenerate_key"])
            for warning in result.pop("warnings"):
                module.warn(warning)
            diffs.append(result.pop("diff"))
            result["path"] = entry["path"]
            results.append(result)
    except PkiError as exc:
        module.fail_json(msg=str(exc), changed=any(r["changed"] for r in results), certificates=results)
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot create the folder of a certificate: %s" % exc,
                         changed=any(r["changed"] for r in results), certificates=results)
    changed_paths = [r["path"] for r in results if r["changed"]]
    output = dict(changed=bool(changed_paths), changed_paths=changed_paths, certificates=results)
    if module._diff:
        output["diff"] = [d for d, r in zip(diffs, results) if r["changed"]]
    module.exit_json(**output)


if __name__ == "__main__":
    main()
