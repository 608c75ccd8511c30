# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the pinned releases may replace the ones the nodes hold: the version-skew rules.

Pure functions, driven by tables in the unit tests. `held` maps a node to what each of its
components holds, as the running_releases module reports it: {"etcd": {"version": "3.6.16"}, ...};
a component with no version (not running) holds nothing and is left out. The nodes that run one
release of a component are refused in one sentence.

Kubernetes (the version-skew policy): an apiserver may be one minor older than another, never two,
so no minor is skipped; a controller-manager or scheduler may never be newer than an apiserver it
reaches, and through the load balancer it reaches all of them, so the apiservers go first (site.yml's
order) and, going back, they may only go back while no controller-manager or scheduler has moved on.
etcd: one minor at a time, from at least the patch the new minor names (etcd 3.7 needs 3.6.11); a
mixed cluster runs at its lowest minor, so a member can only go back while some member still runs it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.kthw.control_plane.plugins.module_utils._common.words import series

KUBERNETES_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
# They must never be newer than any apiserver they reach.
KUBERNETES_CLIENTS = ("kube-controller-manager", "kube-scheduler")
ETCD = "etcd"
DOWNGRADE_VARIABLE = "cluster_allow_downgrade"


def parse(version):
    """(major, minor, patch) of a release number such as 1.37.2 or v1.37.2."""
    parts = str(version).lstrip("v").split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError("%r is not a release number like 1.37.2" % (version,))
    return tuple(int(part) for part in parts)


def minor_of(version):
    return "%d.%d" % parse(version)[:2]


def _holders(held, components):
    """(nodes, component, version) for each release a component runs, the nodes that run it together,
    in the components' order, then by version."""
    nodes = {}
    for node in sorted(held):
        for component in components:
            version = (held[node].get(component) or {}).get("version")
            if version:
                nodes.setdefault((component, str(version).lstrip("v")), []).append(node)
    return [(nodes[key], key[0], key[1])
            for key in sorted(nodes, key=lambda key: (components.index(key[0]), parse(key[1])))]


def _minor_steps(version, target):
    """How many minors target is ahead of version (negative when behind); another major counts as far."""
    major, minor = parse(version)[:2]
    target_major, target_minor = parse(target)[:2]
    if major != target_major:
        return 100 if target_major > major else -100
    return target_minor - minor


def _name(nodes, component, version):
    return "%s %s %s %s" % (series(nodes), "runs" if len(nodes) == 1 else "run", component, version)


def _going_back_refusal(nodes, component, version, target, allow_downgrade):
    """Why a component may not go back from version to the older target, whatever it is; None when it may."""
    if not allow_downgrade:
        return ("%s, newer than %s: going back is refused unless %s is true (README, Going back)."
                % (_name(nodes, component, version), target, DOWNGRADE_VARIABLE))
    if _minor_steps(version, target) < -1:
        return ("%s: going back to %s would skip a minor release; go back one minor at a time."
                % (_name(nodes, component, version), target))
    return None


def _kubernetes_refusal(nodes, component, version, target, allow_downgrade):
    steps = _minor_steps(version, target)
    if steps > 1:
        return ("%s: %s would skip a minor release; go to the newest %s patch first."
                % (_name(nodes, component, version), target, _next_minor(version)))
    if parse(target) >= parse(version):
        return None
    refusal = _going_back_refusal(nodes, component, version, target, allow_downgrade)
    if refusal is None and steps < 0 and component in KUBERNETES_CLIENTS:
        refusal = ("%s: the apiservers go back first and would then be older than this component, which the skew policy "
                   "forbids; a minor can only be gone back on while no controller-manager or scheduler has moved on."
                   % _name(nodes, component, version))
    return refusal


def kubernetes_refusals(held, target, allow_downgrade=False):
    """Why the Kubernetes components may not go to target, one sentence each; empty when they may."""
    refusals = (_kubernetes_refusal(nodes, component, version, target, allow_downgrade)
                for nodes, component, version in _holders(held, KUBERNETES_COMPONENTS))
    return [refusal for refusal in refusals if refusal]


def _etcd_refusal(nodes, version, target, minimum, cluster_minor, allow_downgrade):
    steps = _minor_steps(version, target)
    named = _name(nodes, ETCD, version)
    if steps > 1:
        return ("%s: etcd upgrades one minor release at a time; go to the newest %s patch first."
                % (named, _next_minor(version)))
    if steps == 1 and minimum and parse(version) < parse(minimum):
        return ("%s: etcd %s needs every member on %s or later; go to the newest %s patch first."
                % (named, minor_of(target), minimum, minor_of(version)))
    if parse(target) >= parse(version):
        return None
    refusal = _going_back_refusal(nodes, ETCD, version, target, allow_downgrade)
    if refusal is None and steps < 0 and cluster_minor != minor_of(target):
        refusal = ("%s: every member runs %s, so the cluster runs at %s and its members cannot go back to %s by "
                   "replacing their binaries (that takes etcd's own downgrade procedure, which this collection "
                   "does not run)." % (named, minor_of(version), cluster_minor, minor_of(target)))
    return refusal


def etcd_refusals(held, target, minimums, allow_downgrade=False):
    """Why the etcd members may not go to target, one sentence each; empty when they may.

    minimums maps a minor to the oldest release a member may run to be upgraded to it
    ({"3.7": "3.6.11"}).
    """
    holders = _holders(held, (ETCD,))
    # A mixed cluster runs at the lowest minor any member runs.
    cluster_minor = min((parse(holder[2])[:2] for holder in holders), default=None)
    cluster_minor = "%d.%d" % cluster_minor if cluster_minor else None
    minimum = minimums.get(minor_of(target))
    refusals = (_etcd_refusal(holder[0], holder[2], target, minimum, cluster_minor, allow_downgrade)
                for holder in holders)
    return [refusal for refusal in refusals if refusal]


def _next_minor(version):
    major, minor = parse(version)[:2]
    return "%d.%d" % (major, minor + 1)
