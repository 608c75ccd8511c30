# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files that hold secrets: private from their first byte, replaced atomically."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile


def write_private(path, data):
    """Writes data to path atomically; the file is 0600 from its first byte."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp_path = tempfile.mkstemp(prefix=".kthw-private.", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # os.replace keeps the temporary file's 0600 mode; atomic_move would
        # widen a newly created file to the umask default for a moment.
        os.replace(temp_path, path)
    except Exception:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
