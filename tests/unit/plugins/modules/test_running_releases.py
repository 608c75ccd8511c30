"""running_releases: what a node runs (its service's /proc/<pid>/exe) and what current links; a stopped
service holds nothing for the skew check; read-only, the same in check mode."""

import os

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import running_releases


@pytest.fixture
def install_root(tmp_path):
    for name, versions, active in (("etcd", ("v3.6.16", "v3.7.0"), "v3.6.16"), ("kube-apiserver", ("v1.36.3",), "v1.36.3")):
        for version in versions:
            (tmp_path / name / version / "bin").mkdir(parents=True)
        os.symlink(active, str(tmp_path / name / "current"))
    return tmp_path


def systemctl(states):
    """A run_command answering `systemctl show` with the given {unit: (ActiveState, MainPID)}."""
    def run(argv):
        state, pid = states.get(argv[-1], ("inactive", 0))
        return 0, "ActiveState=%s\nMainPID=%d\nNeedDaemonReload=no\nUnitFileState=enabled\n" % (state, pid), ""
    return run


def test_the_running_release_wins_over_the_active_one(install_root, monkeypatch):
    monkeypatch.setattr(os, "readlink", lambda path, _real=os.readlink: (
        str(install_root / "etcd" / "v3.6.16" / "bin" / "etcd") if path == "/proc/42/exe" else _real(path)))
    os.remove(str(install_root / "etcd" / "current"))
    os.symlink("v3.7.0", str(install_root / "etcd" / "current"))
    found = running_releases.component_releases(systemctl({"etcd.service": ("active", 42)}), str(install_root), {"name": "etcd"})
    assert found == {"running": "3.6.16", "active": "3.7.0", "version": "3.6.16"}


def test_a_stopped_service_holds_nothing_whatever_current_links(install_root):
    found = running_releases.component_releases(systemctl({}), str(install_root), {"name": "kube-apiserver"})
    assert found == {"running": None, "active": "1.36.3", "version": None}


def test_a_component_never_installed_holds_nothing(install_root):
    found = running_releases.component_releases(systemctl({}), str(install_root), {"name": "kube-scheduler"})
    assert found == {"running": None, "active": None, "version": None}


def test_the_module_reads_every_component_and_changes_nothing_even_outside_check_mode(install_root, run_module, monkeypatch):
    from ansible.module_utils import basic
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, argv, **kw: systemctl({})(argv))
    before = sorted(os.walk(str(install_root)))
    result = run_module(running_releases, dict(install_root=str(install_root),
                                               components=[{"name": "etcd"}, {"name": "kube-scheduler"}]))
    assert result["changed"] is False
    assert result["releases"] == {"etcd": {"running": None, "active": "3.6.16", "version": None},
                                  "kube-scheduler": {"running": None, "active": None, "version": None}}
    assert sorted(os.walk(str(install_root))) == before


def test_a_systemd_that_cannot_answer_fails_the_module(install_root, run_module, monkeypatch):
    from ansible.module_utils import basic
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, argv, **kw: (1, "", "Failed to connect to bus"))
    result = run_module(running_releases, dict(install_root=str(install_root), components=[{"name": "etcd"}]))
    assert result["failed"] is True
    assert "Failed to connect to bus" in result["msg"]


@pytest.mark.parametrize("running, pinned, pending", [
    ("3.6.16", "3.7.0", True),
    ("3.7.0", "3.7.0", False),
    ("3.7.0", "v3.7.0", False),
    (None, "3.7.0", False),      # not running: nothing to upgrade in place
    ("3.6.16", None, False),     # not asked about
])
def test_a_running_component_on_another_release_is_pending(running, pinned, pending):
    assert running_releases.pending_upgrade({"running": running}, pinned) is pending


def test_the_module_lists_the_pending_components_in_order(install_root, run_module, monkeypatch):
    from ansible.module_utils import basic
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, argv, **kw: systemctl({"etcd.service": ("active", 42)})(argv))
    monkeypatch.setattr(os, "readlink", lambda path, _real=os.readlink: (
        str(install_root / "etcd" / "v3.6.16" / "bin" / "etcd") if path == "/proc/42/exe" else _real(path)))
    result = run_module(running_releases, dict(install_root=str(install_root), components=[{"name": "etcd"}, {"name": "kube-apiserver"}],
                                               pinned={"etcd": "3.7.0", "kube-apiserver": "1.37.2"}))
    assert result["pending"] == ["etcd"]
