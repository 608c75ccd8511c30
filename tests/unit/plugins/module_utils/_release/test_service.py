"""Which release a running service executes: systemd's answer, /proc, and the decision (pure,
by tables) of what the release module reports of it."""

import os

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._release import service
from ansible_collections.kthw.control_plane.plugins.module_utils._release.errors import ReleaseError
from ansible_collections.kthw.control_plane.plugins.module_utils._release.service import (
    main_pid, parse_systemctl_show, process_start_time, read_service_state, release_by_start_time,
    release_of_executable, running_release, service_facts)


@pytest.mark.parametrize("exe, release", [
    ("/opt/kthw/etcd/v3.7.0/bin/etcd", ("v3.7.0", False)),
    ("/opt/kthw/etcd/v3.6.5/bin/etcd (deleted)", ("v3.6.5", True)),
    ("/usr/bin/etcd", (None, False)),
    ("/opt/kthw/etcdctl/v3.7.0/bin/etcdctl", (None, False)),
    ("", (None, False)),
])
def test_the_running_release_comes_from_the_executable_path(exe, release):
    assert release_of_executable(exe, "/opt/kthw/etcd") == release


def test_the_start_time_comes_from_the_boot_time_and_the_ticks(tmp_path):
    (tmp_path / "42").mkdir()
    fields = ["S"] + ["0"] * 18 + [str(int(os.sysconf("SC_CLK_TCK")) * 30)] + ["0"] * 10
    (tmp_path / "42" / "stat").write_text("42 (kube (x) y) %s\n" % " ".join(fields))
    (tmp_path / "stat").write_text("cpu 1 2 3\nbtime 1000\nprocesses 9\n")
    assert process_start_time(42, proc=str(tmp_path)) == 1030.0


@pytest.fixture
def installed(tmp_path):
    name_dir = tmp_path / "etcd"
    (name_dir / "v3.7.0" / "bin").mkdir(parents=True)
    (name_dir / "v3.7.0" / "bin" / "etcd").write_bytes(b"etcd")
    os.symlink("v3.7.0", str(name_dir / "current"))
    return name_dir


def test_a_process_started_after_the_switch_and_the_binary_runs_the_release(installed):
    switched = max(os.lstat(str(installed / "current")).st_mtime,
                   os.stat(str(installed / "v3.7.0" / "bin" / "etcd")).st_ctime)
    assert release_by_start_time(switched + 5, str(installed), "3.7.0", "etcd") == ("v3.7.0", False)
    assert release_by_start_time(switched - 5, str(installed), "3.7.0", "etcd") == (None, True)


def test_a_process_of_another_release_or_a_missing_binary_is_stale(installed):
    assert release_by_start_time(1e12, str(installed), "3.7.1", "etcd") == (None, True)
    assert release_by_start_time(1e12, str(installed), "3.7.0", "etcdctl") == (None, True)


@pytest.mark.parametrize("text, values", [
    ("ActiveState=active\nMainPID=42\n", dict(ActiveState="active", MainPID="42")),
    ("ActiveState = inactive \n\nnot a pair\nExecStart=a=b\n", dict(ActiveState="inactive", ExecStart="a=b")),
    ("", {}),
])
def test_systemctl_show_is_read_as_pairs(text, values):
    assert parse_systemctl_show(text) == values


@pytest.mark.parametrize("values, pid", [
    (dict(ActiveState="active", MainPID="42"), 42),
    (dict(ActiveState="activating", MainPID="42"), 42),
    (dict(ActiveState="reloading", MainPID="42"), 42),
    (dict(ActiveState="active", MainPID="0"), None),
    (dict(ActiveState="active"), None),
    (dict(ActiveState="active", MainPID="-1"), None),
    (dict(ActiveState="inactive", MainPID="42"), None),
    (dict(ActiveState="failed", MainPID="0"), None),
    ({}, None),
])
def test_only_an_active_unit_has_a_main_process(values, pid):
    assert main_pid(values) == pid


ACTIVE = dict(ActiveState="active", MainPID="42")

# (case, systemctl show values, release the process runs, stale, expected facts)
FACTS = [
    ("stopped", dict(ActiveState="inactive", MainPID="0"), None, False,
     dict(service_active=False, service_release=None, restart_needed=False, service_unit_stale=False,
          service_enabled=False)),
    ("runs this release", ACTIVE, "v1.37.2", False,
     dict(service_active=True, service_release="v1.37.2", restart_needed=False, service_unit_stale=False,
          service_enabled=False)),
    ("runs another release", ACTIVE, "v1.37.1", False,
     dict(service_active=True, service_release="v1.37.1", restart_needed=True, service_unit_stale=False,
          service_enabled=False)),
    ("runs a replaced binary of this release", ACTIVE, "v1.37.2", True,
     dict(service_active=True, service_release="v1.37.2", restart_needed=True, service_unit_stale=False,
          service_enabled=False)),
    ("runs something not ours", ACTIVE, None, False,
     dict(service_active=True, service_release=None, restart_needed=True, service_unit_stale=False,
          service_enabled=False)),
    ("enabled, unit changed on disk", dict(ACTIVE, UnitFileState="enabled", NeedDaemonReload="yes"), "v1.37.2", False,
     dict(service_active=True, service_release="v1.37.2", restart_needed=False, service_unit_stale=True,
          service_enabled=True)),
    ("starting", dict(ActiveState="activating", MainPID="42"), "v1.37.1", False,
     dict(service_active=True, service_release="v1.37.1", restart_needed=True, service_unit_stale=False,
          service_enabled=False)),
    ("stopped but enabled", dict(ActiveState="failed", UnitFileState="enabled"), None, False,
     dict(service_active=False, service_release=None, restart_needed=False, service_unit_stale=False,
          service_enabled=True)),
]


@pytest.mark.parametrize("case, values, release, stale, expected", FACTS, ids=[row[0] for row in FACTS])
def test_the_service_facts(case, values, release, stale, expected):
    assert service_facts(values, release, stale, "1.37.2") == expected


@pytest.fixture
def proc(monkeypatch):
    """What /proc/<pid>/exe links to (None: denied) and when each process started (None: unreadable)."""
    state = dict(exe={}, started={})
    real_readlink = os.readlink

    def readlink(path, *args, **kwargs):
        if str(path).startswith("/proc/"):
            if state["exe"].get(str(path)) is None:
                raise PermissionError(13, "Permission denied", str(path))
            return state["exe"][str(path)]
        return real_readlink(path, *args, **kwargs)

    def start_time(pid):
        if state["started"].get(pid) is None:
            raise FileNotFoundError(2, "No such file or directory")
        return state["started"][pid]

    monkeypatch.setattr(os, "readlink", readlink)
    monkeypatch.setattr(service, "process_start_time", start_time)
    return state


@pytest.mark.parametrize("exe, started, expected", [
    ("{name_dir}/v3.7.0/bin/etcd", None, ("v3.7.0", False)),
    ("{name_dir}/v3.6.5/bin/etcd (deleted)", None, ("v3.6.5", True)),
    ("/usr/bin/etcd", None, (None, False)),
    (None, 1e12, ("v3.7.0", False)),     # exe denied: started after the switch
    (None, 0, (None, True)),             # exe denied: started before it
    (None, None, (None, True)),          # neither readable
])
def test_the_running_release_comes_from_proc(installed, proc, exe, started, expected):
    if exe:
        proc["exe"]["/proc/42/exe"] = exe.format(name_dir=installed)
    proc["started"][42] = started
    assert running_release(42, str(installed), "3.7.0", "etcd") == expected


def test_the_state_is_read_from_systemctl_and_proc(installed, proc):
    calls = []

    def run_command(argv):
        calls.append(argv)
        return 0, "ActiveState=active\nMainPID=42\nUnitFileState=enabled\n", ""

    proc["exe"]["/proc/42/exe"] = str(installed / "v3.7.0" / "bin" / "etcd")
    assert read_service_state(run_command, "etcd.service", str(installed), "3.7.0", "etcd") == dict(
        service_active=True, service_release="v3.7.0", restart_needed=False, service_unit_stale=False,
        service_enabled=True)
    assert calls == [["systemctl", "show", "--property=ActiveState,MainPID,NeedDaemonReload,UnitFileState", "--",
                      "etcd.service"]]


def test_a_stopped_service_is_not_looked_for_in_proc(installed, proc):
    def run_command(argv):
        return 0, "ActiveState=inactive\nMainPID=0\n", ""

    assert read_service_state(run_command, "etcd.service", str(installed), "3.7.0", "etcd")["service_release"] is None


def test_systemctl_failing_names_the_unit():
    def run_command(argv):
        return 1, "", "Failed to connect to bus\n"

    with pytest.raises(ReleaseError, match="cannot read the state of etcd.service: Failed to connect to bus$"):
        read_service_state(run_command, "etcd.service", "/opt/kthw/etcd", "3.7.0", "etcd")
