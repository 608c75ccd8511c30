# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error the PKI modules fail with."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class PkiError(Exception):
    """A key or certificate cannot be handled as asked; the message says what to fix.

    Messages name files and parsed facts only, never key material.
    """
