# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and writing the PKI modules' files.

Every file is written by the collection's one private writer (_common.files.write_private):
a temporary file in its own directory, 0600 from its first byte, moved into place with the
module's atomic_move under a 0077 umask and, for a key, without keeping the replaced file's
attributes, so that a private key is never readable by group or others, not even for a moment.
Owner, group and mode are set afterwards (settle); check mode computes their change without
making it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os

from ansible_collections.kthw.control_plane.plugins.module_utils._common.files import PRIVATE_MODE, write_private
from ansible_collections.kthw.control_plane.plugins.module_utils._common.modes import octal_mode
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.errors import PkiError

# The options every PKI module shares, documented in the kthw.control_plane.pki_files fragment.
FILE_ARGUMENT_SPEC = dict(
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw", default="0644"),
    key_mode=dict(type="raw", default="0600", no_log=False),  # a mode, not a secret
)


def check_key_mode(mode):
    """The numeric key_mode, refused unless it grants at most owner read and write (0600)."""
    try:
        value = octal_mode(mode)
    except ValueError:
        raise PkiError("key_mode %r: give an octal mode such as '0600' or '0400'" % (mode,))
    if value & ~PRIVATE_MODE:
        raise PkiError("key_mode %s would give more than owner read and write on a private key: "
                       "use '0600' or stricter" % format(value, "04o"))
    return value


class PkiFiles(object):
    """The file side of a PKI module: reads, atomic writes and attributes, check mode aware."""

    def __init__(self, module, owner=None, group=None, mode="0644", key_mode="0600"):
        self.module = module
        self.check_mode = module.check_mode
        self.owner = owner
        self.group = group
        self.mode = mode
        self.key_mode = check_key_mode(key_mode)

    @classmethod
    def from_params(cls, module):
        params = module.params
        return cls(module, params["owner"], params["group"], params["mode"], params["key_mode"])

    def read(self, path):
        """The bytes at path, or None when there is no such file."""
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise PkiError("cannot read %s: %s" % (path, exc.strerror or exc))

    def write(self, path, data, private):
        """Replaces path with data atomically; skipped in check mode."""
        if self.check_mode:
            return
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise PkiError("cannot write %s: the directory %s does not exist" % (path, directory))
        try:
            write_private(path, data, prefix=".%s." % os.path.basename(path),
                          move=lambda temp_path, dest: self._move(temp_path, dest, private))
        except Exception as exc:
            raise PkiError("cannot write %s: %s" % (path, getattr(exc, "strerror", None) or exc))

    def _move(self, temp_path, path, private):
        old_umask = os.umask(0o077)
        try:
            # keep_dest_attrs=False for a key: never copy the mode of the file it replaces
            # (an old key may have been world-readable) onto the new key.
            self.module.atomic_move(temp_path, path, keep_dest_attrs=not private)
        finally:
            os.umask(old_umask)

    def settle(self, path, private, changed):
        """Sets owner, group and mode of path if it exists; returns changed, or True if they differ."""
        if not os.path.exists(path):
            return changed
        wanted = dict(mode=self.key_mode if private else self.mode, owner=self.owner, group=self.group)
        file_args = self.module.load_file_common_arguments(wanted, path=path)
        return self.module.set_fs_attributes_if_different(file_args, changed)
