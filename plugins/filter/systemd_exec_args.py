# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Flags as arguments of a systemd ExecStart= line, each read back by systemd exactly as given."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import unicodedata

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: systemd_exec_args
short_description: Flags as arguments of a systemd ExecStart= line
version_added: 0.1.0
author: kthw.control_plane contributors (@kthw)
description:
  - Turns a mapping of flag names (without the leading dashes) to values into C(--name=value)
    arguments, sorted by name as the C(dictsort) filter sorts them, each written so that systemd
    reads it back as exactly one argument with exactly that text, following the quoting rules of
    the "Command lines" section of C(systemd.service(5)).
  - Every C(%) becomes C(%%) (no specifier is expanded) and every C($) becomes C($$) (no
    environment variable is substituted).
  - An argument whose value holds whitespace, a double or single quote or a backslash is put in
    double quotes as a whole (C("--name=a b")), a double quote and a backslash inside escaped with a
    backslash.
  - Any other argument is written as it is, so the flags used so far render byte for byte as before.
  - A value holding a newline or any other control character (a tab too) cannot be written on one
    line of a unit and is refused, naming the flag, as is a flag name other than letters, digits,
    C(-), C(_) and C(.).
options:
  _input:
    description: Flag names, without the leading dashes, to values (rendered as strings).
    type: dict
    required: true
  variable:
    description: The variable users set the flags in, named in errors.
    type: str
"""

EXAMPLES = r"""
# In a unit template (roles/etcd/templates/etcd.service.j2):
#   ExecStart=/usr/local/bin/etcd{% for arg in __etcd_flags | kthw.control_plane.systemd_exec_args('etcd_extra_flags') %} \
#     {{ arg }}{% endfor %}
- name: Show how two flags go on the ExecStart= line
  ansible.builtin.debug:
    msg: "{{ {'name': 'cp1', 'log-outputs': 'a b'} | kthw.control_plane.systemd_exec_args('etcd_extra_flags') }}"
  # ['"--log-outputs=a b"', '--name=cp1']
"""

RETURN = r"""
_value:
  description: The arguments, one string each, in the order of the flag names.
  type: list
  elements: str
"""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# In a value, these make systemd split the argument or read a quote or an escape: the argument is
# then quoted as a whole, the only place the documentation allows an opening quote.
_NEEDS_QUOTES = re.compile(r"[\s\"'\\]")
_CONTROL_NAMES = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab"}


def _where(variable):
    return " in %s" % variable if variable else ""


def _check(name, value, variable):
    if not _NAME.match(name):
        raise AnsibleFilterError(
            "systemd_exec_args: the flag name %r%s cannot go on a systemd ExecStart= line: write flag names "
            "without the leading dashes, with letters, digits, '-', '_' and '.' only" % (name, _where(variable)))
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            what = _CONTROL_NAMES.get(char, "the control character U+%04X" % ord(char))
            raise AnsibleFilterError(
                "systemd_exec_args: the value of --%s%s holds %s (at character %d): systemd reads a unit line by line, "
                "so it would cut the command there and read the rest as a new setting. Give --%s a value without "
                "control characters" % (name, _where(variable), what, position + 1, name))


def _escape(argument):
    text = argument.replace("%", "%%").replace("$", "$$")
    if not _NEEDS_QUOTES.search(argument):
        return text
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def systemd_exec_args(flags, variable=None):
    if not isinstance(flags, dict):
        raise AnsibleFilterError("systemd_exec_args: expects a mapping of flag names to values%s, got %s"
                                 % (_where(variable), type(flags).__name__))
    arguments = []
    # Sorted like dictsort (case-insensitive), which the units used before this filter.
    for name, value in sorted(((str(k), v) for k, v in flags.items()), key=lambda item: item[0].lower()):
        value = str(value)
        _check(name, value, variable)
        arguments.append(_escape("--%s=%s" % (name, value)))
    return arguments


class FilterModule(object):
    def filters(self):
        return {"systemd_exec_args": systemd_exec_args}
