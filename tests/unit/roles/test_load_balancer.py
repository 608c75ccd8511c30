"""The load_balancer role shares the endpoint's address between two or more lb hosts: keepalived's
configuration (unicast to the peers, source checked, no preemption by default, the router id derived
from the cluster name unless set) and the checks of its settings."""

import pytest
from ansible.template import trust_as_template

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables
from ansible_collections.kthw.control_plane.tests.unit.roles.test_unit_templates import render

LBS = {"lb1": "10.0.0.8", "lb2": "10.0.0.9", "lb3": "10.0.0.7"}
INTERFACE = {"device": "eth0", "address": "10.0.0.8", "prefix": 24, "network": "10.0.0.0/24"}
VALIDATE = "Check the lb hosts can share the endpoint's address"


def lb_variables(host="lb1", lbs=("lb1", "lb2"), **more):
    variables = role_variables("cluster", "load_balancer")
    variables.update(inventory_hostname=host, cluster_node_address=LBS[host],
                     groups={"etcd": [], "control_plane": [], "lb": list(lbs)},
                     hostvars=dict((name, {"cluster_node_address": LBS[name]}) for name in lbs),
                     cluster_api_endpoint={"ip": "10.0.0.10", "name": "10.0.0.10", "port": 6443})
    variables.update(more)
    return variables


def keepalived_conf(**more):
    variables = lb_variables(**more)
    task = find_task("load_balancer", "shared_address.yml", "Write the keepalived configuration")
    return render("load_balancer/templates/keepalived.conf.j2", Evaluation(task, variables),
                  {"__load_balancer_interface": INTERFACE}, None)


def block(config, name):
    return config.split(name + " {", 1)[1].split("}", 1)[0].split()


def test_each_host_advertises_to_its_peers_only_and_hears_only_them():
    config = keepalived_conf(host="lb2", lbs=("lb1", "lb2", "lb3"))
    assert "    unicast_src_ip 10.0.0.9\n    check_unicast_src\n" in config
    assert block(config, "unicast_peer") == ["10.0.0.8", "10.0.0.7"]
    assert block(config, "virtual_ipaddress") == ["10.0.0.10/24", "dev", "eth0"]
    assert "    state BACKUP\n" in config and "    interface eth0\n" in config


def test_the_first_host_of_the_group_is_preferred_and_none_takes_the_address_back():
    priorities = [int(keepalived_conf(host=host, lbs=("lb1", "lb2", "lb3")).split("priority ", 1)[1].split()[0])
                  for host in ("lb1", "lb2", "lb3")]
    assert priorities == [200, 199, 198]
    assert "    nopreempt\n" in keepalived_conf()
    assert "nopreempt" not in keepalived_conf(load_balancer_vrrp_preempt=True)


def test_the_address_follows_a_haproxy_that_serves():
    config = keepalived_conf()
    assert block(config, "track_script") == ["haproxy_serves"]
    assert 'script "/usr/bin/curl --silent --fail --output /dev/null --max-time 1 http://127.0.0.1:8404/healthz"' in config
    assert "    fall 2\n    rise 2\n" in config


def router_id(config):
    return int(config.split("virtual_router_id ", 1)[1].split()[0])


def test_the_router_id_is_derived_from_the_cluster_name_unless_set():
    ids = {name: router_id(keepalived_conf(cluster_name=name)) for name in ("kthw", "prod", "staging", "edge-1")}
    assert all(1 <= value <= 255 for value in ids.values())
    # Another name, another id (for these names); the same name, the same id on every host.
    assert len(set(ids.values())) == 4
    assert router_id(keepalived_conf(host="lb2", cluster_name="prod")) == ids["prod"]
    assert router_id(keepalived_conf(load_balancer_vrrp_router_id=42)) == 42


def test_a_password_only_when_one_is_set():
    assert "authentication" not in keepalived_conf()
    assert block(keepalived_conf(load_balancer_vrrp_auth_pass="s3cret"), "authentication") == [
        "auth_type", "PASS", "auth_pass", "s3cret"]


@pytest.mark.parametrize("router_id_value, valid", [
    (None, True), (1, True), (255, True), ("77", True), (0, False), (256, False), ("x", False), (-3, False)])
def test_the_router_id_must_be_1_to_255(router_id_value, valid):
    more = {} if router_id_value is None else {"load_balancer_vrrp_router_id": router_id_value}
    evaluation = Evaluation(find_task("load_balancer", "validate.yml", VALIDATE), lb_variables(**more))
    assert evaluation.condition(trust_as_template("__load_balancer_router_id_valid")) is valid


@pytest.mark.parametrize("password, valid", [("", True), ("12345678", True), ("123456789", False)])
def test_the_password_is_at_most_8_characters(password, valid):
    evaluation = Evaluation(find_task("load_balancer", "validate.yml", VALIDATE),
                            lb_variables(load_balancer_vrrp_auth_pass=password))
    assert evaluation.condition(trust_as_template("load_balancer_vrrp_auth_pass | length <= 8")) is valid


@pytest.mark.parametrize("lbs, setting, shares", [
    ((), True, False), (("lb1",), True, False), (("lb1", "lb2"), True, True), (("lb1", "lb2"), False, False)])
def test_two_or_more_lb_hosts_share_the_address_unless_told_not_to(lbs, setting, shares):
    variables = lb_variables(lbs=lbs) if lbs else dict(lb_variables(), groups={"lb": []})
    variables["load_balancer_share_address"] = setting
    share = find_task("load_balancer", "main.yml", "Share the endpoint's address between the lb hosts")
    unshare = find_task("load_balancer", "main.yml", "Stop sharing the address on a host that shared it")
    assert Evaluation(share, variables).condition(share["when"]) is shares
    assert Evaluation(unshare, variables).condition(unshare["when"]) is not shares
    # keepalived's reloads are owed and recorded only where it runs.
    loaded = Evaluation(share, variables).value("{{ __load_balancer_loaded_files }}")
    assert sorted(loaded) == (["haproxy", "keepalived"] if shares else ["haproxy"])
    assert loaded["haproxy"] == ["/etc/haproxy/haproxy.cfg", "/etc/haproxy/kubernetes-ca.crt"]


def test_a_reload_is_owed_until_what_the_service_loaded_is_recorded():
    """The owed reloads come from the files' digests against the records, not from a handler a
    stopped run would lose; each is reloaded one host at a time, then recorded."""
    owed = {"stdout_lines": ["keepalived 0123abcd"]}
    reload = find_task("load_balancer", "reload.yml", "Reload what changed")
    record = find_task("load_balancer", "reload.yml", "Record what each service loaded")
    evaluation = Evaluation(reload, lb_variables(__load_balancer_reloads_owed=owed))
    assert reload["throttle"] == 1 and evaluation.value(reload["loop"]) == ["keepalived 0123abcd"]
    assert reload["ansible.builtin.systemd_service"] == {"name": "{{ item.split()[0] }}", "state": "reloaded"}
    item = Evaluation(record, lb_variables(item="keepalived 0123abcd"))
    assert item.value(record["ansible.builtin.copy"]["dest"]) == "/var/lib/kthw/loaded/keepalived"
    assert item.value(record["ansible.builtin.copy"]["content"]) == "0123abcd\n"
    finder = find_task("load_balancer", "reload.yml", "Find the reloads owed")
    assert finder["changed_when"] is False and finder["check_mode"] is False


HELD_CHECK = "Check exactly one lb host holds the endpoint's address"


@pytest.mark.parametrize("holds, message", [
    (dict(lb1="2: eth0 inet 10.0.0.10/24", lb2=""), None),
    (dict(lb1="", lb2=""), "no lb host holds 10.0.0.10: the lb hosts must hear each other's VRRP adverts"),
    (dict(lb1="2: eth0 inet 10.0.0.10/24", lb2="3: eth0 inet 10.0.0.10/24"),
     "lb1 and lb2 hold 10.0.0.10: the lb hosts must hear each other's VRRP adverts (IP protocol 112"),
])
def test_exactly_one_lb_host_may_hold_the_address(holds, message):
    variables = lb_variables(ansible_play_hosts=["cp1", "lb1", "lb2"])
    variables["hostvars"] = dict(variables["hostvars"], **{
        host: dict(variables["hostvars"][host], __load_balancer_holds={"stdout": out}) for host, out in holds.items()})
    evaluation = Evaluation(find_task("load_balancer", "address_held.yml", HELD_CHECK), variables)
    passed, text = evaluation.assertion()
    assert passed is (message is None), text
    if message:
        assert text.startswith(message)


ROUTER_ID_CHECK = "Check the router id is the one the lb hosts run"


def running_ids(**stdout):
    """The read task's registered loop: a skipped item has no stdout; a host without a running
    keepalived prints nothing."""
    return {"results": [dict({"__load_balancer_host": host}, **({} if out is None else {"stdout": out})) for host, out in stdout.items()]}


@pytest.mark.parametrize("running, setting, message", [
    (dict(lb1="235", lb2="235"), None, None),
    (dict(lb1="", lb2=""), 7, None),
    (dict(lb1=None, lb2=None), 7, None),
    (dict(lb1="42", lb2="42"), 42, None),
    (dict(lb1="235", lb2="235"), 7, "lb1, lb2 run the shared address as VRRP router 235, and the inventory now gives 7 "
                                    "(load_balancer_vrrp_router_id, or derived from cluster_name): while the change went "
                                    "from one lb host to the next, both would hold the address. Set "
                                    "load_balancer_vrrp_router_id: 235 to keep it;"),
    (dict(lb1="", lb2="235"), 7, "lb2 runs the shared address as VRRP router 235, and the inventory now gives 7 "),
])
def test_a_changed_router_id_is_refused_while_keepalived_runs(running, setting, message):
    more = {} if setting is None else {"load_balancer_vrrp_router_id": setting}
    variables = lb_variables(__load_balancer_running_router_ids=running_ids(**running), **more)
    evaluation = Evaluation(find_task("load_balancer", "validate.yml", ROUTER_ID_CHECK), variables)
    passed, text = evaluation.assertion()
    assert passed is (message is None), text
    # Ansible renders the message whether the check passes or not.
    assert evaluation.value(evaluation.args("ansible.builtin.assert")["fail_msg"])
    if message:
        assert text.startswith(message)
