# -*- coding: utf-8 -*-
# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which release a component's systemd service runs, read from systemd and /proc.

Nothing here installs or switches anything: read_service_state asks systemd for the unit's
state, reads which release its main process executes, and service_facts (pure, driven by
tables in the unit tests) turns that into what the caller decides a restart by.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import posixpath

from ansible_collections.kthw.control_plane.plugins.module_utils._release.errors import ReleaseError

SHOW_PROPERTIES = ("ActiveState", "MainPID", "NeedDaemonReload", "UnitFileState")
_RUNNING_STATES = ("active", "activating", "reloading")


def parse_systemctl_show(text):
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def is_active(values):
    """Whether the unit of `systemctl show` values is running (or starting, or reloading)."""
    return values.get("ActiveState") in _RUNNING_STATES


def main_pid(values):
    """The pid of the unit's main process, or None when the unit is not active or has none."""
    pid = values.get("MainPID", "0")
    if is_active(values) and pid.isdigit() and int(pid) > 0:
        return int(pid)
    return None


def release_of_executable(exe, name_dir):
    """The version folder (v1.2.3) a running executable belongs to, or None when it is not one of
    ours; a replaced executable (the kernel appends ' (deleted)') counts as stale."""
    if not exe:
        return None, False
    stale = exe.endswith(" (deleted)")
    if stale:
        exe = exe[:-len(" (deleted)")]
    prefix = name_dir.rstrip("/") + "/"
    if not exe.startswith(prefix):
        return None, stale
    return exe[len(prefix):].split("/", 1)[0], stale


def process_start_time(pid, proc="/proc"):
    """When the process started, in seconds since the epoch, never later than it really did
    (the boot time is whole seconds, rounded down)."""
    with open("%s/%d/stat" % (proc, pid)) as handle:
        stat_line = handle.read()
    # Field 22, starttime in clock ticks after boot; the name in field 2 may hold spaces.
    start_ticks = int(stat_line[stat_line.rindex(")") + 2:].split()[19])
    with open("%s/stat" % proc) as handle:
        boot = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
    return boot + start_ticks / float(os.sysconf("SC_CLK_TCK"))


def release_by_start_time(started, name_dir, version, binary):
    """For a process whose executable cannot be read (another user's, without CAP_SYS_PTRACE):
    it runs the active release when it started after both the switch to it and the last
    replacement of its binary; otherwise, which release it runs is unknown, so it is stale."""
    current = posixpath.join(name_dir, "current")
    try:
        if os.readlink(current) != "v" + version:
            return None, True
        changed = max(os.lstat(current).st_mtime, os.stat(posixpath.join(current, "bin", binary)).st_ctime)
    except OSError:
        return None, True
    if started >= changed:
        return "v" + version, False
    return None, True


def running_release(pid, name_dir, version, binary):
    """(version folder, stale) of what process pid executes: from /proc/<pid>/exe, or where that
    is denied from when it started; (None, True) when neither can be read."""
    try:
        return release_of_executable(os.readlink("/proc/%s/exe" % pid), name_dir)
    except OSError:
        try:
            return release_by_start_time(process_start_time(pid), name_dir, version, binary)
        except (OSError, ValueError, IndexError, StopIteration):
            return None, True


def service_facts(values, release, stale, version):
    """What the release module reports of its service, from its `systemctl show` values and the
    release its main process runs (None and False when it has none)."""
    active = is_active(values)
    return dict(service_active=active, service_release=release,
                restart_needed=active and (stale or release != "v" + version),
                service_unit_stale=values.get("NeedDaemonReload") == "yes",
                service_enabled=values.get("UnitFileState") == "enabled")


def read_service_state(run_command, unit, name_dir, version, binary):
    """service_facts of unit, whose main process would run <name_dir>/<release>/bin/<binary>.

    run_command is AnsibleModule.run_command (argv in, (rc, stdout, stderr) out).
    """
    rc, out, err = run_command(["systemctl", "show", "--property=" + ",".join(SHOW_PROPERTIES), "--", unit])
    if rc != 0:
        raise ReleaseError("cannot read the state of %s: %s" % (unit, err.strip()))
    values = parse_systemctl_show(out)
    pid = main_pid(values)
    release, stale = running_release(pid, name_dir, version, binary) if pid else (None, False)
    return service_facts(values, release, stale, version)
