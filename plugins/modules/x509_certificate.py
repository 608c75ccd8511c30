#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_certificate
short_description: Issue a leaf certificate and its key, signed by a CA, only when needed
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Issues a private key and a certificate signed by the CA at O(ca_path) with the key at O(ca_key_path).
  - An existing certificate is reissued only when its content differs from what is asked. The reasons
    are checked, and reported in RV(changed_reasons), in this order - the certificate is V(missing) or
    V(unparsable); there is no usable key (V(key_missing)) or it does not match the certificate
    (V(key_mismatch)); the key is not of O(key_type) (V(key_type)); the V(subject), the set of SANs
    (V(sans)) or the key usages and basic constraints (V(usage)) differ; the certificate was not issued
    by the CA - issuer name, authority key identifier or signature (V(issuer)); it is inside the renewal
    window (V(expiring)); O(force) (V(forced)); O(regenerate_key) (V(regenerate_key)).
  - Timestamps alone never trigger a reissue, nor does a change of O(valid_days).
  - The existing key is kept on a reissue, unless it is missing, unusable, of another type than
    O(key_type), or O(regenerate_key=true).
  - The certificate has C(CA:FALSE), the key usage C(digitalSignature) (plus C(keyEncipherment) for RSA
    keys), all critical, the extended key usages of O(usage), subject and authority key identifiers, a
    random 159-bit serial, and a notBefore five minutes in the past for hosts whose clocks lag.
  - A leaf never outlives its CA. A CA certificate without its key (an external CA) fails the task, as
    does a CA key that does not match its certificate; no CA is ever created here.
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
    description:
      - Common name of the subject; for Kubernetes clients, the user name.
      - Must not be empty.
    type: str
    required: true
  organizations:
    description:
      - Organizations of the subject; for Kubernetes clients, the groups.
      - Compared regardless of order.
    type: list
    elements: str
    default: []
  dns_names:
    description:
      - DNS subject alternative names. Compared regardless of order and case.
      - Wildcards and IP addresses are refused here.
    type: list
    elements: str
    default: []
  ip_addresses:
    description: IPv4 and IPv6 subject alternative names. Compared regardless of order.
    type: list
    elements: str
    default: []
  usage:
    description:
      - Extended key usage - V(server) (C(serverAuth)), V(client) (C(clientAuth)) or V(both).
    type: str
    default: server
    choices: [server, client, both]
  key_type:
    description: Algorithm of the key.
    type: str
    default: ecdsa-p256
    choices: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
  valid_days:
    description:
      - Validity of a new certificate, in days.
      - A certificate that would end after its CA is refused.
    type: int
    default: 365
  renew_before_days:
    description:
      - Reissue the certificate when it ends within this many days.
      - Must be less than O(valid_days).
    type: int
    default: 30
  force:
    description:
      - Reissue the certificate, with the same key, even when nothing calls for it.
      - Every run then reports C(changed); use it for a one-off rotation.
    type: bool
    default: false
  regenerate_key:
    description:
      - Reissue the certificate with a new key, even when nothing calls for it.
      - Every run then reports C(changed); use it for a one-off key rotation.
    type: bool
    default: false
seealso:
  - module: kthw.control_plane.x509_ca
"""

EXAMPLES = r"""
- name: Issue an etcd member's serving and peer certificate
  kthw.control_plane.x509_certificate:
    path: "{{ inventory_dir }}/pki/nodes/cp1/etcd.crt"
    key_path: "{{ inventory_dir }}/pki/nodes/cp1/etcd.key"
    ca_path: "{{ inventory_dir }}/pki/ca/etcd.crt"
    ca_key_path: "{{ inventory_dir }}/pki/ca/etcd.key"
    common_name: cp1
    dns_names: [cp1, localhost]
    ip_addresses: [172.31.250.11, 127.0.0.1]
    usage: both
  delegate_to: localhost

- name: Issue an administrator's client certificate
  kthw.control_plane.x509_certificate:
    path: "{{ inventory_dir }}/pki/admin.crt"
    key_path: "{{ inventory_dir }}/pki/admin.key"
    ca_path: "{{ inventory_dir }}/pki/ca/kubernetes.crt"
    ca_key_path: "{{ inventory_dir }}/pki/ca/kubernetes.key"
    common_name: kthw-admin
    organizations: [kthw:cluster-admins]
    usage: client
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
subject:
  description: Subject of the certificate, RFC 4514.
  returned: always
  type: str
  sample: CN=cp1
issuer:
  description: Issuer of the certificate, RFC 4514.
  returned: always
  type: str
  sample: CN=kthw-etcd-ca
serial:
  description: Serial number, lower-case hexadecimal without separators.
  returned: always
  type: str
  sample: 2b7e0c6a9b0d2e55c3a1f7e8b9d0c1a2b3c4d5e6
sans:
  description: Subject alternative names, V(DNS:name) and V(IP:address), sorted.
  returned: always
  type: list
  elements: str
  sample: ["DNS:cp1", "DNS:localhost", "IP:127.0.0.1", "IP:172.31.250.11"]
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2026-11-23T07:55:00Z"
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2027-11-23T08:00:00Z"
fingerprint:
  description: SHA-256 fingerprint of the certificate, colon-separated lower-case hexadecimal.
  returned: always
  type: str
  sample: "3a:5f:...:9c"
changed_reasons:
  description:
    - Why the certificate was (or in check mode would be) issued, in the order checked; empty when it was
      left alone.
    - "One or more of V(missing), V(unparsable), V(key_missing), V(key_mismatch), V(key_type), V(subject),
      V(sans), V(usage), V(issuer), V(expiring), V(forced), V(regenerate_key)."
  returned: always
  type: list
  elements: str
  sample: [sans]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.certificate import LeafSpec
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import FILE_ARGUMENT_SPEC, PkiFiles
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.issuing import issue_leaf_when_due
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.keys import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY)
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.specs import LEAF_OPTIONS, LEAF_POLICY_OPTIONS


def main():
    argument_spec = dict(LEAF_OPTIONS)
    argument_spec.update(LEAF_POLICY_OPTIONS)
    argument_spec.update(FILE_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    p = module.params
    try:
        spec = LeafSpec(p["common_name"], p["organizations"], p["dns_names"], p["ip_addresses"], p["usage"],
                        p["key_type"], p["valid_days"], p["renew_before_days"])
        result = issue_leaf_when_due(PkiFiles.from_params(module), p["path"], p["key_path"], p["ca_path"],
                                     p["ca_key_path"], spec, p["force"], p["regenerate_key"])
    except PkiError as exc:
        module.fail_json(msg=str(exc))
    for warning in result.pop("warnings"):
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
