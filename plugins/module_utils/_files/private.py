# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files that hold secrets: private from their first byte, replaced atomically."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile


def stage_private(path, data, uid=-1, gid=-1, mode=0o600):
    """Writes data to a temporary file beside path and returns its name; the file is 0600 from
    its first byte, then gets uid and gid (-1 keeps the user and group the module runs as), then
    mode, and is synced. Moving it into place (os.replace) is the caller's, so several files can
    be staged first and swapped back to back.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp_path = tempfile.mkstemp(prefix=".kthw-private.", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if uid != -1 or gid != -1:
                # chown before chmod: chown clears the setuid and setgid bits of a mode.
                os.fchown(handle.fileno(), uid, gid)
            if mode != 0o600:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except Exception:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
    return temp_path


def write_private(path, data, uid=-1, gid=-1, mode=0o600):
    """Writes data to path atomically; the file is 0600 from its first byte.

    Owner and mode are set on the temporary file before the rename (stage_private), so path never
    shows anything but the old file or the new one with its final owner and mode.
    """
    temp_path = stage_private(path, data, uid=uid, gid=gid, mode=mode)
    try:
        # os.replace keeps the temporary file's 0600 mode; atomic_move would
        # widen a newly created file to the umask default for a moment.
        os.replace(temp_path, path)
    except Exception:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise


def make_dirs(path, mode):
    """Creates path and its missing parents, each with exactly mode; returns whether any was made.

    os.makedirs gives its mode to the last folder only, narrowed by the umask: each folder is
    made here one at a time, and its mode set exactly.
    """
    missing, folder = [], path
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, mode)
        except FileExistsError:
            if os.path.isdir(folder):
                continue
            raise
        os.chmod(folder, mode)
    return bool(missing)
