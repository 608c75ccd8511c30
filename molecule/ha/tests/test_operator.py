"""The operator's path: an unprivileged local user ran the installed collection over SSH with sudo."""

import grp
import json
import os
import pwd
import shutil
import subprocess

import pytest
import yaml
from fleet import (ADDRESSES, APISERVER_PORT, ENDPOINT_ADDRESS, ENDPOINT_PORT, EPHEMERAL, OPERATOR, OPERATOR_HOME,
                   OPERATOR_SITE, PKI_DIR, REPO_ROOT, hosts_of, node)

MANAGEMENT = {name: address.replace("172.31.250.", "172.31.251.") for name, address in ADDRESSES.items()}


@pytest.fixture(scope="module")
def operator_uid():
    return pwd.getpwnam(OPERATOR).pw_uid


def test_the_operator_is_not_root_and_has_no_sudo(operator_uid):
    assert operator_uid != 0
    groups = {group.gr_name for group in grp.getgrall() if OPERATOR in group.gr_mem}
    assert not groups & {"sudo", "wheel", "root", "docker"}, groups
    sudo = shutil.which("sudo")
    if sudo:  # installed here: it must allow the operator nothing
        rules = subprocess.run([sudo, "-l", "-U", OPERATOR], capture_output=True, text=True, check=False)
        assert "is not allowed to run sudo" in rules.stdout + rules.stderr, rules.stdout + rules.stderr
    else:  # not installed on this machine: nothing the operator ran could use it
        assert not any(os.path.exists(os.path.join(d, "sudo")) for d in ("/usr/bin", "/bin", "/usr/local/bin"))


def test_the_certificate_set_belongs_to_the_operator(operator_uid):
    paths = [PKI_DIR]
    for folder, subfolders, files in os.walk(PKI_DIR):
        paths += [os.path.join(folder, name) for name in subfolders + files]
    assert len(paths) > 40, paths
    foreign = [path for path in paths if os.lstat(path).st_uid != operator_uid]
    assert not foreign, f"not owned by {OPERATOR}: {foreign}"


def test_the_site_folder_is_outside_the_repository():
    site = os.path.realpath(OPERATOR_SITE)
    assert not site.startswith(os.path.realpath(REPO_ROOT) + os.sep)
    with open(os.path.join(OPERATOR_SITE, "inventories", "ha", "hosts.yml"), encoding="utf-8") as handle:
        hosts = handle.read()
    for name, address in MANAGEMENT.items():
        assert f"ansible_host: {address}" in hosts, name
        assert f"cluster_node_ip: {ADDRESSES[name]}" in hosts, name


def test_the_collection_ran_from_its_installed_copy():
    installed = os.path.join(OPERATOR_HOME, ".ansible", "collections", "ansible_collections", "kthw", "control_plane")
    assert not os.path.islink(installed)
    with open(os.path.join(installed, "MANIFEST.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    assert manifest["collection_info"]["namespace"] == "kthw"
    assert manifest["collection_info"]["name"] == "control_plane"
    # What is never shipped: the harness, and no certificate set.
    for absent in ("molecule", ".venv", "tools", os.path.join("inventories", "ha", "pki")):
        assert not os.path.exists(os.path.join(installed, absent)), absent


@pytest.mark.parametrize("name", hosts_of("control_plane") + hosts_of("lb"))
def test_ansible_logged_in_over_ssh_as_deploy_and_used_sudo(name):
    host = node(name)
    logins = host.run("journalctl --no-pager -u ssh.service -g 'Accepted publickey for deploy'")
    assert logins.rc == 0 and "172.31.251.1 " in logins.stdout, logins.stdout[-2000:]
    escalations = host.run("journalctl --no-pager _COMM=sudo -g 'deploy : .*USER=root'")
    assert escalations.rc == 0 and "BECOME-SUCCESS" in escalations.stdout, escalations.stdout[-2000:]


def test_the_admin_kubeconfig_names_an_address_the_operator_reaches():
    with open(os.path.join(PKI_DIR, "admin.kubeconfig"), encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    assert [c["cluster"]["server"] for c in config["clusters"]] == [f"https://{ENDPOINT_ADDRESS}:{ENDPOINT_PORT}"]


@pytest.fixture(scope="module")
def faults():
    with open(os.path.join(EPHEMERAL, "operator-faults.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize("fault", ["no-sudo", "sudo-password", "requiretty", "unreachable"])
def test_a_bad_connection_is_refused_naming_the_host(faults, fault):
    run = faults[fault]
    output = " ".join(run["output"].split())
    assert run["rc"] != 0
    assert run["says"] in output
    assert "PLAY [Issue the certificate set" not in run["output"]


def _operator_connects(address, port):
    probe = ("import socket,sys\n"
             "try:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close(); print('open')\n"
             "except OSError as e:\n    print('closed', e)\n")
    result = subprocess.run(["runuser", "-u", OPERATOR, "--", "/usr/bin/python3", "-c", probe, address, str(port)],
                            capture_output=True, text=True, check=True, cwd="/")
    return result.stdout.startswith("open")


def test_the_controller_reaches_only_the_management_network_and_the_endpoint():
    # The runs passed without the cluster network: RBAC and the gates ran on the nodes.
    assert _operator_connects(MANAGEMENT["cp1"], 22)
    assert _operator_connects(ENDPOINT_ADDRESS, ENDPOINT_PORT)
    assert not _operator_connects(ADDRESSES["cp1"], APISERVER_PORT)
    assert not _operator_connects(ADDRESSES["cp1"], 22)
