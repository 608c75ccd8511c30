"""preflight refuses, before any host changes: a host in both the lb and the control_plane group,
etcd flags that move the data away from where the etcd role looks for it, and a Kubernetes or etcd
version that the download location does not hold. The tasks' own expressions are evaluated with
Ansible's templating, one table row per inventory."""

import base64
import json

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import (
    Evaluation, find_task, load, role_variables, task_names)

CP = ("cp1", "cp2", "cp3")
LB_TASK = "Check no host is both a load balancer and a control-plane node"
DIR_TASK = "Check the etcd extra flags leave the data folder to the etcd role"
ROLES_TASK = "Check the settings of every role"
REMOVED_TASK = "Check no extra flag is one a release removed, {{ component_flags_variable }}"
EXEC_TASK = "Check every extra flag can be written on a systemd command line, {{ component_flags_variable }}"
ARCH_TASK = "Note the release architecture of every host"
RELEASE_BLOCK = "Check the download location holds the Kubernetes and etcd releases"
FETCH_TASK = "Fetch the checksum files from the first etcd member"
CHECK_TASK = "Check every checksum file is there"
SKEW_TASK = "Check the pinned releases follow the version-skew policy from what the nodes run"
READ_HELD_TASK = "Read the releases this node runs"
SKEW_ASSERT = "Check the pinned releases may replace the ones the nodes run"


def inventory(etcd=CP, control_plane=CP, lb=("lb",), **variables):
    base = role_variables("cluster", "preflight")
    base["groups"] = {"etcd": list(etcd), "control_plane": list(control_plane), "lb": list(lb)}
    base.update(variables)
    return base


def preflight(name, variables):
    return Evaluation(find_task("preflight", "main.yml", name), variables)


def test_the_inventory_checks_run_after_every_host_is_known_and_before_the_node_checks():
    names = task_names("preflight", "main.yml")
    first = names.index("Check every host of the cluster takes part")
    assert names[first + 1:] == [LB_TASK, ROLES_TASK, ARCH_TASK, SKEW_TASK, RELEASE_BLOCK,
                                 "Check what the nodes already hold matches the controller"]


def test_every_role_with_settings_checks_its_own_before_any_host_changes():
    task = find_task("preflight", "main.yml", ROLES_TASK)
    assert task["ansible.builtin.include_role"] == {"name": "kthw.control_plane.{{ item }}", "tasks_from": "validate.yml"}
    assert task["run_once"] is True
    roles = load("roles", "preflight", "vars", "main.yml")["__preflight_validated_roles"]
    assert roles == ["pki", "etcd", "kube_apiserver", "rbac_bootstrap", "kube_controller_manager", "kube_scheduler",
                     "load_balancer"]
    for role in roles:
        assert find_task(role, "validate.yml", "Check the settings of the %s role" % role)


def component_check(name, variable, removed, flags):
    """A check of the component role's validate_flags.yml as a component role's validate.yml includes it."""
    variables = role_variables("cluster", "component")
    variables.update({"component_flags_variable": variable, "component_removed_flags": removed, variable: flags})
    return Evaluation(find_task("component", "validate_flags.yml", name), variables)


@pytest.mark.parametrize("role", ["etcd", "kube_apiserver", "kube_controller_manager", "kube_scheduler"])
def test_each_component_role_checks_its_extra_flags_against_its_own_table(role):
    task = find_task(role, "validate.yml", "Check the extra flags of %s" % role.replace("_", "-"))
    assert task["ansible.builtin.include_role"] == {"name": "kthw.control_plane.component", "tasks_from": "validate_flags.yml"}
    assert task["vars"] == {"component_flags_variable": role + "_extra_flags",
                            "component_removed_flags": "{{ __%s_removed_flags }}" % role}


@pytest.mark.parametrize("flags, message", [
    ({}, None),
    ({"v": "2"}, None),
    ({"insecure-port": "8080"}, "--insecure-port in kube_apiserver_extra_flags: removed in 1.24; the apiserver serves only "
                                "TLS. Remove or replace these flags; nothing was changed on the hosts."),
    ({"v": "2", "insecure-port": "8080", "basic-auth-file": "/x"},
     "--insecure-port in kube_apiserver_extra_flags: removed in 1.24; the apiserver serves only TLS; --basic-auth-file in "
     "kube_apiserver_extra_flags: removed in 1.19; use client certificates or an authentication webhook. Remove or "
     "replace these flags; nothing was changed on the hosts."),
])
def test_a_removed_flag_is_refused_naming_what_replaces_it(flags, message):
    removed = role_variables("kube_apiserver")["__kube_apiserver_removed_flags"]
    passed, text = component_check(REMOVED_TASK, "kube_apiserver_extra_flags", removed, flags).assertion()
    assert (passed, text if message else None) == (message is None, message)


@pytest.mark.parametrize("control_plane, lb, message", [
    (CP, ["lb"], None),
    (CP, [], None),
    (CP, ["cp2", "lb"], "cp2 is in both the lb group and the control_plane group: HAProxy and kube-apiserver would "
                        "compete for the same host and its ports, and the cluster's one endpoint would fall with that "
                        "node. Give the load balancer a host of its own, or leave the lb group empty and set "
                        "cluster_api_endpoint_name and cluster_api_endpoint_ip to use an external one."),
    (CP, ["cp3", "cp1"], "cp1, cp3 are in both the lb group and the control_plane group: "),
])
def test_a_host_in_the_lb_and_control_plane_groups_is_refused(control_plane, lb, message):
    passed, text = preflight(LB_TASK, inventory(control_plane=control_plane, lb=lb)).assertion()
    assert passed is (message is None)
    if message:
        assert text.startswith(message)


def test_the_refusal_names_the_groups_as_the_inventory_calls_them():
    variables = inventory(control_plane=["m1"], lb=["m1"], cluster_control_plane_group="masters",
                          cluster_lb_group="balancers")
    variables["groups"].update(masters=["m1"], balancers=["m1"])
    passed, text = preflight(LB_TASK, variables).assertion()
    assert not passed and text.startswith("m1 is in both the balancers group and the masters group")


DATA_DIR = ("--data-dir in etcd_extra_flags: set cluster_etcd_data_dir instead (the etcd role looks there for the members' "
            "data before it decides whether to bootstrap a new cluster)")
WAL_DIR = ("--wal-dir in etcd_extra_flags: a separate write-ahead-log folder is not supported; etcd keeps the log in "
           "cluster_etcd_data_dir (member/wal), where the etcd role looks for the members' data before it decides whether "
           "to bootstrap a new cluster")
CONFIG_FILE = ("--config-file in etcd_extra_flags: not supported; etcd would ignore every other flag, the data folder "
               "included, and the etcd role could no longer tell where the members' data is")
END = ". Remove them from etcd_extra_flags; nothing was changed on the hosts."


@pytest.mark.parametrize("flags, message", [
    (None, None),
    ({}, None),
    ({"quota-backend-bytes": "8589934592", "snapshot-count": 10000}, None),
    ({"data-dir": "/srv/etcd"}, DATA_DIR + END),
    ({"wal-dir": "/srv/wal"}, WAL_DIR + END),
    ({"config-file": "/etc/etcd/etcd.yaml"}, CONFIG_FILE + END),
    ({"quota-backend-bytes": "1", "wal-dir": "/srv/wal", "data-dir": "/srv/etcd"}, WAL_DIR + "; " + DATA_DIR + END),
])
def test_etcd_flags_that_move_the_data_are_refused(flags, message):
    variables = inventory() if flags is None else inventory(etcd_extra_flags=flags)
    passed, text = Evaluation(find_task("etcd", "validate.yml", DIR_TASK), variables).assertion()
    assert (passed, text) == (message is None, message)


def test_every_flag_set_is_checked_with_the_systemd_filter_naming_its_variable():
    task = find_task("component", "validate_flags.yml", EXEC_TASK)
    assert task["ansible.builtin.assert"]["that"] == [
        "__component_extra_flags | kthw.control_plane.systemd_exec_args(component_flags_variable) is sequence"]
    assert component_check(EXEC_TASK, "etcd_extra_flags", {}, {"x": "a b"}).value("{{ __component_extra_flags }}") == {"x": "a b"}


# --- the releases -----------------------------------------------------------------------------

def with_architectures(variables, architectures):
    """Every host's __preflight_arch, as the set_fact task computes it from the host's facts."""
    hostvars = {}
    for host, machine in architectures.items():
        facts = preflight(ARCH_TASK, dict(variables, ansible_facts={"architecture": machine})).facts()
        hostvars[host] = dict(facts, ansible_facts={"architecture": machine})
    return dict(variables, hostvars=hostvars)


def k8s(base, version, arch, binary):
    return "%s/v%s/bin/linux/%s/%s.sha256" % (base, version, arch, binary)


BINARIES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"]
AMD = dict(cp1="x86_64", cp2="x86_64", cp3="x86_64", lb="x86_64")


@pytest.mark.parametrize("architectures, settings, expected", [
    (AMD, {}, [k8s("https://dl.k8s.io/release", "1.37.2", "amd64", b) for b in BINARIES]
     + ["https://github.com/etcd-io/etcd/releases/download/v3.7.0/SHA256SUMS"]),
    (dict(AMD, cp2="aarch64", lb="aarch64"),
     dict(cluster_kubernetes_version="1.37.9", cluster_etcd_version="3.6.4",
          cluster_kubernetes_download_base_url="file:///srv/mirror/kubernetes",
          cluster_etcd_download_base_url="http://mirror:8080/release/etcd"),
     [k8s("file:///srv/mirror/kubernetes", "1.37.9", arch, b) for arch in ("amd64", "arm64") for b in BINARIES]
     + ["http://mirror:8080/release/etcd/v3.6.4/SHA256SUMS"]),
    # The lb hosts install no release: their architecture does not count.
    (dict(AMD, lb="aarch64"), {}, [k8s("https://dl.k8s.io/release", "1.37.2", "amd64", b) for b in BINARIES]
     + ["https://github.com/etcd-io/etcd/releases/download/v3.7.0/SHA256SUMS"]),
])
def test_the_checksum_urls_of_every_release_and_architecture(architectures, settings, expected):
    variables = with_architectures(inventory(**settings), architectures)
    assert preflight(CHECK_TASK, variables).value("{{ __preflight_checksum_urls }}") == expected


def release_checksum_urls():
    """Each role's release (through the component role, or kubectl directly): its checksum URL template."""
    for role in ("etcd", "kube_apiserver", "kube_controller_manager", "kube_scheduler"):
        for task in load("roles", role, "tasks", "main.yml"):
            if "component_release" in (task.get("vars") or {}):
                # The layout contract's cluster_releases entry, named by a template.
                release = task["vars"]["component_release"].strip("{} ")
                yield role, task, "{{ (%s).checksum_url }}" % release
            elif "kthw.control_plane.release" in task:
                yield role, task, task["kthw.control_plane.release"]["checksum_url"]


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_preflight_checks_the_checksum_urls_the_roles_fetch(machine):
    """The roles build the URLs themselves: preflight must check exactly what they will fetch."""
    settings = dict(cluster_kubernetes_version="1.37.9", cluster_etcd_version="3.6.4",
                    cluster_kubernetes_download_base_url="http://mirror:8080/k8s",
                    cluster_etcd_download_base_url="file:///srv/etcd")
    checked = preflight(CHECK_TASK, with_architectures(inventory(**settings), dict(cp1=machine, cp2=machine,
                                                                                   cp3=machine, lb=machine))
                        ).value("{{ __preflight_checksum_urls }}")
    fetched = set()
    for role, task, checksum_url in release_checksum_urls():
        variables = dict(role_variables("cluster", role), ansible_facts={"architecture": machine}, **settings)
        fetched.add(Evaluation(task, variables).value(checksum_url))
    assert len(fetched) == 5 and fetched == set(checked)


def test_every_checksum_file_is_fetched_in_one_run_on_the_first_etcd_member():
    variables = with_architectures(inventory(etcd=["e1", "cp1", "cp2"], cluster_etcd_download_base_url="file:///m/etcd"),
                                   dict(AMD, e1="x86_64"))
    fetch = find_task("preflight", "main.yml", FETCH_TASK)
    block = find_task("preflight", "main.yml", RELEASE_BLOCK)
    assert block["run_once"] is True
    evaluation = preflight(FETCH_TASK, variables)
    assert evaluation.value(fetch["kthw.control_plane.release_checksums"]["urls"]) == [
        k8s("https://dl.k8s.io/release", "1.37.2", "amd64", b) for b in BINARIES] + ["file:///m/etcd/v3.7.0/SHA256SUMS"]
    assert evaluation.value(fetch["delegate_to"]) == "e1"
    # file:// URLs are read as root, as the release module reads them; it runs in check mode too.
    assert "become" not in fetch and fetch["check_mode"] is False


def fetched(url, status):
    message = "" if status == 200 else (
        "HTTP Error %d: Not Found" % status if status > 0 else
        "Request failed: <urlopen error [Errno 111] Connection refused>")
    return dict(url=url, fetched=status == 200, status=status, msg=message)


KUBE = [k8s("http://mirror:8080/k8s", "1.37.9", "amd64", b) for b in BINARIES]
ETCD_HTTP = "http://mirror:8080/etcd/v3.7.0/SHA256SUMS"
ETCD_FILE = "file:///srv/etcd/v3.7.0/SHA256SUMS"
FIX_K8S = ("set cluster_kubernetes_version to a released version, or add that release to the mirror at "
           "cluster_kubernetes_download_base_url (http://mirror:8080/k8s). ")
NOTHING = "Nothing was changed on the hosts."


@pytest.mark.parametrize("etcd_base, statuses, etcd_status, message", [
    ("http://mirror:8080/etcd", [200] * 4, 200, None),
    ("file:///srv/etcd", [200] * 4, 200, None),
    ("http://mirror:8080/etcd", [404] * 3 + [200], 200,
     "Kubernetes 1.37.9 is not in the download location: " + ", ".join("%s (HTTP 404)" % u for u in KUBE[:3]) + "; "
     + FIX_K8S + NOTHING),
    ("http://mirror:8080/etcd", [200] * 4, 404,
     "etcd 3.7.0 is not in the download location: %s (HTTP 404); set cluster_etcd_version to a released version, "
     "or add that release to the mirror at cluster_etcd_download_base_url (http://mirror:8080/etcd). %s"
     % (ETCD_HTTP, NOTHING)),
    ("file:///srv/etcd", [200, 200, 200, -1], -1,
     "Kubernetes 1.37.9 is not in the download location: %s (Request failed: <urlopen error [Errno 111] Connection "
     "refused>); %setcd 3.7.0 is not in the download location: %s (Request failed: <urlopen error [Errno 111] "
     "Connection refused>); set cluster_etcd_version to a released version, or add that release to the mirror at "
     "cluster_etcd_download_base_url (file:///srv/etcd). %s" % (KUBE[3], FIX_K8S, ETCD_FILE, NOTHING)),
])
def test_a_release_missing_from_the_download_location_is_refused(etcd_base, statuses, etcd_status, message):
    variables = with_architectures(inventory(cluster_kubernetes_version="1.37.9",
                                             cluster_kubernetes_download_base_url="http://mirror:8080/k8s",
                                             cluster_etcd_download_base_url=etcd_base), AMD)
    etcd_url = ETCD_FILE if etcd_base.startswith("file:") else ETCD_HTTP
    results = [fetched(url, status) for url, status in zip(KUBE + [etcd_url], statuses + [etcd_status])]
    variables.update(__preflight_fetched=dict(results=results, missing=[r for r in results if not r["fetched"]],
                                              changed=False))
    assert preflight(CHECK_TASK, variables).assertion() == (message is None, message)


RENAMED_TASK = "Check no renamed setting is left in the inventory"


@pytest.mark.parametrize("settings, message", [
    ({}, None),
    ({"cluster_etcd_data_dir": "/data/etcd"}, None),
    ({"etcd_data_dir": "/data/etcd"}, "etcd_data_dir is now cluster_etcd_data_dir; rename it in the inventory"),
    ({"etcd_client_port": 12379, "kube_apiserver_secure_port": 7443},
     "etcd_client_port is now cluster_etcd_client_port; kube_apiserver_secure_port is now cluster_apiserver_port; "
     "rename them in the inventory"),
])
def test_a_setting_the_collection_renamed_is_refused_with_its_new_name(settings, message):
    passed, text = preflight(RENAMED_TASK, inventory(**settings)).assertion()
    assert passed is (message is None)
    if message:
        assert text.startswith(message)


MARK_TASK = "Check no member of the etcd group was taken out of the cluster"


def removed_mark(state):
    content = json.dumps({"state": state, "started": "2026-12-01T14:00:00Z", "token": "20261201T140000Z"})
    return {"__preflight_removed_mark": {"content": base64.b64encode(content.encode()).decode()}}


@pytest.mark.parametrize("state, expected", [
    ("removed", "cp3 was taken out of etcd by kthw.control_plane.etcd_remove_member (started 2026-12-01T14:00:00Z, "
                "its mark /etc/etcd/removed.json) but is still in the etcd group. Take it out of the group (or, to "
                "have it join again as a new member, delete the mark). Nothing was changed."),
    ("removing", "cp3 is being taken out of etcd (a removal stopped half-way) by kthw.control_plane.etcd_remove_member"),
])
def test_a_member_taken_out_of_etcd_is_refused_while_in_the_etcd_group(state, expected):
    hostvars = {"cp1": {"__preflight_removed_mark": {"failed": True}}, "cp2": {"__preflight_removed_mark": {}},
                "cp3": removed_mark(state)}
    for name, host in hostvars.items():
        host["inventory_hostname"] = name
    passed, message = Evaluation(find_task("preflight", "nodes_hold.yml", MARK_TASK),
                                 inventory(hostvars=hostvars)).assertion()
    assert passed is False and expected in " ".join(message.split())
    if state == "removing":
        assert "Run kthw.control_plane.etcd_remove_member -e etcd_remove_member_names=cp3 to finish it." in message


def test_no_mark_passes():
    hostvars = {name: {"inventory_hostname": name, "__preflight_removed_mark": {"failed": True}} for name in CP}
    assert Evaluation(find_task("preflight", "nodes_hold.yml", MARK_TASK), inventory(hostvars=hostvars)).assertion()[0]


@pytest.mark.parametrize("host, etcd, control_plane, components", [
    ("cp1", CP, CP, ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]),
    ("e1", ("e1", "e2", "e3"), CP, ["etcd"]),
    ("cp1", ("e1", "e2", "e3"), CP, ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]),
    ("lb", CP, CP, []),
])
def test_the_skew_check_reads_the_components_each_node_runs(host, etcd, control_plane, components):
    task = find_task("preflight", "releases_held.yml", READ_HELD_TASK)
    evaluation = Evaluation(task, inventory(etcd=etcd, control_plane=control_plane, inventory_hostname=host))
    assert [component["name"] for component in evaluation.value(task["kthw.control_plane.running_releases"]["components"])] == components
    assert evaluation.condition(task["when"]) is bool(components)


def test_the_skew_check_judges_every_node_of_the_run_and_a_node_that_read_nothing_holds_nothing():
    held = {"etcd": {"version": "3.6.16"}}
    hostvars = {"cp1": {"preflight_running_releases": {"releases": held}},
                "lb": {"preflight_running_releases": {"skipped": True, "changed": False}}}
    task = find_task("preflight", "releases_held.yml", SKEW_ASSERT)
    evaluation = Evaluation(task, inventory(hostvars=hostvars, ansible_play_hosts=["cp1", "lb"]))
    assert evaluation.value("{{ __preflight_held_by_node }}") == {"cp1": held, "lb": {}}
    assert task["run_once"] is True
    assert "release_skew_refusals(" in task["vars"]["__preflight_skew_refusals"]
    assert "allow_downgrade=cluster_allow_downgrade" in task["vars"]["__preflight_skew_refusals"]
