# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a CA rotation asks of one node's listeners after each step, for kthw.control_plane.tls_endpoints."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: ca_rotation_gates
short_description: The checks of one node's listeners after a step of a CA rotation
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - Each check is one call of M(kthw.control_plane.tls_endpoints) on the node, asking its own listeners
    directly (never through the load balancer).
  - V(widen) - each listener of a rotated CA accepts a client certificate of the new CA.
  - V(reissue) - the same, and every listener of a rotated CA (kube-apiserver, kube-controller-manager,
    kube-scheduler, etcd's client and peer ports) serves a chain that ends at the new CA alone.
  - V(narrow) - the same, and a client certificate of the old CA is refused everywhere.
  - A rollback goes back the same way with the old CA as the one kept - V(unwind) as V(reissue) (every
    listener serves a chain of the old CA again), then V(retract) as V(narrow) (a client certificate of the
    new CA is refused everywhere).
  - A front-proxy client certificate is presented as an authenticating proxy does, with the user in
    C(X-Remote-User).
options:
  _input:
    description: The step, V(widen), V(reissue), V(narrow), V(unwind) or V(retract).
    type: str
    required: true
  cas:
    description: The CAs rotated, of V(kubernetes), V(etcd) and V(front-proxy).
    type: list
    elements: str
    required: true
  node:
    description:
      - C(name) (inventory name, the name etcd's certificates hold), C(address), and whether the node runs
        the C(control_plane) and C(etcd).
    type: dict
    required: true
  ports:
    description: C(apiserver), C(etcd_client), C(etcd_peer), C(controller_manager) and C(scheduler).
    type: dict
    required: true
  probe_user:
    description: The user the probes authenticate as.
    type: str
    default: kthw-ca-probe
"""

EXAMPLES = r"""
- name: Check this node after the new CAs are trusted
  kthw.control_plane.tls_endpoints:
    endpoints: "{{ item.endpoints }}"
    ca: "{{ bundles[item.server_ca] }}"
  loop: "{{ 'widen' | kthw.control_plane.ca_rotation_gates(['etcd'], node, ports) }}"
"""

RETURN = r"""
_value:
  description:
    - One entry per call - C(name); C(server_ca), the CA whose certificates verify the servers, from
      C(server_ca_from) (V(trust) - every CA trusted, V(issuer) - the CA that issues now alone); C(probe),
      the client certificate presented (V(<ca>-new), V(<ca>-old)) or none; C(expect_client); C(endpoints).
  type: list
  elements: dict
"""

# Per step, the CA the step keeps: its client certificates must be accepted, and
# after widen the listeners must serve its chains; narrowing steps refuse the other.
_KEEPS = {"widen": "new", "reissue": "new", "narrow": "new", "unwind": "old", "retract": "old"}
_NARROWS = ("narrow", "retract")
STEPS = tuple(_KEEPS)
CAS = ("kubernetes", "etcd", "front-proxy")


def _endpoint(node, component, host, port, server_name, path, headers=None):
    return {"name": "%s %s" % (node["name"], component), "host": host, "port": int(port), "server_name": server_name,
            "path": path, "headers": headers or {}}


def ca_rotation_gates(step, cas, node, ports, probe_user="kthw-ca-probe"):
    if step not in STEPS:
        raise AnsibleFilterError("ca_rotation_gates: step %r; expected one of %s" % (step, ", ".join(STEPS)))
    unknown = sorted(set(cas) - set(CAS))
    if unknown:
        raise AnsibleFilterError("ca_rotation_gates: unknown CA %s; expected %s" % (", ".join(unknown), ", ".join(CAS)))
    try:
        server_ca_from = "trust" if step == "widen" else "issuer"

        def apiserver(path, headers=None):
            return _endpoint(node, "kube-apiserver", node["address"], ports["apiserver"], "kubernetes", path, headers)

        etcd_client = _endpoint(node, "etcd", node["address"], ports["etcd_client"], node["name"], "/health")
        clients = []  # (ca, endpoint, server CA)
        if node.get("control_plane") and "kubernetes" in cas:
            clients.append(("kubernetes", apiserver("/api"), "kubernetes"))
        if node.get("control_plane") and "front-proxy" in cas:
            clients.append(("front-proxy", apiserver("/api", {"X-Remote-User": probe_user}), "kubernetes"))
        if node.get("etcd") and "etcd" in cas:
            clients.append(("etcd", etcd_client, "etcd"))
        gates = []
        kept = _KEEPS[step]
        other = "old" if kept == "new" else "new"
        for ca, endpoint, server_ca in clients:
            gates.append({"name": "a client certificate of the %s %s CA is accepted" % (kept, ca), "server_ca": server_ca,
                          "server_ca_from": server_ca_from, "probe": "%s-%s" % (ca, kept), "expect_client": "accepted",
                          "endpoints": [endpoint]})
            if step in _NARROWS:
                gates.append({"name": "a client certificate of the %s %s CA is refused" % (other, ca),
                              "server_ca": server_ca, "server_ca_from": server_ca_from, "probe": "%s-%s" % (ca, other),
                              "expect_client": "refused", "endpoints": [endpoint]})
        if step != "widen":
            if node.get("control_plane") and "kubernetes" in cas:
                gates.append({"name": "every kubernetes CA listener serves a chain of the %s CA" % kept,
                              "server_ca": "kubernetes",
                              "server_ca_from": "issuer", "probe": None, "expect_client": "any",
                              "endpoints": [apiserver("/readyz"),
                                            _endpoint(node, "kube-controller-manager", "127.0.0.1",
                                                      ports["controller_manager"], "localhost", "/healthz"),
                                            _endpoint(node, "kube-scheduler", "127.0.0.1", ports["scheduler"],
                                                      "localhost", "/healthz")]})
            if node.get("etcd") and "etcd" in cas:
                # etcd asks every client for a certificate: the kept CA's completes the handshake.
                gates.append({"name": "every etcd listener serves a chain of the %s CA" % kept, "server_ca": "etcd",
                              "server_ca_from": "issuer", "probe": "etcd-" + kept, "expect_client": "any",
                              "endpoints": [etcd_client,
                                            _endpoint(node, "etcd peer", node["address"], ports["etcd_peer"],
                                                      node["name"], "/version")]})
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("ca_rotation_gates: malformed node or ports (%s: %s)" % (type(exc).__name__, exc))
    return gates


class FilterModule(object):
    def filters(self):
        return {"ca_rotation_gates": ca_rotation_gates}
