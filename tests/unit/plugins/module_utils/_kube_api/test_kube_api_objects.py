"""Reading definitions, deciding what changed, and hiding Secret values."""

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api import objects
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError

ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "kthw:kube-apiserver-to-kubelet", "labels": {"app.kubernetes.io/managed-by": "kthw"}},
    "rules": [{"apiGroups": [""], "resources": ["nodes/proxy", "nodes/stats"], "verbs": ["*"]}],
}

MULTI = """
# leading comment, then an empty document
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kthw:a
rules: []
---
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kthw:b
  namespace: kube-system
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kthw:a}
"""


def served(obj, **metadata):
    """The object as the apiserver would answer it: with the metadata it adds."""
    result = dict(obj)
    result["metadata"] = dict(obj["metadata"], uid="u-1", creationTimestamp="2026-01-01T00:00:00Z", **metadata)
    return result


@pytest.mark.parametrize("definition, names", [
    (ROLE, ["kthw:kube-apiserver-to-kubelet"]),
    ([ROLE, dict(ROLE, metadata={"name": "second"})], ["kthw:kube-apiserver-to-kubelet", "second"]),
    (MULTI, ["kthw:a", "kthw:b"]),
    ({"apiVersion": "v1", "kind": "List", "items": [ROLE, dict(ROLE, metadata={"name": "x"})]},
     ["kthw:kube-apiserver-to-kubelet", "x"]),
    ([None, ROLE], ["kthw:kube-apiserver-to-kubelet"]),
])
def test_definitions_in_every_shape(definition, names):
    assert [obj["metadata"]["name"] for obj in objects.load_definitions(definition)] == names


def test_multi_document_string_keeps_namespace_and_order():
    loaded = objects.load_definitions(MULTI)
    assert [objects.identity(obj) for obj in loaded] == [
        ("rbac.authorization.k8s.io/v1", "ClusterRole", None, "kthw:a"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "kube-system", "kthw:b"),
    ]


@pytest.mark.parametrize("definition, message", [
    ({"kind": "ClusterRole", "metadata": {"name": "x"}}, "definition document 1 has no apiVersion"),
    ({"apiVersion": "v1", "metadata": {"name": "x"}}, "definition document 1 has no kind"),
    ([ROLE, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}],
     "definition document 2 (ConfigMap) has no metadata.name"),
    ({"apiVersion": "v1", "kind": "ConfigMap"}, "has no metadata.name"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": ""}},
     "metadata.namespace must be a non-empty string"),
    ("- just\n- a list\n", "definition document 1 is a list, not an object"),
    ("kind: [unclosed\n", "definition is not valid YAML"),
    ("---\n---\n", "definition holds no object"),
    ([], "definition holds no object"),
    (42, "definition must be a dict, a list of dicts or a YAML string, not int"),
])
def test_bad_definitions_say_what_is_wrong(definition, message):
    with pytest.raises(KubeApiError) as caught:
        objects.load_definitions(definition)
    assert message in str(caught.value)
    assert caught.value.status_code is None


@pytest.mark.parametrize("case, after, expected", [
    ("same object", served(ROLE), False),
    ("new resourceVersion", served(ROLE, resourceVersion="900"), False),
    ("new generation", served(ROLE, generation=7), False),
    ("new managedFields", served(ROLE, managedFields=[{"manager": "kthw.control_plane", "operation": "Apply"}]),
     False),
    ("status written by a controller", dict(served(ROLE), status={"observed": 3}), False),
    ("one more resource in a rule",
     served(dict(ROLE, rules=[dict(ROLE["rules"][0], resources=["nodes/proxy", "nodes/stats", "nodes/log"])])), True),
    ("verbs narrowed", served(dict(ROLE, rules=[dict(ROLE["rules"][0], verbs=["get"])])), True),
    ("label changed", served(dict(ROLE, metadata=dict(ROLE["metadata"], labels={"other": "x"}))), True),
    ("annotation added", served(dict(ROLE, metadata=dict(ROLE["metadata"], annotations={"a": "b"}))), True),
    ("different uid: recreated", dict(served(ROLE), metadata=dict(served(ROLE)["metadata"], uid="u-2")), True),
])
def test_changed_ignores_only_volatile_fields(case, after, expected):
    before = served(ROLE, resourceVersion="100", generation=1, managedFields=[{"manager": "kubectl"}])
    assert objects.changed(before, after) is expected, case


def test_stripped_drops_volatile_fields_and_the_named_extras_only():
    obj = served(ROLE, resourceVersion="1", generation=2, managedFields=[{}])
    assert objects.stripped(obj)["metadata"] == dict(ROLE["metadata"], uid="u-1",
                                                     creationTimestamp="2026-01-01T00:00:00Z")
    assert objects.stripped(obj, objects.DRY_RUN_CREATE_METADATA)["metadata"] == ROLE["metadata"]
    assert obj["metadata"]["resourceVersion"] == "1", "the original is left alone"
    assert objects.stripped(None) is None


SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {
    "name": "token", "namespace": "kube-system",
    "annotations": {objects.LAST_APPLIED: '{"data":{"token":"c2VjcmV0"}}', "keep": "me"}},
    "data": {"token": "c2VjcmV0", "ca.crt": "Q0E="}, "stringData": {"password": "hunter2"}}


def test_secret_values_are_redacted_everywhere():
    shown = objects.redacted(SECRET)
    assert shown["data"] == {"token": objects.REDACTED, "ca.crt": objects.REDACTED}
    assert shown["stringData"] == {"password": objects.REDACTED}
    assert shown["metadata"]["annotations"] == {objects.LAST_APPLIED: objects.REDACTED, "keep": "me"}
    assert "c2VjcmV0" not in repr(shown) and "hunter2" not in repr(shown)
    assert SECRET["data"]["token"] == "c2VjcmV0", "the original is left alone"


def test_redacted_secret_marks_the_keys_that_changed():
    after = dict(SECRET, data={"token": "bmV3", "ca.crt": "Q0E="})
    shown = objects.redacted(after, compare_to=SECRET)
    assert shown["data"] == {"token": objects.REDACTED_CHANGED, "ca.crt": objects.REDACTED}


@pytest.mark.parametrize("obj", [ROLE, {"apiVersion": "example.com/v1", "kind": "Secret", "metadata": {"name": "x"},
                                        "data": {"visible": "yes"}}, None])
def test_other_objects_are_not_redacted(obj):
    assert objects.redacted(obj) == obj


def test_secret_values_collects_data_and_string_data_of_secrets_only():
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "public"}}
    assert objects.secret_values([SECRET, config_map, ROLE]) == {"c2VjcmV0", "Q0E=", "hunter2"}
