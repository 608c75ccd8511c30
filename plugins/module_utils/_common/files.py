# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one writer of private files, and folders made with exactly their mode.

A file is born in stage_private: a new temporary file beside its destination, created with
O_CREAT | O_EXCL and mode 0600 before any byte is written (whatever the umask), then given its
owner and group, then its mode, and synced. write_private renames it into place in one step, so
the destination only ever shows the old file or the new one with its final owner and mode:

- by default with os.replace, which keeps the staged owner and mode as they are;
- or with the caller's move, such as AnsibleModule.atomic_move (which also restores the SELinux
  context). atomic_move chmods a file it creates to 0666 & ~umask and, with keep_dest_attrs,
  copies the mode of the file it replaces: such a caller moves a private file under a 0077 umask
  and without keep_dest_attrs, so that it stays owner-only (the PKI modules do, see _pki.files).

A failure at any step removes the temporary file and leaves the destination as it was.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile

PRIVATE_MODE = 0o600
# Temporary files are named <prefix><random>, in the destination's folder.
DEFAULT_PREFIX = ".kthw-private."


def _remove(path):
    if os.path.lexists(path):
        os.unlink(path)


def stage_private(path, data, uid=-1, gid=-1, mode=PRIVATE_MODE, prefix=DEFAULT_PREFIX):
    """Writes data to a new temporary file beside path and returns its name.

    The file is 0600 from its first byte, then gets uid and gid (-1 keeps the user and group the
    module runs as), then mode, and is synced. Moving it into place is the caller's (os.replace,
    or write_private), so that several files can be staged first and swapped back to back.
    """
    directory = os.path.dirname(os.path.abspath(path))
    # mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600: never an existing file.
    fd, temp_path = tempfile.mkstemp(prefix=prefix, dir=directory)
    try:
        os.fchmod(fd, PRIVATE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if uid != -1 or gid != -1:
                # chown before chmod: chown clears the setuid and setgid bits of a mode.
                os.fchown(handle.fileno(), uid, gid)
            if mode != PRIVATE_MODE:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except Exception:
        _remove(temp_path)
        raise
    return temp_path


def write_private(path, data, uid=-1, gid=-1, mode=PRIVATE_MODE, prefix=DEFAULT_PREFIX, move=None):
    """Writes data to path atomically; the file is 0600 from its first byte.

    Owner and mode are set on the temporary file (stage_private), then move(temp_path, path)
    renames it into place: os.replace unless the caller gives its own (see the module docstring).
    """
    temp_path = stage_private(path, data, uid=uid, gid=gid, mode=mode, prefix=prefix)
    try:
        (move or os.replace)(temp_path, path)
    finally:
        _remove(temp_path)


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
