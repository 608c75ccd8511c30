# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Owner, group and modes of the files the PKI modules write, and how they write them."""

    DOCUMENTATION = r"""
options:
  owner:
    description:
      - Owner of every file the module manages.
      - Without it, a new file belongs to the user the module runs as and an existing file keeps its owner.
    type: str
  group:
    description:
      - Group of every file the module manages.
      - Without it, a new file gets the user's group and an existing file keeps its group.
    type: str
  mode:
    description:
      - Mode of the public file, the certificate or the public key.
      - As for M(ansible.builtin.file), quote an octal mode, for example V('0644').
    type: raw
    default: '0644'
  key_mode:
    description:
      - Mode of the private key.
      - V('0600') or stricter, for example V('0400'); a mode that gives group or others any
        access, or anything but read and write, is refused.
      - Quote an octal mode; symbolic modes are not supported.
    type: raw
    default: '0600'
notes:
  - Files are written to a temporary file in the same directory, created with mode C(0600)
    from its first byte, and moved into place atomically, so that a private key is never
    readable by others, not even for a moment. Owner, group and mode are set afterwards.
  - A change of owner, group or mode alone reports C(changed) with an empty C(changed_reasons).
  - Results and diffs show parsed facts only, never PEM data or key bytes.
  - Supports check mode, which computes C(changed) the same way and only skips the writes,
    and diff mode.
requirements:
  - cryptography >= 41.0 on the host the module runs on, usually the controller (C(delegate_to=localhost)).
"""
