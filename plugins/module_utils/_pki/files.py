# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owner, group and mode of the files the PKI modules write."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

# Options shared by the PKI modules, as documented in each of them.
FILE_ARGUMENT_SPEC = dict(
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw", default="0644"),
    key_mode=dict(type="raw", default="0600"),
)


def apply_attributes(module, changed, files):
    """Sets owner, group and mode of each (path, mode) that exists; returns changed."""
    for path, mode in files:
        if not os.path.exists(path):
            continue
        args = module.load_file_common_arguments(dict(
            path=path, owner=module.params.get("owner"), group=module.params.get("group"), mode=mode))
        changed = module.set_fs_attributes_if_different(args, changed)
    return changed


def check_key_mode(mode):
    """A private key is never readable by group or others."""
    value = int(str(mode), 8) if not isinstance(mode, int) else mode
    return value & 0o077 == 0
