# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one parser of file modes given as options: octal strings or numbers, never symbolic."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

MAX_MODE = 0o7777
# '0600', '600', '0o600' (or '0O600'), '2750', '0', and extra leading zeros ('00600'): at most four
# significant octal digits.
_OCTAL = re.compile(r"^(?:0[oO])?0*([0-7]{1,4})$")


def octal_mode(mode):
    """The numeric mode: a string is octal ('0600', '600', '0o600'), an int is taken as is.

    Raises ValueError saying what to give instead, without naming the option: a bool, None, a
    symbolic mode ('u=rw') or anything else that is not octal, or a mode outside 0 to 07777.
    """
    if isinstance(mode, bool):
        raise ValueError("give a quoted octal mode such as '0600'")
    if isinstance(mode, int):
        value = mode
    else:
        match = _OCTAL.match(str(mode).strip())
        if not match:
            raise ValueError("give a quoted octal mode such as '0600' (symbolic modes are not supported)")
        value = int(match.group(1), 8)
    if not 0 <= value <= MAX_MODE:
        raise ValueError("%s is out of range: give a quoted octal mode such as '0600'" % format(value, "#o"))
    return value
