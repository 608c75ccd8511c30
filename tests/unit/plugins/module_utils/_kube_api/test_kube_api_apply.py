"""Server-side apply and delete against the fake apiserver: changed means really changed."""

import copy
import json

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.apply import KubeApply, decide
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import KubeClient
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.objects import (
    REDACTED, REDACTED_CHANGED)
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_apiserver import (
    FakeApiserver)

RBAC = "rbac.authorization.k8s.io/v1"
ROLE_PATH = "/apis/rbac.authorization.k8s.io/v1/clusterroles/kthw:kube-apiserver-to-kubelet"


def cluster_role(verbs=("*",)):
    return {"apiVersion": RBAC, "kind": "ClusterRole",
            "metadata": {"name": "kthw:kube-apiserver-to-kubelet", "labels": {"app.kubernetes.io/managed-by": "kthw"}},
            "rules": [{"apiGroups": [""], "resources": ["nodes/proxy", "nodes/stats"], "verbs": list(verbs)}]}


def role_binding(namespace="kube-system"):
    metadata = {"name": "kthw:reader"}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "ops"}]}


@pytest.fixture
def fake():
    with FakeApiserver() as server:
        yield server


def apply(fake, objects, state="present", **kwargs):
    applier = KubeApply(KubeClient(fake.url, timeout=10), **kwargs)
    return applier.run(copy.deepcopy(objects), state)


def stored_role(fake):
    return fake.get(RBAC, "clusterroles", "kthw:kube-apiserver-to-kubelet")


@pytest.mark.parametrize("state, before, after, method", [
    ("present", None, {"a": 1}, "created"),
    ("present", {"metadata": {"resourceVersion": "1"}, "a": 1}, {"metadata": {"resourceVersion": "2"}, "a": 1},
     "unchanged"),
    ("present", {"metadata": {}, "a": 1}, {"metadata": {}, "a": 2}, "updated"),
    ("absent", None, None, "absent"),
    ("absent", {"metadata": {}}, None, "deleted"),
])
def test_decide(state, before, after, method):
    assert decide(state, before, after) == method


def test_create_then_unchanged_with_the_same_object_identity(fake):
    first = apply(fake, [cluster_role()])
    assert first["changed"] is True
    assert [(r["method"], r["changed"]) for r in first["results"]] == [("created", True)]
    version, uid = stored_role(fake)["metadata"]["resourceVersion"], stored_role(fake)["metadata"]["uid"]

    second = apply(fake, [cluster_role()])
    assert second["changed"] is False
    assert second["results"][0]["method"] == "unchanged"
    assert stored_role(fake)["metadata"]["resourceVersion"] == version
    assert stored_role(fake)["metadata"]["uid"] == uid


def test_apply_request_is_server_side_apply_with_the_fixed_field_manager(fake):
    apply(fake, [cluster_role()])
    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert len(patches) == 1
    assert patches[0].path == ROLE_PATH
    assert patches[0].content_type == "application/apply-patch+yaml"
    assert patches[0].query == {"fieldManager": ["kthw.control_plane"], "force": ["false"]}
    assert json.loads(patches[0].body) == cluster_role()
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/apis/rbac.authorization.k8s.io/v1"), ("GET", ROLE_PATH), ("PATCH", ROLE_PATH)]


def test_a_real_rule_change_is_an_update(fake):
    apply(fake, [cluster_role()])
    result = apply(fake, [cluster_role(verbs=["get", "list"])])
    assert (result["changed"], result["results"][0]["method"]) == (True, "updated")
    assert stored_role(fake)["rules"][0]["verbs"] == ["get", "list"]
    assert result["results"][0]["object"]["rules"][0]["verbs"] == ["get", "list"]


def test_taking_over_an_identical_object_is_not_a_change(fake):
    """kubectl created it; our apply adds our manager and a resourceVersion, but no content."""
    fake.put(cluster_role(), manager="kubectl-client-side-apply")
    old_version = stored_role(fake)["metadata"]["resourceVersion"]
    result = apply(fake, [cluster_role()])
    assert stored_role(fake)["metadata"]["resourceVersion"] != old_version, "the fake did write"
    assert (result["changed"], result["results"][0]["method"]) == (False, "unchanged")


def test_returned_object_has_no_volatile_fields(fake):
    obj = apply(fake, [cluster_role()])["results"][0]["object"]
    assert not {"resourceVersion", "managedFields", "generation"} & set(obj["metadata"])
    assert obj["metadata"]["uid"] and obj["metadata"]["creationTimestamp"]


def test_check_mode_create_is_a_dry_run_that_reports_a_change(fake):
    result = apply(fake, [cluster_role()], check_mode=True, diff=True)
    assert (result["changed"], result["results"][0]["method"]) == (True, "created")
    assert stored_role(fake) is None
    patch, = fake.mutations()
    assert patch.query["dryRun"] == ["All"]
    obj = result["results"][0]["object"]
    assert "uid" not in obj["metadata"] and "creationTimestamp" not in obj["metadata"], "invented by the dry run"
    diff, = result["diff"]
    assert diff["before"] == {} and diff["after"]["rules"] == cluster_role()["rules"]
    assert diff["before_header"] == "ClusterRole kthw:kube-apiserver-to-kubelet"


def test_check_mode_update_reports_the_change_and_keeps_the_object(fake):
    apply(fake, [cluster_role()])
    kept = copy.deepcopy(stored_role(fake))
    result = apply(fake, [cluster_role(verbs=["get"])], check_mode=True, diff=True)
    assert (result["changed"], result["results"][0]["method"]) == (True, "updated")
    assert stored_role(fake) == kept
    assert all(r.query.get("dryRun") == ["All"] for r in fake.mutations()[1:])
    diff, = result["diff"]
    assert diff["before"]["rules"][0]["verbs"] == ["*"] and diff["after"]["rules"][0]["verbs"] == ["get"]
    assert diff["before"]["metadata"]["uid"] == diff["after"]["metadata"]["uid"]


def test_check_mode_agrees_with_the_real_run(fake):
    apply(fake, [cluster_role()])
    same = apply(fake, [cluster_role()], check_mode=True)
    assert same["changed"] is False and same["results"][0]["method"] == "unchanged"


def test_unchanged_objects_have_no_diff_entry(fake):
    apply(fake, [cluster_role()])
    result = apply(fake, [cluster_role(), role_binding()], diff=True)
    assert [d["after_header"] for d in result["diff"]] == ["RoleBinding kube-system/kthw:reader"]


def test_namespaced_objects_go_under_their_namespace(fake):
    result = apply(fake, [role_binding()])
    assert result["results"][0]["namespace"] == "kube-system"
    assert fake.get(RBAC, "rolebindings", "kthw:reader", "kube-system") is not None
    assert fake.mutations()[0].path == "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/kthw:reader"


@pytest.mark.parametrize("bad, message", [
    (role_binding(namespace=None), "RoleBinding kthw:reader is namespaced: set metadata.namespace"),
    (dict(cluster_role(), metadata={"name": "x", "namespace": "default"}),
     "ClusterRole x is cluster-scoped: remove metadata.namespace"),
    (dict(cluster_role(), kind="ClusterRol"), "kind ClusterRol is not served"),
])
def test_a_bad_later_document_changes_nothing(fake, bad, message):
    with pytest.raises(KubeApiError) as caught:
        apply(fake, [cluster_role(), bad])
    assert message in str(caught.value)
    assert fake.mutations() == [] and stored_role(fake) is None


def test_absent_object_is_not_deleted(fake):
    result = apply(fake, [cluster_role()], state="absent")
    assert (result["changed"], result["results"][0]["method"]) == (False, "absent")
    assert result["results"][0]["object"] is None
    assert fake.mutations() == []


def test_absent_deletes_and_returns_what_was_there(fake):
    apply(fake, [cluster_role()])
    result = apply(fake, [cluster_role()], state="absent", diff=True)
    assert (result["changed"], result["results"][0]["method"]) == (True, "deleted")
    assert result["results"][0]["object"]["rules"] == cluster_role()["rules"]
    assert stored_role(fake) is None
    assert result["diff"][0]["after"] == {}


def test_absent_in_check_mode_is_a_dry_run_delete(fake):
    apply(fake, [cluster_role()])
    result = apply(fake, [cluster_role()], state="absent", check_mode=True)
    assert (result["changed"], result["results"][0]["method"]) == (True, "deleted")
    assert stored_role(fake) is not None
    delete = fake.mutations()[-1]
    assert (delete.method, delete.query) == ("DELETE", {"dryRun": ["All"]})


def test_conflict_names_force_conflicts_and_force_takes_over(fake):
    fake.put(cluster_role(), manager="kubectl")
    with pytest.raises(KubeApiError) as caught:
        apply(fake, [cluster_role(verbs=["get"])])
    assert caught.value.status_code == 409
    assert 'conflict with "kubectl"' in str(caught.value) and "force_conflicts=true" in str(caught.value)

    result = apply(fake, [cluster_role(verbs=["get"])], force_conflicts=True)
    assert result["results"][0]["method"] == "updated"
    assert fake.mutations()[-1].query["force"] == ["true"]


def test_invalid_object_is_422_with_the_field(fake):
    with pytest.raises(KubeApiError) as caught:
        apply(fake, [cluster_role(verbs=[])])
    assert caught.value.status_code == 422
    assert "rules[0].verbs: Required value" in str(caught.value) and "fix the definition" in str(caught.value)


def test_results_so_far_survive_a_later_failure(fake):
    applier = KubeApply(KubeClient(fake.url, timeout=10))
    with pytest.raises(KubeApiError):
        applier.run([cluster_role(), dict(cluster_role(verbs=[]), metadata={"name": "broken"})])
    assert [(r["name"], r["method"]) for r in applier.results] == [("kthw:kube-apiserver-to-kubelet", "created")]
    assert applier.changed is True


def secret(token):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token", "namespace": "kube-system"},
            "type": "Opaque", "data": {"token": token, "unchanged": "c2FtZQ=="}}


def test_secret_values_are_redacted_in_results_and_diffs(fake):
    first = apply(fake, [secret("b2xk")], diff=True)
    second = apply(fake, [secret("bmV3")], diff=True)
    for result in (first, second):
        text = json.dumps(result)
        assert "b2xk" not in text and "bmV3" not in text and "c2FtZQ==" not in text
    assert second["results"][0]["method"] == "updated"
    assert second["results"][0]["object"]["data"] == {"token": REDACTED, "unchanged": REDACTED}
    diff, = second["diff"]
    assert diff["before"]["data"] == {"token": REDACTED, "unchanged": REDACTED}
    assert diff["after"]["data"] == {"token": REDACTED_CHANGED, "unchanged": REDACTED}
    assert fake.get("v1", "secrets", "token", "kube-system")["data"]["token"] == "bmV3", "the real value was sent"
