#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_certificate
short_description: Issues a leaf certificate and its key, signed by a CA, only when needed
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Issues a key and a certificate signed by the CA at O(ca_path) with the key at O(ca_key_path).
  - An existing certificate is reissued only when its content differs from what is asked, checked in
    this order - missing, unparsable, key missing, key not matching, key type, subject, SANs, usages,
    issuer or signature - or when it expires within O(renew_before_days). Timestamps alone never
    trigger a reissue. The existing key is kept unless it is missing, of another type, or
    O(regenerate_key) is set.
  - A leaf never outlives its CA. A CA without its key (an external CA) fails the task; no CA is ever
    created in its place.
  - The key is C(0600) from its first byte. Results and diffs show parsed facts, never PEM or key bytes.
requirements:
  - cryptography >= 41
options:
  path:
    description: The certificate.
    type: path
    required: true
  key_path:
    description: The private key.
    type: path
    required: true
  ca_path:
    description: The CA certificate.
    type: path
    required: true
  ca_key_path:
    description: The CA private key.
    type: path
    required: true
  common_name:
    description: Common name of the subject.
    type: str
    required: true
  organizations:
    description: Organizations of the subject (Kubernetes groups).
    type: list
    elements: str
    default: []
  dns_names:
    description: DNS subject alternative names.
    type: list
    elements: str
    default: []
  ip_addresses:
    description: IP subject alternative names.
    type: list
    elements: str
    default: []
  usage:
    description: Extended key usage.
    type: str
    default: server
    choices: [server, client, both]
  key_type:
    description: Algorithm of the key.
    type: str
    default: ecdsa-p256
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  valid_days:
    description: Validity, in days.
    type: int
    default: 365
  renew_before_days:
    description: Reissue when the certificate expires within this many days.
    type: int
    default: 30
  force:
    description: Reissue the certificate (keeping its key) even when nothing calls for it.
    type: bool
    default: false
  regenerate_key:
    description: With a reissue, generate a new key as well.
    type: bool
    default: false
  owner:
    description: Owner of the certificate and the key.
    type: str
  group:
    description: Group of the certificate and the key.
    type: str
  mode:
    description: Mode of the certificate.
    type: raw
    default: "0644"
  key_mode:
    description: Mode of the key; group and others never get access.
    type: raw
    default: "0600"
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: An etcd member's serving certificate
  kthw.control_plane.x509_certificate:
    path: pki/nodes/cp1/etcd-server.crt
    key_path: pki/nodes/cp1/etcd-server.key
    ca_path: pki/ca/etcd.crt
    ca_key_path: pki/ca/etcd.key
    common_name: cp1
    dns_names: [cp1, localhost]
    ip_addresses: [172.31.250.11, 127.0.0.1]
    usage: both
  delegate_to: localhost
"""

RETURN = r"""
serial:
  description: Serial number, hexadecimal.
  returned: always
  type: str
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: always
  type: str
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: always
  type: str
fingerprint:
  description: SHA-256 fingerprint.
  returned: always
  type: str
subject:
  description: Subject, RFC 4514.
  returned: always
  type: str
changed_reasons:
  description:
    - Why the certificate was (or in check mode would be) reissued, in the order checked - missing,
      unparsable, key_missing, key_mismatch, key_type, subject, sans, usage, issuer, expiring, forced.
  returned: always
  type: list
  elements: str
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import (
    FILE_ARGUMENT_SPEC, apply_attributes, check_key_mode)

try:
    from ansible_collections.kthw.control_plane.plugins.module_utils._pki.backend import ensure_leaf
    from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import LeafSpec
    IMPORT_ERROR = None
except ImportError:
    IMPORT_ERROR = traceback.format_exc()

KEY_TYPES = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            key_path=dict(type="path", required=True),
            ca_path=dict(type="path", required=True),
            ca_key_path=dict(type="path", required=True),
            common_name=dict(type="str", required=True),
            organizations=dict(type="list", elements="str", default=[]),
            dns_names=dict(type="list", elements="str", default=[]),
            ip_addresses=dict(type="list", elements="str", default=[]),
            usage=dict(type="str", default="server", choices=["server", "client", "both"]),
            key_type=dict(type="str", default="ecdsa-p256", choices=KEY_TYPES),
            valid_days=dict(type="int", default=365),
            renew_before_days=dict(type="int", default=30),
            force=dict(type="bool", default=False),
            regenerate_key=dict(type="bool", default=False),
            **FILE_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=IMPORT_ERROR)
    p = module.params
    if not check_key_mode(p["key_mode"]):
        module.fail_json(msg="key_mode %s gives group or others access to a private key: use 0600 or stricter" % p["key_mode"])
    try:
        spec = LeafSpec(p["common_name"], p["organizations"], p["dns_names"], p["ip_addresses"], p["usage"],
                        p["key_type"], p["valid_days"], p["renew_before_days"])
        result = ensure_leaf(p["path"], p["key_path"], p["ca_path"], p["ca_key_path"], spec,
                             p["force"], p["regenerate_key"], module.check_mode)
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    if not module.check_mode:
        result["changed"] = apply_attributes(module, result["changed"],
                                             [(p["path"], p["mode"]), (p["key_path"], p["key_mode"])])
    if not module._diff:
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
