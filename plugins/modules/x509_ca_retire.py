#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: x509_ca_retire
short_description: Gives a rotated CA's name to its successor, keeping the old CA under another name
version_added: 0.9.0
author: kthw.control_plane contributors (@kthw)
description:
  - The last step of a CA rotation, on the controller. The CA at O(path) and O(key_path) is kept as
    O(retired_path) and O(retired_key_path) (never overwritten), then the CA at O(next_path) and
    O(next_key_path) takes its name, and the C(next) files go.
  - With O(state=abandoned), the last step of a CA rotation rolled back - the CA at O(path) keeps its name,
    and the successor at O(next_path) and O(next_key_path) is kept as O(retired_path) and O(retired_key_path)
    instead.
  - Safe to run again at any point it stopped - it finishes the same move. Without the C(next) files
    there is nothing to do.
  - The files are written atomically, the keys C(0600) from their first byte. Nothing is ever deleted
    that is not kept elsewhere - an old CA that differs from a retired one already kept fails instead.
options:
  path:
    description: The CA certificate's name, which the successor takes.
    type: path
    required: true
  key_path:
    description: Its key.
    type: path
    required: true
  next_path:
    description: The successor's certificate.
    type: path
    required: true
  next_key_path:
    description: The successor's key.
    type: path
    required: true
  retired_path:
    description:
      - Where the CA certificate moved aside is kept, for example C(ca/kubernetes-retired-2026-12-01.crt) (the
        old one, or with O(state=abandoned) the successor).
    type: path
    required: true
  retired_key_path:
    description: Where its key is kept.
    type: path
    required: true
  state:
    description:
      - V(retired) - the successor takes the name of the CA, which is kept at O(retired_path).
      - V(abandoned) - the CA keeps its name; the successor is kept at O(retired_path).
    type: str
    choices: [retired, abandoned]
    default: retired
attributes:
  check_mode:
    support: full
    description: Says whether it would move anything; moves nothing.
notes:
  - The controller keeps the retired CA keys - back up C(cluster_pki_dir) as always.
"""

EXAMPLES = r"""
- name: The new Kubernetes CA takes the name kubernetes.crt
  kthw.control_plane.x509_ca_retire:
    path: "{{ inventory_dir }}/pki/ca/kubernetes.crt"
    key_path: "{{ inventory_dir }}/pki/ca/kubernetes.key"
    next_path: "{{ inventory_dir }}/pki/ca/kubernetes-next.crt"
    next_key_path: "{{ inventory_dir }}/pki/ca/kubernetes-next.key"
    retired_path: "{{ inventory_dir }}/pki/ca/kubernetes-retired-2026-12-01.crt"
    retired_key_path: "{{ inventory_dir }}/pki/ca/kubernetes-retired-2026-12-01.key"
  delegate_to: localhost

- name: A rolled-back rotation keeps its unused Kubernetes CA aside
  kthw.control_plane.x509_ca_retire:
    path: "{{ inventory_dir }}/pki/ca/kubernetes.crt"
    key_path: "{{ inventory_dir }}/pki/ca/kubernetes.key"
    next_path: "{{ inventory_dir }}/pki/ca/kubernetes-next.crt"
    next_key_path: "{{ inventory_dir }}/pki/ca/kubernetes-next.key"
    retired_path: "{{ inventory_dir }}/pki/ca/kubernetes-abandoned-2026-12-01.crt"
    retired_key_path: "{{ inventory_dir }}/pki/ca/kubernetes-abandoned-2026-12-01.key"
    state: abandoned
  delegate_to: localhost
"""

RETURN = r"""
moved:
  description: The files moved, as C(source -> destination); empty when there was nothing to do.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import write_private


class RetireError(Exception):
    pass


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _keep(source, dest, mode, moved, check_mode):
    """Copies source to dest unless dest holds it already; a dest with other bytes is an error."""
    data = _read(source)
    if os.path.exists(dest):
        if _read(dest) != data:
            raise RetireError("%s already holds another file than %s: move it aside; nothing was moved" % (dest, source))
        return
    moved.append("%s -> %s" % (source, dest))
    if not check_mode:
        write_private(dest, data, mode=mode)


def retire(p, check_mode=False):
    """The moves done (or, in check mode, due), in order."""
    moved = []
    if not (os.path.exists(p["path"]) and os.path.exists(p["key_path"])):
        if not os.path.exists(p["next_path"]):
            raise RetireError("neither %s nor %s exists: restore the CA from your backup" % (p["next_path"], p["path"]))
    if not (os.path.exists(p["next_path"]) and os.path.exists(p["next_key_path"])):
        # Only a copy of what already took the name may be left over from a run that stopped.
        for leftover, taken in ((p["next_path"], p["path"]), (p["next_key_path"], p["key_path"])):
            if os.path.exists(leftover):
                if not os.path.exists(taken) or _read(leftover) != _read(taken):
                    raise RetireError("%s is there without its pair and is not %s: restore the pair from your "
                                      "backup; nothing was moved" % (leftover, taken))
                moved.append("%s -> (removed)" % leftover)
                if not check_mode:
                    os.remove(leftover)
        return moved
    if _read(p["path"]) != _read(p["next_path"]):
        # A run that stopped after the key moved has the new key under the old name: keep only the old pair.
        if _read(p["key_path"]) != _read(p["next_key_path"]):
            _keep(p["key_path"], p["retired_key_path"], 0o600, moved, check_mode)
        elif not os.path.exists(p["retired_key_path"]):
            raise RetireError("%s already holds the new key but no old key is kept at %s: restore the old CA key from "
                              "your backup there" % (p["key_path"], p["retired_key_path"]))
        _keep(p["path"], p["retired_path"], 0o644, moved, check_mode)
        # The key first: a certificate never names a key it does not go with for longer than a step.
        for source, dest, mode in ((p["next_key_path"], p["key_path"], 0o600), (p["next_path"], p["path"], 0o644)):
            if _read(source) != _read(dest):
                moved.append("%s -> %s" % (source, dest))
                if not check_mode:
                    write_private(dest, _read(source), mode=mode)
    for leftover in (p["next_path"], p["next_key_path"]):
        moved.append("%s -> (removed)" % leftover)
        if not check_mode:
            os.remove(leftover)
    return moved


def abandon(p, check_mode=False):
    """The moves done (or due) to keep the successor aside: each next file is kept, then removed."""
    if not (os.path.exists(p["path"]) and os.path.exists(p["key_path"])):
        raise RetireError("%s or %s is missing: restore the CA from your backup; nothing was moved"
                          % (p["path"], p["key_path"]))
    moved = []
    # Both files kept before either goes: a stop anywhere leaves the successor whole in one place or the other.
    pairs = ((p["next_key_path"], p["retired_key_path"], 0o600), (p["next_path"], p["retired_path"], 0o644))
    for source, dest, mode in pairs:
        if os.path.exists(source):
            _keep(source, dest, mode, moved, check_mode)
    for source, _dest, _mode in pairs:
        if os.path.exists(source):
            moved.append("%s -> (removed)" % source)
            if not check_mode:
                os.remove(source)
    return moved


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            key_path=dict(type="path", required=True),
            next_path=dict(type="path", required=True),
            next_key_path=dict(type="path", required=True),
            retired_path=dict(type="path", required=True),
            retired_key_path=dict(type="path", required=True),
            state=dict(type="str", choices=["retired", "abandoned"], default="retired"),
        ),
        supports_check_mode=True,
    )
    try:
        move = abandon if module.params["state"] == "abandoned" else retire
        moved = move(module.params, module.check_mode)
    except (RetireError, IOError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(moved), moved=moved)


if __name__ == "__main__":
    main()
