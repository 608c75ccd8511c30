# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why the pinned releases may not replace the ones the nodes hold (the version-skew rules)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.kthw.control_plane.plugins.module_utils._release.skew import etcd_refusals, kubernetes_refusals

DOCUMENTATION = r"""
name: release_skew_refusals
short_description: Why the pinned releases may not replace the ones the nodes hold
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Applies the version-skew rules to what every node holds now, as the P(kthw.control_plane.running_releases#module)
    module reads it, and returns one sentence for each component that may not go to the pinned release.
  - B(Kubernetes) - no minor release skipped, up or down; going back only when allowed; and a minor is gone
    back on only while no controller-manager or scheduler runs the newer one (the apiservers go back first).
  - B(etcd) - one minor at a time; to a new minor only from the release O(etcd_minimums) names or later;
    going back only when allowed, and to an older minor only while some member still runs it.
  - Nodes and components that hold no release (a new node) are left out.
options:
  _input:
    description: Node name to what its components hold, each a dict with C(version) (such as V(1.36.3)) or without one.
    type: dict
    required: true
  kubernetes_version:
    description: The pinned Kubernetes release.
    type: str
    required: true
  etcd_version:
    description: The pinned etcd release.
    type: str
    required: true
  etcd_minimums:
    description: A minor to the oldest release a member may be upgraded to it from, such as V(3.7) to V(3.6.11).
    type: dict
    default: {}
  allow_downgrade:
    description: Whether a release older than the one a node holds may replace it.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Refuse an upgrade the skew policy forbids
  ansible.builtin.assert:
    that: refusals | length == 0
    fail_msg: "{{ refusals | join(' ') }}"
  vars:
    refusals: >-
      {{ held | kthw.control_plane.release_skew_refusals(cluster_kubernetes_version, cluster_etcd_version,
                                                         etcd_minimums={'3.7': '3.6.11'}) }}
"""

RETURN = r"""
_value:
  description: One sentence per refused component, naming the node, the component and both releases; empty when all may go.
  type: list
  elements: str
"""


def release_skew_refusals(held, kubernetes_version, etcd_version, etcd_minimums=None, allow_downgrade=False):
    if not isinstance(held, dict):
        raise AnsibleFilterError("release_skew_refusals: expected a dict of node to releases, got %s" % type(held).__name__)
    try:
        return (kubernetes_refusals(held, kubernetes_version, bool(allow_downgrade))
                + etcd_refusals(held, etcd_version, dict(etcd_minimums or {}), bool(allow_downgrade)))
    except (ValueError, AttributeError, TypeError) as exc:
        raise AnsibleFilterError("release_skew_refusals: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"release_skew_refusals": release_skew_refusals}
