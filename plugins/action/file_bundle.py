# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of kthw.control_plane.file_bundle: reads every src, then runs the module once,
directories and all."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import copy
import os

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible_collections.kthw.control_plane.plugins.module_utils._files.errors import BundleError
from ansible_collections.kthw.control_plane.plugins.module_utils._files.spec import ARGUMENT_SPEC, check_bundle

MODULE = "kthw.control_plane.file_bundle"
# Passed on as given: everything else of an entry becomes content_base64.
_ATTRIBUTES = ("dest", "owner", "group", "mode", "state", "marks")
_DIRECTORY_ATTRIBUTES = ("path", "owner", "group", "mode", "parents")


def _controller_spec():
    """The module's argument spec, with dest and path left as the strings they are: they name paths
    on the node, which the controller must not expand."""
    spec = copy.deepcopy(ARGUMENT_SPEC)
    spec["files"]["options"]["dest"]["type"] = "str"
    spec["directories"]["options"]["path"]["type"] = "str"
    return spec


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        files = self._task.args.get("files")
        for entry in files if isinstance(files, list) else []:
            if isinstance(entry, dict) and entry.get("content") is not None and not isinstance(entry["content"], str):
                raise AnsibleActionFail("content of %s is not a string: render it with a filter such as to_nice_yaml"
                                        % (entry.get("dest"),))
        dummy, params = self.validate_argument_spec(argument_spec=_controller_spec())

        try:
            check_bundle(params["directories"], params["files"])
        except BundleError as exc:
            raise AnsibleActionFail(to_text(exc))

        module_args = dict(
            directories=[dict((key, entry[key]) for key in _DIRECTORY_ATTRIBUTES if entry.get(key) is not None)
                         for entry in params["directories"]],
            files=[self._module_entry(entry) for entry in params["files"]],
        )
        try:
            result.update(self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _module_entry(self, entry):
        """One entry as the module gets it: its attributes and its content, base64-encoded (an absent
        file has none: check_bundle refused any)."""
        module_entry = dict((key, entry[key]) for key in _ATTRIBUTES if entry.get(key) not in (None, []))
        if entry.get("state") == "absent":
            return module_entry
        if entry.get("src") is not None:
            data = self._read_src(entry["src"], entry["dest"])
        elif entry.get("content") is not None:
            data = to_bytes(entry["content"], errors="surrogate_or_strict")
        else:
            data = None
        if data is None:
            module_entry["content_base64"] = entry["content_base64"]
        else:
            module_entry["content_base64"] = to_text(base64.b64encode(data))
        return module_entry

    def _read_src(self, src, dest):
        """The bytes of src on the controller, found like copy finds its src, decrypted if vaulted."""
        try:
            found = self._find_needle("files", src)
        except AnsibleFileNotFound as exc:
            searched = exc.paths if isinstance(exc.paths, list) and len(exc.paths) > 1 else []
            raise AnsibleActionFail("src %s (for dest %s) not found on the controller%s"
                                    % (src, dest, "; searched %s" % ", ".join(searched) if searched else ""))
        except AnsibleError as exc:
            raise AnsibleActionFail("src %s (for dest %s) not found on the controller: %s" % (src, dest, to_text(exc)))
        if os.path.isdir(found):
            raise AnsibleActionFail("src %s (for dest %s) is a directory: name each file" % (found, dest))
        try:
            real = self._loader.get_real_file(found, decrypt=True)
        except AnsibleError as exc:
            raise AnsibleActionFail("src %s (for dest %s) cannot be read: %s" % (found, dest, to_text(exc)))
        try:
            with open(real, "rb") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            raise AnsibleActionFail("src %s (for dest %s) cannot be read: %s" % (found, dest, to_text(exc.strerror or exc)))
        finally:
            self._loader.cleanup_tmp_file(real)
