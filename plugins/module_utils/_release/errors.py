# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error of the release package."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ReleaseError(Exception):
    """The release cannot be installed as asked; the message says what to fix."""
