"""The release module end to end in-process, with file:// URLs: install, idempotence, check
mode, refused flags and checksums before any switch, tarballs, and the running release."""

import hashlib
import io
import os
import tarfile

import pytest
from ansible.module_utils import basic

from ansible_collections.kthw.control_plane.plugins.module_utils._release import service
from ansible_collections.kthw.control_plane.plugins.modules import release

HELP = b"#!/bin/sh\necho 'Usage: --name string --data-dir string --listen-client-urls'\n"


def publish(mirror, version, data, name="kube-scheduler"):
    folder = mirror / ("v" + version)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / (name + ".sha256")).write_text(hashlib.sha256(data).hexdigest() + "\n")
    return "file://%s/%s" % (folder, name)


def args(tmp_path, url, version="1.37.2", **changes):
    values = dict(name="kube-scheduler", version=version, url=url, checksum_url=url + ".sha256",
                  binaries=["kube-scheduler"], install_root=str(tmp_path / "opt"), bin_dir=str(tmp_path / "bin"))
    values.update(changes)
    return values


@pytest.fixture
def layout(tmp_path):
    (tmp_path / "bin").mkdir()
    return tmp_path


@pytest.fixture
def systemctl(monkeypatch):
    """What `systemctl show` answers, and the /proc exe links of running processes."""
    state = dict(show="ActiveState=inactive\nMainPID=0\n", exe={})
    real_run, real_readlink = basic.AnsibleModule.run_command, os.readlink

    def run_command(self, argv, *a, **kw):
        if argv[0] == "systemctl":
            return 0, state["show"], ""
        return real_run(self, argv, *a, **kw)

    def readlink(path, *a, **kw):
        if str(path).startswith("/proc/"):
            if state["exe"].get(str(path)) is None:
                raise PermissionError(13, "Permission denied", str(path))
            return state["exe"][str(path)]
        return real_readlink(path, *a, **kw)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(release.os, "readlink", readlink)
    return state


def tree(root):
    found = {}
    for folder, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[path] = os.readlink(path) if os.path.islink(path) else (
                None if os.path.isdir(path) else open(path, "rb").read())
    return found


def test_a_release_is_installed_switched_and_linked_then_left_alone(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    first = run_module(release, args(layout, url, flags=["name", "data-dir"]))
    assert first["changed"] and first["downloaded"] and first["switched"] and first["linked"] == ["kube-scheduler"]
    assert first["previous_version"] is None
    opt = layout / "opt" / "kube-scheduler"
    assert (opt / "v1.37.2" / "bin" / "kube-scheduler").read_bytes() == HELP
    assert os.readlink(str(opt / "current")) == "v1.37.2"
    assert os.readlink(str(layout / "bin" / "kube-scheduler")) == str(opt / "current" / "bin" / "kube-scheduler")
    before = tree(layout / "opt")
    second = run_module(release, args(layout, url, flags=["name", "data-dir"]))
    assert not second["changed"] and second["previous_version"] == "v1.37.2"
    assert tree(layout / "opt") == before


def test_an_altered_binary_is_downloaded_again(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    run_module(release, args(layout, url))
    binary = layout / "opt" / "kube-scheduler" / "v1.37.2" / "bin" / "kube-scheduler"
    binary.write_bytes(b"#!/bin/sh\necho tampered\n")
    result = run_module(release, args(layout, url))
    assert result["changed"] and result["downloaded"] and not result["switched"]
    assert binary.read_bytes() == HELP


def test_an_upgrade_switches_and_reports_the_previous_version(layout, run_module):
    run_module(release, args(layout, publish(layout / "mirror", "1.37.1", HELP), version="1.37.1"))
    result = run_module(release, args(layout, publish(layout / "mirror", "1.37.2", HELP)))
    assert result["switched"] and result["previous_version"] == "v1.37.1" and result["linked"] == []
    assert os.readlink(str(layout / "opt" / "kube-scheduler" / "current")) == "v1.37.2"


def test_check_mode_changes_nothing_yet_checks_the_download_and_the_flags(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    result = run_module(release, args(layout, url, flags=["name"]), check_mode=True)
    assert result["changed"] and result["downloaded"] and result["switched"]
    assert not os.path.exists(str(layout / "opt")) and os.listdir(str(layout / "bin")) == []
    refused = run_module(release, args(layout, url, flags=["nmae"]), check_mode=True)
    assert refused["failed"] and "--nmae" in refused["msg"]


def test_an_unknown_flag_fails_before_the_switch(layout, run_module):
    run_module(release, args(layout, publish(layout / "mirror", "1.37.1", HELP), version="1.37.1"))
    result = run_module(release, args(layout, publish(layout / "mirror", "1.37.2", HELP),
                                      flags=["name", "enable-v2"], removed_flags={"enable-v2": "removed in 3.6."},
                                      flags_variable="etcd_extra_flags"))
    assert result["failed"]
    assert "--enable-v2: removed in 3.6." in result["msg"] and "etcd_extra_flags" in result["msg"]
    assert "active version of kube-scheduler is unchanged" in result["msg"]
    assert os.readlink(str(layout / "opt" / "kube-scheduler" / "current")) == "v1.37.1"


def test_a_corrupt_mirror_file_fails_and_installs_nothing(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    (layout / "mirror" / "v1.37.2" / "kube-scheduler").write_bytes(b"not the release")
    result = run_module(release, args(layout, url))
    assert result["failed"] and "did not match its checksum" in result["msg"] and url in result["msg"]
    bin_dir = layout / "opt" / "kube-scheduler" / "v1.37.2" / "bin"
    assert os.listdir(str(bin_dir)) == [] and not os.path.lexists(str(layout / "opt" / "kube-scheduler" / "current"))


def test_a_missing_file_names_the_url(layout, run_module):
    result = run_module(release, args(layout, "file://%s/v1.37.2/kube-scheduler" % (layout / "nowhere")))
    assert result["failed"] and "cannot download" in result["msg"] and "nowhere" in result["msg"]


def test_a_binary_release_must_name_its_file(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    result = run_module(release, args(layout, url, binaries=["kubectl"]))
    assert result["failed"] and "binaries must be [kube-scheduler]" in result["msg"]


def test_a_tarball_installs_its_binaries(layout, run_module):
    mirror = layout / "mirror" / "v3.7.0"
    mirror.mkdir(parents=True)
    archive = mirror / "etcd-v3.7.0-linux-amd64.tar.gz"
    with tarfile.open(str(archive), "w:gz") as handle:
        for name in ("etcd", "etcdctl"):
            info = tarfile.TarInfo("etcd-v3.7.0-linux-amd64/" + name)
            info.size, info.mode = len(HELP), 0o755
            handle.addfile(info, io.BytesIO(HELP))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (mirror / "SHA256SUMS").write_text("%s  etcd-v3.7.0-darwin-amd64.zip\n%s  %s\n" % ("0" * 64, digest, archive.name))
    values = args(layout, "file://%s" % archive, version="3.7.0", name="etcd", format="tarball",
                  binaries=["etcd", "etcdctl"], checksum_url="file://%s/SHA256SUMS" % mirror, flags=["data-dir"])
    check = run_module(release, values, check_mode=True)
    assert check["changed"] and check["unpacked"] == ["etcd", "etcdctl"] and not check.get("failed"), check
    assert not os.path.exists(str(layout / "opt")) and os.listdir(str(layout / "bin")) == []
    first = run_module(release, values)
    assert first["changed"] and first["unpacked"] == ["etcd", "etcdctl"]
    assert sorted(os.listdir(str(layout / "bin"))) == ["etcd", "etcdctl"]
    assert not run_module(release, values)["changed"]
    assert not run_module(release, values, check_mode=True)["changed"]
    (layout / "opt" / "etcd" / "v3.7.0" / "bin" / "etcd").write_bytes(b"altered")
    assert run_module(release, values, check_mode=True)["unpacked"] == ["etcd"]
    assert run_module(release, values)["unpacked"] == ["etcd"]


@pytest.mark.parametrize("show, exe, expected", [
    ("ActiveState=inactive\nMainPID=0\nUnitFileState=disabled\n", None,
     dict(service_active=False, service_release=None, restart_needed=False, service_enabled=False)),
    ("ActiveState=active\nMainPID=42\nUnitFileState=enabled\nNeedDaemonReload=yes\n", "{opt}/v1.37.2/bin/kube-scheduler",
     dict(service_active=True, service_enabled=True, service_unit_stale=True, restart_needed=False)),
    ("ActiveState=active\nMainPID=42\n", "{opt}/v1.37.2/bin/kube-scheduler",
     dict(service_active=True, service_release="v1.37.2", restart_needed=False)),
    ("ActiveState=active\nMainPID=42\n", "{opt}/v1.37.1/bin/kube-scheduler",
     dict(service_active=True, service_release="v1.37.1", restart_needed=True)),
    ("ActiveState=active\nMainPID=42\n", "{opt}/v1.37.2/bin/kube-scheduler (deleted)",
     dict(service_active=True, service_release="v1.37.2", restart_needed=True)),
    ("ActiveState=active\nMainPID=42\n", "/usr/bin/kube-scheduler",
     dict(service_active=True, service_release=None, restart_needed=True)),
])
def test_the_running_release_decides_the_restart(layout, run_module, systemctl, show, exe, expected):
    opt = str(layout / "opt" / "kube-scheduler")
    systemctl["show"] = show
    if exe:
        systemctl["exe"]["/proc/42/exe"] = exe.format(opt=opt)
    result = run_module(release, args(layout, publish(layout / "mirror", "1.37.2", HELP),
                                      service="kube-scheduler.service"))
    assert dict((key, result[key]) for key in expected) == expected


@pytest.mark.parametrize("offset, expected", [(3600, ("v1.37.2", False)), (-3600, (None, True))])
def test_an_unreadable_executable_is_judged_by_start_time(layout, run_module, systemctl, monkeypatch, offset,
                                                          expected):
    url = publish(layout / "mirror", "1.37.2", HELP)
    run_module(release, args(layout, url))
    systemctl["show"] = "ActiveState=active\nMainPID=42\n"
    monkeypatch.setattr(service, "process_start_time", lambda pid: __import__("time").time() + offset)
    result = run_module(release, args(layout, url, service="kube-scheduler.service"))
    assert (result["service_release"], result["restart_needed"]) == expected


@pytest.mark.parametrize("show, switched", [
    ("ActiveState=active\nMainPID=42\n", False),   # running: the caller's restart switches
    ("ActiveState=inactive\nMainPID=0\n", True),   # stopped: nothing to disrupt, switched now
])
def test_a_running_service_defers_the_switch_to_its_restart(layout, run_module, systemctl, show, switched):
    opt = layout / "opt" / "kube-scheduler"
    run_module(release, args(layout, publish(layout / "mirror", "1.37.1", HELP), version="1.37.1"))
    systemctl["show"] = show
    systemctl["exe"]["/proc/42/exe"] = str(opt / "v1.37.1" / "bin" / "kube-scheduler")
    values = args(layout, publish(layout / "mirror", "1.37.2", HELP), service="kube-scheduler.service",
                  defer_switch=True)
    result = run_module(release, values)
    assert (opt / "v1.37.2" / "bin" / "kube-scheduler").read_bytes() == HELP  # installed either way
    assert os.readlink(str(opt / "current")) == ("v1.37.2" if switched else "v1.37.1")
    assert (result["switched"], result["switch_pending"]) == (switched, not switched)
    assert result["previous_version"] == "v1.37.1"
    if not switched:
        assert result["restart_needed"]
        # Later runs find the switch still owed until the restart makes it.
        assert run_module(release, values)["switch_pending"]


def test_a_restart_marker_reports_the_restart_still_owed(layout, run_module):
    url = publish(layout / "mirror", "1.37.2", HELP)
    marker = layout / "owed" / "kube-scheduler"
    assert not run_module(release, args(layout, url, restart_marker=str(marker)))["restart_owed"]
    marker.parent.mkdir()
    marker.write_bytes(b"")
    result = run_module(release, args(layout, url, restart_marker=str(marker)))
    assert result["restart_owed"] and not result["changed"]
    assert marker.exists(), "the caller removes it once the restart is done"


@pytest.mark.parametrize("removed", [dict(activate=False), dict(flags_binary="kube-scheduler")])
def test_the_removed_options_are_refused_before_anything_is_fetched(layout, run_module, removed):
    result = run_module(release, args(layout, publish(layout / "mirror", "1.37.2", HELP), **removed))
    assert result["failed"] and "Unsupported parameters" in result["msg"] and list(removed)[0] in result["msg"]
    assert not os.path.exists(str(layout / "opt"))
