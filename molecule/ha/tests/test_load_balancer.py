"""The endpoint survives the loss of a load balancer: lb1 and lb2 run HAProxy and share the
endpoint's address with keepalived (VRRP over unicast); the address follows a HAProxy that serves,
moves once when its holder or the holder's HAProxy stops, and stays where it is when they come
back (lb_failover.yml)."""

import pytest
from fleet import ADDRESSES, ENDPOINT_ADDRESS, ENDPOINT_PORT, hosts_of, https_get, node, side_effect_results

LOAD_BALANCERS = hosts_of("lb")
HEALTH_PORT = 8404


def holds_the_address(name):
    return node(name).run(f"ip -4 -o addr show to {ENDPOINT_ADDRESS}/32").stdout.strip() != ""


@pytest.fixture(scope="module")
def failover():
    return side_effect_results("lb-failover")


def test_the_fleet_has_two_load_balancers():
    assert sorted(LOAD_BALANCERS) == ["lb1", "lb2"]


def test_exactly_one_load_balancer_holds_the_endpoint_address():
    assert [name for name in LOAD_BALANCERS if holds_the_address(name)] in (["lb1"], ["lb2"])


def test_the_endpoint_address_serves_the_api():
    assert https_get(f"https://{ENDPOINT_ADDRESS}:{ENDPOINT_PORT}/readyz") == (200, "ok")


@pytest.mark.parametrize("name", LOAD_BALANCERS)
def test_keepalived_runs_with_a_private_configuration(name):
    host = node(name)
    assert host.service("keepalived").is_running and host.service("keepalived").is_enabled
    config = host.file("/etc/keepalived/keepalived.conf")
    assert (config.user, config.group, config.mode) == ("root", "root", 0o600)


@pytest.mark.parametrize("name", LOAD_BALANCERS)
def test_vrrp_is_unicast_to_the_peer_with_its_source_checked(name):
    config = node(name).run("cat /etc/keepalived/keepalived.conf").stdout
    peer = next(other for other in LOAD_BALANCERS if other != name)
    assert f"unicast_src_ip {ADDRESSES[name]}" in config
    assert "check_unicast_src" in config
    assert config.split("unicast_peer {", 1)[1].split("}", 1)[0].split() == [ADDRESSES[peer]]
    assert "nopreempt" in config


@pytest.mark.parametrize("name", LOAD_BALANCERS)
def test_haproxy_health_is_served_on_loopback_only(name):
    host = node(name)
    listeners = host.run(f"ss -Hltn sport = :{HEALTH_PORT}").stdout.split("\n")
    assert [line.split()[3] for line in listeners if line.strip()] == [f"127.0.0.1:{HEALTH_PORT}"]
    assert host.run(f"curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{HEALTH_PORT}/healthz").stdout == "200"


@pytest.mark.parametrize("loss", ["host_loss", "haproxy_loss"])
def test_the_address_moved_to_the_other_load_balancer(failover, loss):
    event = failover[loss]
    assert event["host"] != event["other"] and {event["host"], event["other"]} == set(LOAD_BALANCERS)
    # The side effect waited until the other one alone held it, then saw it there.
    assert event["holders_after_start"][0].split() == [event["other"]]


def _inside(probe, failure, event):
    """Whether a failed round was under way at some moment between the stop and the moment the
    address was seen on the other host."""
    began = probe["started_at"] + failure["at_s"]
    return began <= float(event["moved_at"]) and began + failure["took_s"] >= float(event["stopped_at"])


def test_requests_failed_only_inside_the_two_failovers(failover):
    probe = failover["probe"]
    # The probe lists at most 50 failures: as many would be no single failover.
    assert probe["rounds"] > 100 and probe["failed_rounds"] == len(probe["failures"]) < 50, probe
    events = [failover["host_loss"], failover["haproxy_loss"]]
    outside = [f for f in probe["failures"] if not any(_inside(probe, f, event) for event in events)]
    assert outside == [], probe


@pytest.mark.parametrize("loss", ["host_loss", "haproxy_loss"])
def test_the_address_stays_when_the_failed_side_comes_back(failover, loss):
    # No second move: the recovered host does not take it back (no preemption).
    seen = [line.split() for line in failover[loss]["holders_after_start"]]
    assert len(seen) == 15 and all(holders == [failover[loss]["other"]] for holders in seen), seen
