# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client certificates a CA rotation's gates present."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: ca_rotation_probes
short_description: The client certificates a CA rotation's gates present, as x509_certificates entries
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - For each rotated CA, C(<ca>-old) from the old CA (C(<ca_dir>/<ca>.crt) until the rotation ends) and
    C(<ca>-new) from the new one (C(<ca_dir>/<ca>-next.crt)), in O(probe_dir).
  - The front-proxy ones are named C(front-proxy-client), the one name the apiservers take an
    authenticating proxy's certificate from; the others O(probe_user).
options:
  _input:
    description: The CAs rotated, of V(kubernetes), V(etcd) and V(front-proxy).
    type: list
    elements: str
    required: true
  probe_dir:
    description: Folder on the controller of the client certificates and keys.
    type: path
    required: true
  ca_dir:
    description: Folder on the controller of the CA certificates and keys.
    type: path
    required: true
  probe_user:
    description: The user the probes authenticate as.
    type: str
    default: kthw-ca-probe
"""

EXAMPLES = r"""
- name: Issue the gates' client certificates
  kthw.control_plane.x509_certificates:
    certificates: "{{ ['etcd'] | kthw.control_plane.ca_rotation_probes(pki_dir ~ '/probes', pki_dir ~ '/ca') }}"
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: Entries for O(kthw.control_plane.x509_certificates#module:certificates).
  type: list
  elements: dict
"""

CAS = ("kubernetes", "etcd", "front-proxy")


def ca_rotation_probes(cas, probe_dir, ca_dir, probe_user="kthw-ca-probe"):
    """The kthw.control_plane.x509_certificates entries of the gates' client certificates: <ca>-old from the
    old CA (<ca>.crt until the rotation ends), <ca>-new from the new one (<ca>-next.crt)."""
    entries = []
    for ca in cas:
        if ca not in CAS:
            raise AnsibleFilterError("ca_rotation_probes: unknown CA %s; expected %s" % (ca, ", ".join(CAS)))
        for which, stem in (("old", ca), ("new", ca + "-next")):
            name = "%s-%s" % (ca, which)
            entries.append({
                "path": "%s/%s.crt" % (probe_dir, name), "key_path": "%s/%s.key" % (probe_dir, name),
                "ca_path": "%s/%s.crt" % (ca_dir, stem), "ca_key_path": "%s/%s.key" % (ca_dir, stem),
                # The apiserver takes a front-proxy certificate from the names it allows only.
                "common_name": "front-proxy-client" if ca == "front-proxy" else probe_user,
                "organizations": [], "dns_names": [], "ip_addresses": [], "usage": "client",
                "force": False, "regenerate_key": False})
    return entries


class FilterModule(object):
    def filters(self):
        return {"ca_rotation_probes": ca_rotation_probes}
