"""The filter behind preflight's version-skew check: both rule sets, the preflight's own etcd
table, and a clear error for input that is not a node-to-releases mapping."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.release_skew_refusals import release_skew_refusals
from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import load

HELD = {"cp1": {"etcd": {"version": "3.6.5"}, "kube-apiserver": {"version": "1.35.4"}}, "lb": {}}


def test_kubernetes_and_etcd_refusals_come_together():
    minimums = load("roles", "preflight", "vars", "main.yml")["__preflight_etcd_upgrade_minimums"]
    assert minimums == {"3.7": "3.6.11"}
    refusals = release_skew_refusals(HELD, "1.37.2", "3.7.0", etcd_minimums=minimums)
    assert [refusal.split(":")[0] for refusal in refusals] == ["cp1 runs kube-apiserver 1.35.4", "cp1 runs etcd 3.6.5"]


def test_a_cluster_on_the_pinned_releases_may_run():
    held = {"cp1": {"etcd": {"version": "3.7.0"}, "kube-apiserver": {"version": "1.37.2"}}}
    assert release_skew_refusals(held, "1.37.2", "3.7.0", etcd_minimums={"3.7": "3.6.11"}) == []


@pytest.mark.parametrize("held, kubernetes", [(["cp1"], "1.37.2"), (HELD, "1.37")])
def test_bad_input_is_named(held, kubernetes):
    with pytest.raises(AnsibleFilterError, match="release_skew_refusals"):
        release_skew_refusals(held, kubernetes, "3.7.0")
