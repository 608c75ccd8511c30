"""An upgrade from the releases before the pinned ones (side_effects/upgrade.yml): refused when it
skips a minor or when etcd is below the minimum for its jump, then done one node at a time, etcd
first, under the read + write probe; then a second run changes nothing, a release with a corrupt
binary stops before any restart, and going back is refused."""

import pytest
from fleet import ETCD_VERSION, KUBERNETES_VERSION, failures_beyond_elections, recap_changed_nothing, side_effect_results, words

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
ORDER = COMPONENTS  # etcd, then every apiserver, then the controller-managers, then the schedulers


@pytest.fixture(scope="module")
def upgrade():
    return side_effect_results("upgrade")


def processes(reading):
    """{(node, unit): (stopped, started, executable)} of one component_processes.yml reading."""
    found = {}
    for name, lines in reading.items():
        for line in lines:
            # etcd's executable is empty (see component_processes.yml).
            unit, stopped, started, executable = (line.split(" ", 3) + [""])[:4]
            found[(name, unit)] = (int(stopped), int(started), executable)
    return found


def release_of(unit, previous):
    version = previous["cluster_etcd_version" if unit == "etcd" else "cluster_kubernetes_version"]
    return f"/opt/kthw/{unit}/v{version}/bin/{unit}"


def kubernetes_executables(reading):
    """{(node, unit): executable} of the Kubernetes components (etcd's cannot be read in the fleet)."""
    return {key: value[2] for key, value in processes(reading).items() if key[1] != "etcd"}


def test_the_fleet_ran_the_releases_before_the_pinned_ones(upgrade):
    previous = upgrade["previous"]
    assert previous["cluster_kubernetes_version"] != KUBERNETES_VERSION
    assert previous["cluster_etcd_version"] != ETCD_VERSION
    executables = kubernetes_executables(upgrade["processes"]["before"])
    assert len(executables) == 9
    for (name, unit), executable in executables.items():
        assert executable == release_of(unit, previous), name
    assert upgrade["etcd_versions"]["before"] == [previous["cluster_etcd_version"]] * 3


def test_a_skipped_minor_and_etcd_below_its_minimum_are_refused_in_preflight_naming_the_versions(upgrade):
    refused = upgrade["skip_refused"]
    said = words(refused["output"])
    previous = upgrade["previous"]
    assert refused["rc"] != 0
    assert f"cp1, cp2 and cp3 run kube-apiserver {previous['cluster_kubernetes_version']}: 1.38.0 would skip a minor release" in said
    assert "go to the newest 1.37 patch first" in said
    assert f"cp1, cp2 and cp3 run etcd {previous['cluster_etcd_version']}: etcd 3.7 needs every member on 3.6.17 or later" in said
    assert "Nothing was changed on the hosts" in said
    assert "PLAY [Issue the certificate set" not in refused["output"]
    assert processes(upgrade["processes"]["after_refusal"]) == processes(upgrade["processes"]["before"])


def test_the_upgrade_made_every_component_run_the_pinned_release(upgrade):
    assert upgrade["upgrade"]["rc"] == 0, upgrade["upgrade"]["output"][-3000:]
    pinned = {"cluster_kubernetes_version": KUBERNETES_VERSION, "cluster_etcd_version": ETCD_VERSION}
    executables = kubernetes_executables(upgrade["processes"]["after"])
    assert len(executables) == 9
    for (name, unit), executable in executables.items():
        assert executable == release_of(unit, pinned), name
    assert upgrade["etcd_versions"]["after"] == [ETCD_VERSION] * 3


def test_the_upgrade_restarted_one_node_at_a_time_etcd_then_apiservers_then_controller_managers_then_schedulers(upgrade):
    before, after = processes(upgrade["processes"]["before"]), processes(upgrade["processes"]["after"])
    restarts = sorted((after[key][0], after[key][1], key) for key in after if after[key][1] != before[key][1])
    assert len(restarts) == 12, restarts
    # Each unit stopped only after the one restarted before it had started again.
    for earlier, later in zip(restarts, restarts[1:]):
        assert later[0] > earlier[1], (later[2], restarts)
    units = [restart[2][1] for restart in restarts]
    assert units == [ORDER[index // 3] for index in range(12)], units


def test_the_upgrade_failed_no_request_but_for_etcd_elections(upgrade):
    probe = upgrade["probe"]
    assert probe["rounds"] > 100
    assert upgrade["elections"] <= 2, upgrade["elections"]
    assert failures_beyond_elections(probe, upgrade["elections"]) == []


def test_a_second_run_changes_nothing(upgrade):
    assert upgrade["second"]["rc"] == 0
    assert recap_changed_nothing(upgrade["second"]["output"])


def test_a_release_with_a_corrupt_binary_stops_before_any_node_restarts(upgrade):
    refused = upgrade["corrupt_refused"]
    said = words(refused["output"])
    assert refused["rc"] != 0
    assert "/corrupt-upgrade/v1.37.99/bin/linux/amd64/kube-scheduler" in said and "did not match" in said
    assert "PLAY [Fetch and verify the releases an upgrade brings]" in refused["output"]
    assert "PLAY [Run etcd on its members]" not in refused["output"]
    assert processes(upgrade["processes"]["after_corrupt"]) == processes(upgrade["processes"]["after"])


def test_going_back_without_allowing_it_is_refused_naming_the_versions(upgrade):
    refused = upgrade["downgrade_refused"]
    said = words(refused["output"])
    previous = upgrade["previous"]
    assert refused["rc"] != 0
    assert (f"cp1, cp2 and cp3 run kube-apiserver {KUBERNETES_VERSION}, newer than {previous['cluster_kubernetes_version']}: "
            "going back is refused unless cluster_allow_downgrade is true") in said
    assert f"cp1, cp2 and cp3 run etcd {ETCD_VERSION}, newer than {previous['cluster_etcd_version']}" in said
    assert processes(upgrade["processes"]["after_downgrade_refusal"]) == processes(upgrade["processes"]["after"])
