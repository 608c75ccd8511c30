# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to fix when a host did not answer or its user could not become root."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: become_advice
short_description: Says what to fix when a host did not answer or its user could not become root
version_added: 0.2.0
author: kthw.control_plane contributors (@kthw)
description:
  - Reads the registered result of a command run with C(become) (and C(ignore_unreachable),
    C(ignore_errors)) and returns one sentence naming the host, its user and what to fix.
  - Knows an unreachable host, sudo asking for a password, sudo without rights, sudo requiring
    a tty (C(Defaults requiretty)), a missing sudo, and a command that did not run as root.
  - Returns an empty string when the command ran as root.
options:
  _input:
    description: The registered result of C(id -u) run with C(become).
    type: dict
    required: true
  host:
    description: The inventory name of the host.
    type: str
    required: true
  address:
    description: How Ansible reaches the host, for example C(192.0.2.11:22).
    type: str
    required: true
  user:
    description: The remote user Ansible logs in as.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Check the host answered and became root
  ansible.builtin.assert:
    that: __root.stdout | default('') == '0'
    fail_msg: "{{ __root | kthw.control_plane.become_advice(inventory_hostname, ansible_host, ansible_user) }}"
"""

RETURN = r"""
_value:
  description: What to fix, or an empty string when nothing is to be fixed.
  type: str
"""

NOTHING_CHANGED = "Nothing was changed on any host."


def _error_text(result):
    parts = [result.get(key) for key in ("msg", "module_stderr", "module_stdout", "stderr")]
    return " ".join(str(part).strip() for part in parts if part)


def _first_line(text):
    for line in text.splitlines():
        if line.strip() and "MODULE FAILURE" not in line and "See stdout/stderr" not in line:
            return line.strip()
    return text.strip()


def become_advice(result, host, address, user):
    result = result or {}
    text = _error_text(result)
    lowered = text.lower()
    who = "%s on %s" % (user, host)
    if result.get("unreachable"):
        return ("%s did not answer at %s as %s: %s. Check ansible_host, ansible_port, ansible_user and the SSH key "
                "(ssh -p PORT %s@HOST true must work without a prompt). %s"
                % (host, address, user, _first_line(text) or "unreachable", user, NOTHING_CHANGED))
    if "must have a tty" in lowered or "requiretty" in lowered:
        return ("%s cannot become root: sudo requires a tty (Defaults requiretty) and Ansible pipelines without one. "
                "Add 'Defaults:%s !requiretty' to the sudoers on %s. %s" % (who, user, host, NOTHING_CHANGED))
    if "not in the sudoers" in lowered or "is not allowed to" in lowered or "may not run sudo" in lowered:
        return ("%s cannot become root: %s has no sudo rights there (%s). Give it sudo rights to run any command "
                "as root. %s" % (who, user, _first_line(text), NOTHING_CHANGED))
    if "password is required" in lowered or "missing sudo password" in lowered or "incorrect sudo password" in lowered:
        return ("%s cannot become root: sudo asks for a password. Give %s passwordless sudo (NOPASSWD), or run "
                "ansible-playbook with --ask-become-pass (-K) and its password; a user with no sudo rights at all "
                "needs them first. %s" % (who, user, NOTHING_CHANGED))
    if "sudo: not found" in lowered or "sudo: command not found" in lowered:
        return ("%s cannot become root: sudo is not installed there. Install sudo, or set ansible_become_method. %s"
                % (who, NOTHING_CHANGED))
    if result.get("failed"):
        return "%s cannot become root: %s. %s" % (who, _first_line(text) or "the command failed", NOTHING_CHANGED)
    uid = str(result.get("stdout", "")).strip()
    if uid != "0":
        return ("%s became user id %s, not root: leave ansible_become_user unset (root). %s"
                % (who, uid or "(none)", NOTHING_CHANGED))
    return ""


class FilterModule(object):
    def filters(self):
        return {"become_advice": become_advice}
