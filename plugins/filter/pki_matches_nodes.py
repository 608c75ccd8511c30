# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decides whether the controller's certificate set may be copied to the nodes: never when a node
already holds a CA, service-account key or encryption key that the copy would replace."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.kthw.control_plane.plugins.module_utils._common.words import series

DOCUMENTATION = r"""
name: pki_matches_nodes
short_description: Why the controller's PKI must not be copied to the nodes, if it must not
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Compares what the nodes hold (the CA certificates they trust, the service-account public key, the
    encryption keys and provider of their encryption configuration, as read by
    M(kthw.control_plane.node_pki_facts)) with what the controller would give them.
  - Returns nothing when the copy loses nothing - the nodes hold nothing yet (a new cluster), or every
    digest they hold is the controller's.
  - Otherwise returns one sentence per kind of problem - the nodes hold something the controller's
    folder does not (missing, moved or another cluster's folder); the nodes disagree among themselves;
    the nodes encrypt with another provider than O(provider); a node's file cannot be read - each naming
    the hosts, the digests and what to do.
  - Encryption keys are compared by their digests, whatever provider or file name they come with.
options:
  _input:
    description: Per host, the C(files) that M(kthw.control_plane.node_pki_facts) returned for it.
    type: dict
    required: true
  controller:
    description: The C(files) that M(kthw.control_plane.node_pki_facts) returned for the controller, with the same names.
    type: list
    elements: dict
    required: true
  pki_dir:
    description: The controller's folder (C(cluster_pki_dir)), named in the messages.
    type: str
    required: true
  provider:
    description: The provider the nodes are to encrypt with (C(kube_apiserver_encryption_provider)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse to replace what the nodes hold
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('. ') }}; nothing was changed"
  vars:
    problems: "{{ held_by_host | kthw.control_plane.pki_matches_nodes(controller_files, cluster_pki_dir, 'secretbox') }}"
"""

RETURN = r"""
_value:
  description: The problems, each a sentence without its final full stop; empty when the copy is safe.
  type: list
  elements: str
"""

_ENCRYPTION = "encryption_config"
_SHOWN = 16


def _short(digest):
    return "sha256:%s.." % digest[:_SHOWN]


def _digests(values):
    return " and ".join(_short(d) for d in sorted(values))


def _hosts(hosts, singular, plural):
    return "%s %s" % (", ".join(hosts), singular if len(hosts) == 1 else plural)


def _pairs_grouped(pairs):
    """[(key, [items])] from (key, item) pairs, in the order the keys first appear."""
    groups = []
    for key, item in pairs:
        for known, items in groups:
            if known == key:
                items.append(item)
                break
        else:
            groups.append((key, [item]))
    return groups


def _grouped(by_host):
    """[(value, [hosts])] in the order the values first appear."""
    return _pairs_grouped((value, host) for host, value in by_host.items())


def _values(entry):
    if entry.get("kind") == _ENCRYPTION:
        return set(k["sha256"] for p in entry.get("providers", []) for k in p["keys"])
    return set(entry.get("sha256", []))


def _held(files):
    """({name: set of digests}, first encryption provider or None, [unreadable entries])."""
    values, provider, errors = {}, None, []
    for entry in files:
        if not entry.get("exists"):
            continue
        if entry.get("error"):
            errors.append(entry)
            continue
        values.setdefault(entry["name"], set()).update(_values(entry))
        if entry.get("kind") == _ENCRYPTION and provider is None and entry.get("providers"):
            provider = entry["providers"][0]["provider"]
    return values, provider, errors


def _controller_side(name, controller, pki_dir):
    """What the controller holds for name: (digests, words naming it for a message, unreadable)."""
    entries = [e for e in controller if e["name"] == name and _values(e)]
    broken = [e for e in controller if e["name"] == name and e.get("error")]
    if broken:
        return None, "%s %s" % (broken[0]["path"], broken[0]["error"]), True
    digests = set()
    for entry in entries:
        digests.update(_values(entry))
    if not digests:
        return digests, "%s has none" % pki_dir, False
    paths = ", ".join(e["path"] for e in entries)
    return digests, "%s %s %s" % (paths, "is" if len(digests) == 1 else "holds", _digests(digests)), False


def _from_encryption_config(name, nodes):
    """Whether the nodes read name from their encryption configuration."""
    return any(e.get("kind") == _ENCRYPTION and e["name"] == name for files in nodes.values() for e in files or [])


def _provider_problems(held, provider):
    """(disagreement clauses, change sentences) about the nodes' first encryption provider."""
    groups = _grouped(dict((host, used) for host, (_v, used, _e) in held.items() if used is not None))
    if len(groups) > 1:
        return ["the nodes disagree on the encryption provider: " + "; ".join(
            "%s with %s" % (_hosts(hosts, "encrypts", "encrypt"), used) for used, hosts in groups)], []
    # Encryption off (identity first) loses nothing when it is turned on: identity stays as a reader.
    if groups and groups[0][0] != provider and groups[0][0] != "identity":
        used, hosts = groups[0]
        return [], ["%s with %s; kube_apiserver_encryption_provider is %s: changing the provider is a key "
                    "rotation: run kthw.control_plane.rotate_encryption_key to move to %s, or set it back to %s"
                    % (_hosts(hosts, "encrypts", "encrypt"), used, provider, provider, used)]
    return [], []


def pki_matches_nodes(nodes, controller, pki_dir, provider):
    try:
        held = dict((host, _held(files or [])) for host, files in nodes.items())
        names = []
        for files in [controller] + list(nodes.values()):
            names.extend(e["name"] for e in files or [] if e["name"] not in names)
        unreadable = ["%s: %s %s, and site.yml does not replace what it cannot read: restore that file from a "
                      "backup or move it aside" % (host, e["path"], e["error"])
                      for host, (_v, _p, errors) in held.items() for e in errors]
        disagree, changes = _provider_problems(held, provider)
        # With the provider in question, the keys are not compared: the provider's sentence says it all.
        provider_in_question = bool(disagree or changes)
        missing = []  # [((hosts, controller words), held part)]
        for name in names:
            by_host = dict((h, frozenset(v[name])) for h, (v, _p, _e) in held.items() if name in v)
            if not by_host or (provider_in_question and _from_encryption_config(name, nodes)):
                continue
            ours, words, broken = _controller_side(name, controller, pki_dir)
            groups = _grouped(by_host)
            if len(groups) > 1:
                disagree.append("the nodes disagree on the %s: %s (%s)" % (name, "; ".join(
                    "%s %s" % (_hosts(hosts, "holds", "hold"), _digests(value)) for value, hosts in groups), words))
            elif broken or not groups[0][0] <= ours:
                missing.append(((tuple(groups[0][1]), words), "the %s %s" % (name, _digests(groups[0][0]))))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError("pki_matches_nodes: malformed input (%s: %s)" % (type(exc).__name__, exc))

    problems = []
    if missing:
        problems.append("; ".join("%s %s but %s" % (_hosts(list(hosts), "holds", "hold"), series(parts), words)
                                  for (hosts, words), parts in _pairs_grouped(missing))
                        + ": restore cluster_pki_dir from your backup (or point cluster_pki_dir at it)")
    if disagree:
        problems.append("; ".join(disagree) + ": find the set the cluster runs on and restore it on the other "
                        "nodes by hand; site.yml never chooses one")
    return problems + changes + unreadable


class FilterModule(object):
    def filters(self):
        return {"pki_matches_nodes": pki_matches_nodes}
