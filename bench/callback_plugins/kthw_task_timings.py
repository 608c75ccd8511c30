# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only callback: writes every task's wall time and the per-host change
counts of a run as JSON to $KTHW_TIMINGS_FILE when the playbook ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: kthw_task_timings
type: aggregate
short_description: Task wall times as JSON, for bench/
description:
  - Writes the task count, each task's wall time and the change counts to E(KTHW_TIMINGS_FILE).
requirements:
  - enable in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kthw_task_timings"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._tasks = []
        self._current = None

    def _close_current(self):
        if self._current is not None:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("_start"), 3)
            self._tasks.append(self._current)
            self._current = None

    # Handlers start without is_conditional.
    def v2_playbook_on_task_start(self, task, is_conditional=False):
        self._close_current()
        self._current = {"task": task.get_name(), "role": task._role.get_name() if task._role else "",
                         "_start": time.monotonic()}

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def v2_playbook_on_stats(self, stats):
        self._close_current()
        path = os.environ.get("KTHW_TIMINGS_FILE")
        if not path:
            return
        hosts = sorted(stats.processed)
        summary = {host: stats.summarize(host) for host in hosts}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"task_count": len(self._tasks),
                       "changed": sum(s["changed"] for s in summary.values()),
                       "failed": sum(s["failures"] + s["unreachable"] for s in summary.values()),
                       "hosts": summary,
                       "tasks": self._tasks}, handle)
