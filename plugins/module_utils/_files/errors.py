# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error of file_bundle: a file or directory that cannot be made as asked."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class BundleError(Exception):
    """A file or directory of the bundle cannot be made as asked; the message names it, never a content.

    changed_files and changed_directories list what was already changed when the error happened.
    """

    def __init__(self, msg, changed_files=None, changed_directories=None):
        super(BundleError, self).__init__(msg)
        self.changed_files = list(changed_files or [])
        self.changed_directories = list(changed_directories or [])
