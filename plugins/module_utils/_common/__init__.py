# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the private packages share: the one private-file writer and the one mode parser.

The other packages (_files, _pki, _kube_api, _release, ...) may import from here and never from
each other; nothing here imports from them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
