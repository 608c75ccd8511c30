"""The kube_apply module end to end, over TLS with client certificates, against the fake apiserver."""

import json
import socket

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.doc_fragments.kube_api import ModuleDocFragment
from ansible_collections.kthw.control_plane.plugins.modules import kube_apply
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_apiserver import (
    FakeApiserver, make_tls)

RBAC = "rbac.authorization.k8s.io/v1"

# What roles/rbac_bootstrap renders: two documents, cluster-scoped.
BOOTSTRAP = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kthw:kube-apiserver-to-kubelet
  labels:
    app.kubernetes.io/managed-by: kthw.control_plane
rules:
  - apiGroups: [""]
    resources: [nodes/proxy, nodes/stats, nodes/log, nodes/spec, nodes/metrics]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kthw:kube-apiserver-to-kubelet
  labels:
    app.kubernetes.io/managed-by: kthw.control_plane
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kthw:kube-apiserver-to-kubelet
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: kube-apiserver-kubelet-client
"""


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    # cryptography is in the pinned toolchain: its absence is a broken set-up, not a skip.
    import cryptography  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def apiserver(tls):
    with FakeApiserver(tls=tls, forbidden_users=["nobody"]) as server:
        yield server


def connection(server, tls, user="admin"):
    return dict(api_url=server.url, ca_path=tls["ca_cert"], client_cert=tls["%s_cert" % user],
                client_key=tls["%s_key" % user], timeout=10)


def role(server):
    return server.get(RBAC, "clusterroles", "kthw:kube-apiserver-to-kubelet")


def test_documentation_matches_the_argument_spec(monkeypatch):
    captured = {}

    class Captured(Exception):
        pass

    def capture(**kwargs):
        captured.update(kwargs)
        raise Captured()

    monkeypatch.setattr(kube_apply, "AnsibleModule", capture)
    with pytest.raises(Captured):
        kube_apply.main()
    spec = captured["argument_spec"]
    documentation = yaml.safe_load(kube_apply.DOCUMENTATION)
    assert documentation["extends_documentation_fragment"] == ["kthw.control_plane.kube_api"]
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"], **documentation["options"])
    assert sorted(options) == sorted(spec)
    for name, option in spec.items():
        doc = options[name]
        assert doc["type"] == option["type"], name
        assert doc.get("default") == option.get("default"), name
        assert bool(doc.get("required")) == bool(option.get("required")), name
        assert doc.get("choices") == option.get("choices"), name
    assert captured["supports_check_mode"] is True
    yaml.safe_load(kube_apply.EXAMPLES)
    yaml.safe_load(kube_apply.RETURN)


def test_bootstrap_objects_are_created_then_unchanged(run_module, apiserver, tls):
    args = dict(connection(apiserver, tls), definition=BOOTSTRAP)
    first = run_module(kube_apply, args)
    assert first["changed"] is True
    assert [(r["kind"], r["method"]) for r in first["results"]] == [
        ("ClusterRole", "created"), ("ClusterRoleBinding", "created")]
    assert {r.user for r in apiserver.requests} == {"admin"}
    identity = (role(apiserver)["metadata"]["uid"], role(apiserver)["metadata"]["resourceVersion"])

    second = run_module(kube_apply, args)
    assert second["changed"] is False
    assert [r["method"] for r in second["results"]] == ["unchanged", "unchanged"]
    assert (role(apiserver)["metadata"]["uid"], role(apiserver)["metadata"]["resourceVersion"]) == identity
    assert second["results"][0]["object"]["rules"][0]["verbs"] == ["*"]


def test_check_mode_reports_a_rule_change_with_a_diff_and_changes_nothing(run_module, apiserver, tls):
    run_module(kube_apply, dict(connection(apiserver, tls), definition=BOOTSTRAP))
    kept = json.dumps(role(apiserver), sort_keys=True)
    changed = BOOTSTRAP.replace("nodes/metrics]", "nodes/metrics, nodes/configz]")
    sent = len(apiserver.requests)

    result = run_module(kube_apply, dict(connection(apiserver, tls), definition=changed), check_mode=True, diff=True)
    assert result["changed"] is True
    assert [r["method"] for r in result["results"]] == ["updated", "unchanged"]
    assert json.dumps(role(apiserver), sort_keys=True) == kept
    patches = [r for r in apiserver.requests[sent:] if r.method == "PATCH"]
    assert len(patches) == 2 and all(r.query["dryRun"] == ["All"] for r in patches)
    diff, = result["diff"]
    assert "nodes/configz" in diff["after"]["rules"][0]["resources"]
    assert "nodes/configz" not in diff["before"]["rules"][0]["resources"]


def test_absent_deletes_once(run_module, apiserver, tls):
    run_module(kube_apply, dict(connection(apiserver, tls), definition=BOOTSTRAP))
    args = dict(connection(apiserver, tls), definition=BOOTSTRAP, state="absent")
    first = run_module(kube_apply, args)
    assert [r["method"] for r in first["results"]] == ["deleted", "deleted"] and first["changed"] is True
    assert apiserver.store == {}
    second = run_module(kube_apply, args)
    assert [r["method"] for r in second["results"]] == ["absent", "absent"] and second["changed"] is False


def test_forbidden_user_fails_with_the_rbac_message(run_module, apiserver, tls):
    result = run_module(kube_apply, dict(connection(apiserver, tls, user="nobody"), definition=BOOTSTRAP))
    assert result["failed"] is True and result["changed"] is False
    assert (result["status_code"], result["reason"]) == (403, "Forbidden")
    assert 'User "nobody" cannot' in result["msg"] and "RBAC permission" in result["msg"]


def test_missing_client_certificate_fails_with_401_advice(run_module, apiserver, tls):
    result = run_module(kube_apply, dict(api_url=apiserver.url, ca_path=tls["ca_cert"], timeout=10,
                                         definition=BOOTSTRAP))
    assert result["failed"] is True and result["status_code"] == 401
    assert "check client_cert/client_key" in result["msg"]


def test_stopped_apiserver_fails_with_connection_advice(run_module, tls):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = "https://127.0.0.1:%d" % listener.getsockname()[1]
    listener.close()
    result = run_module(kube_apply, dict(api_url=url, ca_path=tls["ca_cert"], client_cert=tls["admin_cert"],
                                         client_key=tls["admin_key"], timeout=5, definition=BOOTSTRAP))
    assert result["failed"] is True
    assert "is the apiserver at %s running?" % url in result["msg"]


def test_a_failure_after_the_first_object_reports_what_was_done(run_module, apiserver, tls):
    broken = BOOTSTRAP + "---\n" + BOOTSTRAP.split("---", maxsplit=1)[0].replace('verbs: ["*"]', "verbs: []").replace(
        "name: kthw:kube-apiserver-to-kubelet", "name: kthw:broken", 1)
    result = run_module(kube_apply, dict(connection(apiserver, tls), definition=broken))
    assert result["failed"] is True and result["changed"] is True and result["status_code"] == 422
    assert [r["method"] for r in result["results"]] == ["created", "created"]


def test_bad_definition_fails_before_any_request(run_module, apiserver, tls):
    result = run_module(kube_apply, dict(connection(apiserver, tls), definition={"kind": "ClusterRole"}))
    assert result["failed"] is True
    assert "definition document 1 has no apiVersion" in result["msg"]
    assert apiserver.requests == []


def test_secret_values_never_reach_the_output(run_module, apiserver, tls):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token", "namespace": "kube-system"},
              "stringData": {"password": "s3cr3t-value"}, "data": {"token": "dG9rZW4tdmFsdWU="}}
    result = run_module(kube_apply, dict(connection(apiserver, tls), definition=[secret]), diff=True)
    assert result["results"][0]["method"] == "created"
    text = json.dumps(result)
    assert "s3cr3t-value" not in text and "dG9rZW4tdmFsdWU=" not in text
    assert result["results"][0]["object"]["data"]["token"] == "<redacted>"
    stored = apiserver.get("v1", "secrets", "token", "kube-system")
    assert stored["data"]["token"] == "dG9rZW4tdmFsdWU="


def test_failures_without_an_answer_carry_no_status(run_module, apiserver, tls):
    result = run_module(kube_apply, dict(connection(apiserver, tls), definition=dict(
        apiVersion="example.com/v1", kind="Widget", metadata=dict(name="w"))))
    assert result["failed"] is True and "apiVersion example.com/v1 is not served" in result["msg"]
    assert result["status_code"] == 404
    result = run_module(kube_apply, dict(connection(apiserver, tls), definition="kind: [broken"))
    assert "status_code" not in result and "reason" not in result
