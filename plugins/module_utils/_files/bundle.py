# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A set of directories and small files made to match in one pass: decide everything first, then act.

The module's entry point, over the parts that each do one thing:

- spec: the argument spec, the checks of the arguments alone, each entry as it should be;
- plan: what would change and why, decided for the whole bundle before anything is written;
- apply: directories, then restart marks, then files, as the plan says;
- result: the returned structure and diffs, never a content.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.kthw.control_plane.plugins.module_utils._files.apply import apply_plan
from ansible_collections.kthw.control_plane.plugins.module_utils._files.plan import marks_of, plan_bundle
from ansible_collections.kthw.control_plane.plugins.module_utils._files.result import bundle_result


def sync_bundle(entries, directories=(), check_mode=False, diff=False):
    """Makes every directory, then every file of entries match, in order; returns the module's
    result, never contents.

    Every directory and file is decided before anything is written, so a missing user, group or
    directory, or anything in the way, fails the task before it changes anything.
    """
    directory_decisions, decisions = plan_bundle(list(directories or []), entries)
    marked = marks_of(decisions)
    if not check_mode:
        apply_plan([d for d in directory_decisions if d.changed], [d for d in decisions if d.changed])
    return bundle_result(directory_decisions, decisions, marked, diff)
