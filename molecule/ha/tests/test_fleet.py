"""The fleet itself: systemd nodes that reach each other and install verified releases."""

import os

import pytest
from fleet import ETCD_VERSION, KUBERNETES_VERSION, hosts_of, node

testinfra_hosts = hosts_of("control_plane") + hosts_of("lb")

NODES = ["cp1", "cp2", "cp3", "lb1", "lb2"]


def test_fleet_is_the_expected_five_nodes():
    assert sorted(testinfra_hosts) == sorted(NODES)


def test_systemd_is_pid_1_and_running(host):
    assert host.process.get(pid=1).comm == "systemd"
    state = host.run("systemctl is-system-running")
    assert state.stdout.strip() == "running", host.run("systemctl --failed --no-legend").stdout


@pytest.mark.parametrize("peer", NODES + ["mirror"])
def test_nodes_resolve_each_other_by_name(host, peer):
    answer = host.run(f"getent hosts {peer}")
    assert answer.rc == 0, f"{host.backend.host} cannot resolve {peer}"
    assert answer.stdout.split()[0].startswith("172.31.250.")


def test_kubectl_is_the_mirror_release(host, mirror_dir):
    version_dir = f"/opt/kthw/kubectl/v{KUBERNETES_VERSION}"
    assert host.file("/opt/kthw/kubectl/current").linked_to == version_dir
    binary = host.file(f"{version_dir}/bin/kubectl")
    assert binary.mode == 0o755 and binary.user == "root"
    published = os.path.join(mirror_dir, f"kubernetes/v{KUBERNETES_VERSION}/bin/linux/amd64/kubectl.sha256")
    with open(published, encoding="ascii") as handle:
        assert binary.sha256sum == handle.read().strip()
    out = host.check_output("/usr/local/bin/kubectl version --client")
    assert f"Client Version: v{KUBERNETES_VERSION}" in out


@pytest.mark.parametrize("name", hosts_of("etcd"))
def test_etcd_tarball_is_unpacked_and_switched(name):
    host = node(name)
    version_dir = f"/opt/kthw/etcd/v{ETCD_VERSION}"
    assert host.file("/opt/kthw/etcd/current").linked_to == version_dir
    for command, version in (("etcd", "--version"), ("etcdctl", "version"), ("etcdutl", "version")):
        # The command goes through "current", so a switch moves every command at once.
        assert host.check_output(f"readlink /usr/local/bin/{command}") == f"/opt/kthw/etcd/current/bin/{command}"
        assert host.file(f"/usr/local/bin/{command}").linked_to == f"{version_dir}/bin/{command}"
        assert ETCD_VERSION in host.check_output(f"{command} {version}")


def test_corrupt_download_installed_and_switched_nothing():
    # The side effect tried it on cp1.
    cp1 = node("cp1")
    assert not cp1.file("/opt/kthw/kubectl/v9.9.9/bin/kubectl").exists
    assert cp1.file("/opt/kthw/kubectl/current").linked_to == f"/opt/kthw/kubectl/v{KUBERNETES_VERSION}"
