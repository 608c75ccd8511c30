# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""octal_mode: the one parser of modes given as options (file_bundle's modes, the PKI key_mode)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._common.modes import octal_mode
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.module_utils._files.spec import parse_mode
from ansible_collections.kthw.control_plane.plugins.module_utils._pki.files import check_key_mode


@pytest.mark.parametrize("mode, value", [
    ("0600", 0o600), ("600", 0o600), ("0o600", 0o600), ("0O600", 0o600), ("00600", 0o600), (" 0640 ", 0o640), ("0", 0),
    ("0000", 0), ("2750", 0o2750), ("7777", 0o7777), ("0o7777", 0o7777), (0o644, 0o644), (384, 0o600), (0, 0),
])
def test_octal_strings_and_numbers_are_modes(mode, value):
    assert octal_mode(mode) == value


@pytest.mark.parametrize("mode, reason", [
    ("u=rw", "symbolic modes are not supported"),
    ("rw-------", "symbolic modes are not supported"),
    ("0800", "symbolic modes are not supported"),
    ("", "symbolic modes are not supported"),
    ("0o", "symbolic modes are not supported"),
    ("0x180", "symbolic modes are not supported"),
    ("0_600", "symbolic modes are not supported"),
    ("-0600", "symbolic modes are not supported"),
    ("17777", "symbolic modes are not supported"),
    (None, "symbolic modes are not supported"),
    (6.0, "symbolic modes are not supported"),
    (True, "give a quoted octal mode such as '0600'"),
    (0o10000, "0o10000 is out of range"),
    (-1, "-0o1 is out of range"),
])
def test_anything_else_is_refused_with_what_to_give(mode, reason):
    with pytest.raises(ValueError, match=reason):
        octal_mode(mode)


@pytest.mark.parametrize("mode", ["0600", "600", "0o600", "00600", "0400", "0000", 0o600, 0o400])
def test_file_bundle_and_key_mode_read_a_mode_the_same_way(mode):
    assert parse_mode(mode, "/x") == check_key_mode(mode) == octal_mode(mode)


@pytest.mark.parametrize("mode", ["u=rw", "0800", "0_600", True, None])
def test_file_bundle_and_key_mode_refuse_the_same_spellings(mode):
    with pytest.raises(BundleError, match="mode %r of /x: give a quoted octal mode" % (mode,)):
        parse_mode(mode, "/x")
    with pytest.raises(Exception, match="key_mode %r: give an octal mode such as '0600' or '0400'" % (mode,)):
        check_key_mode(mode)
