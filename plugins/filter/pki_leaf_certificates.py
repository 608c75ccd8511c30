# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns the certificate plan's leaves into the entries of kthw.control_plane.x509_certificates."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: pki_leaf_certificates
short_description: The O(kthw.control_plane.x509_certificates#module:certificates) of a set of planned leaves
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Each leaf of the plan becomes one certificate entry - its certificate and key in O(cert_dir) named
    after the leaf, signed by its CA - the one O(cas) names as issuing, or C(<cas>/<ca>.crt) with its key
    beside it when O(cas) is a folder.
  - A leaf whose O(reissue_prefix) plus name is in O(reissue) is forced and gets a new key, which is
    how a rotation renews exactly its plan.
options:
  _input:
    description:
      - Leaves, each with C(name), C(ca), C(common_name), C(usage) and optionally C(organizations),
        C(dns_names) and C(ip_addresses); other keys are ignored.
    type: list
    elements: dict
    required: true
  cert_dir:
    description: Folder on the controller of the leaves' certificates and keys.
    type: str
    required: true
  cas:
    description:
      - The CA that issues, per CA name - C(cert) and C(key), as the C(cluster_cas) contract entry gives
        them (kthw.control_plane.ca_files) - or the folder on the controller of the CA certificates and keys.
    type: raw
    required: true
  reissue:
    description: Names of leaves to reissue with a new key, as O(reissue_prefix) plus the leaf name.
    type: list
    elements: str
    required: true
  reissue_prefix:
    description: Prefix of the leaf names in O(reissue), such as V(cp1/) for a node's leaves.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Issue this node's certificates
  kthw.control_plane.x509_certificates:
    certificates: >-
      {{ leaves | kthw.control_plane.pki_leaf_certificates(pki_dir ~ '/nodes/' ~ inventory_hostname,
                                                            pki_dir ~ '/ca', ['cp1/apiserver'],
                                                            reissue_prefix=inventory_hostname ~ '/') }}
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: Entries for O(kthw.control_plane.x509_certificates#module:certificates), in the order of the leaves.
  type: list
  elements: dict
"""


def _signer(cas, name):
    """(certificate, key) of the CA name: from the kthw.control_plane.ca_files mapping, or a folder."""
    if isinstance(cas, dict):
        return cas[name]["cert"], cas[name]["key"]
    return "%s/%s.crt" % (cas, name), "%s/%s.key" % (cas, name)


def pki_leaf_certificates(leaves, cert_dir, cas, reissue, reissue_prefix=""):
    reissue = set(reissue or [])
    entries = []
    try:
        for leaf in leaves:
            renew = (reissue_prefix + leaf["name"]) in reissue
            ca_path, ca_key_path = _signer(cas, leaf["ca"])
            entries.append({
                "path": "%s/%s.crt" % (cert_dir, leaf["name"]),
                "key_path": "%s/%s.key" % (cert_dir, leaf["name"]),
                "ca_path": ca_path,
                "ca_key_path": ca_key_path,
                "common_name": leaf["common_name"],
                "organizations": list(leaf.get("organizations") or []),
                "dns_names": list(leaf.get("dns_names") or []),
                "ip_addresses": list(leaf.get("ip_addresses") or []),
                "usage": leaf["usage"],
                "force": renew,
                "regenerate_key": renew,
            })
    except KeyError as exc:
        raise AnsibleFilterError("pki_leaf_certificates: malformed leaf, missing %s" % exc)
    except (TypeError, AttributeError) as exc:
        raise AnsibleFilterError("pki_leaf_certificates: every leaf must be a mapping: %s" % exc)
    return entries


class FilterModule(object):
    def filters(self):
        return {"pki_leaf_certificates": pki_leaf_certificates}
