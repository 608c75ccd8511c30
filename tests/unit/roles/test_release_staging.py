"""site.yml fetches and verifies an upgrade's releases before any node restarts: the component role's
stage.yml runs the release module for exactly the components the pre-flight found pending, from the
layout contract's cluster_releases, switching nothing while their services run."""

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, load, role_variables

TASK = "Fetch and verify the release an upgrade brings, {{ item }}"


def staging(item, pending):
    variables = role_variables("cluster", "component")
    variables.update(cluster_kubernetes_download_base_url="http://mirror/k8s", cluster_etcd_download_base_url="http://mirror/etcd",
                     cluster_arch="amd64", item=item, preflight_running_releases={"pending": pending})
    return Evaluation(find_task("component", "stage.yml", TASK), variables)


def test_only_the_pending_components_are_fetched():
    evaluation = staging("etcd", ["etcd", "kube-apiserver"])
    assert evaluation.value(evaluation.task["loop"]) == ["etcd", "kube-apiserver"]
    assert staging("etcd", []).value(staging("etcd", []).task["loop"]) == []


def test_each_comes_from_the_layout_contract_and_nothing_is_switched_while_it_runs():
    etcd = staging("etcd", ["etcd"])
    args = dict((name, etcd.value(value) if isinstance(value, str) else value)
                for name, value in etcd.args("kthw.control_plane.release").items())
    assert args["url"] == "http://mirror/etcd/v3.7.0/etcd-v3.7.0-linux-amd64.tar.gz"
    assert args["checksum_url"] == "http://mirror/etcd/v3.7.0/SHA256SUMS"
    assert args["binaries"] == ["etcd", "etcdctl", "etcdutl"] and args["format"] == "tarball"
    assert args["service"] == "etcd.service" and args["defer_switch"] is True
    scheduler = staging("kube-scheduler", ["kube-scheduler"])
    assert scheduler.value(scheduler.args("kthw.control_plane.release")["url"]) == "http://mirror/k8s/v1.37.2/bin/linux/amd64/kube-scheduler"


def test_site_stages_after_the_certificates_and_before_etcd_only_when_something_is_pending():
    plays = load("playbooks", "site.yml")
    names = [play["name"] for play in plays]
    staged = names.index("Fetch and verify the releases an upgrade brings")
    assert names[staged - 1] == "Issue the certificate set and copy each node its part"
    assert names[staged + 1] == "Run etcd on its members"
    task = plays[staged]["tasks"][0]
    assert task["ansible.builtin.include_role"] == {"name": "kthw.control_plane.component", "tasks_from": "stage.yml"}
    assert plays[staged]["any_errors_fatal"] is True
    evaluation = Evaluation(task, {"preflight_running_releases": {"pending": []}})
    assert evaluation.condition(task["when"]) is False
    evaluation = Evaluation(task, {"preflight_running_releases": {"pending": ["etcd"]}})
    assert evaluation.condition(task["when"]) is True
    assert Evaluation(task, {}).condition(task["when"]) is False
