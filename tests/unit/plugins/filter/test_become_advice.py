# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kthw.control_plane.plugins.filter.become_advice import become_advice

# Results as Ansible registers them for `id -u` with become, ignore_errors and ignore_unreachable.
MODULE_FAILURE = "MODULE FAILURE\nSee stdout/stderr for the exact error"


@pytest.mark.parametrize("result, expected", [
    ({"unreachable": True, "msg": "Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 2222: "
                                  "Connection refused"},
     ["cp2 did not answer at 10.0.0.9:2222 as deploy", "Connection refused", "ansible_host, ansible_port"]),
    ({"failed": True, "msg": MODULE_FAILURE, "module_stderr": "sudo: a password is required\n", "rc": 1},
     ["deploy on cp2 cannot become root: sudo asks for a password", "NOPASSWD", "--ask-become-pass"]),
    ({"failed": True, "msg": "Missing sudo password"},
     ["deploy on cp2 cannot become root: sudo asks for a password"]),
    ({"failed": True, "msg": "Incorrect sudo password"},
     ["deploy on cp2 cannot become root: sudo asks for a password"]),
    ({"failed": True, "msg": MODULE_FAILURE, "module_stderr": "sudo: sorry, you must have a tty to run sudo\n"},
     ["deploy on cp2 cannot become root: sudo requires a tty", "Defaults:deploy !requiretty"]),
    ({"failed": True, "msg": MODULE_FAILURE, "module_stderr": "deploy is not in the sudoers file.\n"},
     ["deploy on cp2 cannot become root: deploy has no sudo rights", "not in the sudoers file"]),
    ({"failed": True, "msg": MODULE_FAILURE, "module_stderr": "/bin/sh: 1: sudo: not found\n"},
     ["deploy on cp2 cannot become root: sudo is not installed"]),
    ({"failed": True, "msg": "something else broke"},
     ["deploy on cp2 cannot become root: something else broke"]),
    ({"rc": 0, "stdout": "1000"},
     ["deploy on cp2 became user id 1000, not root"]),
])
def test_each_failure_names_the_host_and_the_fix(result, expected):
    advice = become_advice(result, "cp2", "10.0.0.9:2222", "deploy")
    for part in expected:
        assert part in advice
    assert advice.endswith("Nothing was changed on any host.")


def test_root_needs_no_advice():
    assert become_advice({"rc": 0, "stdout": "0", "changed": False}, "cp1", "10.0.0.8:22", "deploy") == ""
