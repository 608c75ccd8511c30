"""Paths from discovery, and every way the apiserver can say no, turned into advice."""

import io
import os
import json
import socket
import ssl
from urllib.error import HTTPError, URLError

import pytest
import yaml

from ansible_collections.kthw.control_plane.plugins.doc_fragments.kube_api import ModuleDocFragment
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api import client as kube_client
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.client import (
    KUBE_API_ARGUMENT_SPEC, KubeClient, Resource, object_path, resources_of)
from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_apiserver import (
    FakeApiserver, make_tls)

RBAC = "rbac.authorization.k8s.io/v1"


@pytest.fixture
def fake():
    with FakeApiserver() as server:
        yield server


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    # cryptography is in the pinned toolchain: its absence is a broken set-up, not a skip.
    import cryptography  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("api_version, plural, name, namespace, path", [
    ("v1", "namespaces", "kube-system", None, "/api/v1/namespaces/kube-system"),
    ("v1", "secrets", "token", "kube-system", "/api/v1/namespaces/kube-system/secrets/token"),
    (RBAC, "clusterroles", "kthw:kube-apiserver-to-kubelet", None,
     "/apis/rbac.authorization.k8s.io/v1/clusterroles/kthw:kube-apiserver-to-kubelet"),
    (RBAC, "rolebindings", "system:controller:bootstrap-signer", "kube-public",
     "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings/system:controller:bootstrap-signer"),
    ("apps/v1", "deployments", "odd name", "ns", "/apis/apps/v1/namespaces/ns/deployments/odd%20name"),
])
def test_object_path(api_version, plural, name, namespace, path):
    assert object_path(api_version, plural, name, namespace) == path


def test_resources_of_leaves_subresources_out():
    listing = {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True},
                             {"name": "pods/status", "kind": "Pod", "namespaced": True},
                             {"name": "nodes", "kind": "Node", "namespaced": False},
                             {"name": "nodes/proxy", "kind": "NodeProxyOptions", "namespaced": False}]}
    assert resources_of(listing) == {"Pod": Resource("pods", True), "Node": Resource("nodes", False)}


@pytest.mark.parametrize("api_version, kind, expected, discovery_path", [
    ("v1", "Secret", Resource("secrets", True), "/api/v1"),
    ("v1", "Namespace", Resource("namespaces", False), "/api/v1"),
    (RBAC, "ClusterRole", Resource("clusterroles", False), "/apis/rbac.authorization.k8s.io/v1"),
    (RBAC, "RoleBinding", Resource("rolebindings", True), "/apis/rbac.authorization.k8s.io/v1"),
])
def test_discovery_finds_plural_and_scope(fake, api_version, kind, expected, discovery_path):
    assert KubeClient(fake.url).resource(api_version, kind) == expected
    assert [(r.method, r.path) for r in fake.requests] == [("GET", discovery_path)]


def test_discovery_is_asked_once_per_api_version(fake):
    client = KubeClient(fake.url)
    for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ClusterRole"):
        client.resource(RBAC, kind)
    client.resource("v1", "Secret")
    assert [r.path for r in fake.requests] == ["/apis/rbac.authorization.k8s.io/v1", "/api/v1"]


@pytest.mark.parametrize("api_version, kind, message", [
    ("rbac.authorization.k8s.io/v2", "ClusterRole", "apiVersion rbac.authorization.k8s.io/v2 is not served"),
    ("v2", "Pod", "apiVersion v2 is not served"),
    (RBAC, "ClusterRoles", "kind ClusterRoles is not served under apiVersion rbac.authorization.k8s.io/v1; it "
                           "serves ClusterRole, ClusterRoleBinding, Role, RoleBinding"),
])
def test_discovery_names_what_is_not_served(fake, api_version, kind, message):
    with pytest.raises(KubeApiError) as caught:
        KubeClient(fake.url).resource(api_version, kind)
    assert message in str(caught.value)


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                       "reason": reason, "message": message}).encode()


@pytest.mark.parametrize("code, reason, message, advice", [
    (401, "Unauthorized", "Unauthorized", "check client_cert/client_key"),
    (403, "Forbidden", 'clusterroles.rbac.authorization.k8s.io "x" is forbidden: User "nobody" cannot patch',
     "lacks this RBAC permission"),
    (404, "NotFound", 'namespaces "nope" not found', "metadata.namespace exists"),
    (409, "Conflict", 'Apply failed with 1 conflict: conflict with "kubectl" using rbac.authorization.k8s.io/v1',
     "set force_conflicts=true"),
    (415, "UnsupportedMediaType", "the body of the request was in an unknown format", "server-side apply"),
    (422, "Invalid", 'ClusterRole "x" is invalid: rules[0].verbs: Required value', "fix the definition"),
    (500, "InternalError", "etcdserver: request timed out", "check the apiserver's health and logs"),
])
def test_http_errors_carry_the_status_message_and_advice(monkeypatch, code, reason, message, advice):
    def refuse(url, **kwargs):
        raise HTTPError(url, code, reason, {}, io.BytesIO(status_body(code, reason, message)))

    monkeypatch.setattr(kube_client, "open_url", refuse)
    with pytest.raises(KubeApiError) as caught:
        KubeClient("https://127.0.0.1:6443").request("PATCH", "/apis/x/v1/things/x")
    text = str(caught.value)
    assert (caught.value.status_code, caught.value.reason) == (code, reason)
    assert message in text and advice in text
    assert text.startswith("PATCH /apis/x/v1/things/x: the apiserver answered %d %s" % (code, reason))


def test_http_error_without_a_status_body_keeps_the_text(monkeypatch):
    def refuse(url, **kwargs):
        raise HTTPError(url, 502, "Bad Gateway", {}, io.BytesIO(b"<html>upstream down</html>"))

    monkeypatch.setattr(kube_client, "open_url", refuse)
    with pytest.raises(KubeApiError) as caught:
        KubeClient("https://127.0.0.1:6443").request("GET", "/api/v1")
    assert caught.value.status_code == 502 and caught.value.reason is None
    assert "<html>upstream down</html>" in str(caught.value)


@pytest.mark.parametrize("raised, advice", [
    (URLError(ConnectionRefusedError(111, "Connection refused")),
     "connection to https://10.9.9.9:6443 refused: is the apiserver at https://10.9.9.9:6443 running?"),
    (URLError(ssl.SSLCertVerificationError(1, "certificate verify failed")), "check ca_path"),
    (URLError(ssl.SSLError(1, "tlsv13 alert certificate required")), "check ca_path, client_cert and client_key"),
    (URLError(socket.timeout("timed out")), "did not answer within 30 seconds"),
    (socket.timeout("The read operation timed out"), "did not answer within 30 seconds"),
    (URLError(socket.gaierror(-2, "Name or service not known")), "cannot resolve the host of api_url"),
    (ConnectionResetError(104, "Connection reset by peer"), "the connection to the apiserver"),
    (PermissionError(13, "Permission denied", "/etc/kubernetes/pki/admin.key"),
     "check ca_path, client_cert and client_key"),
])
def test_transport_errors_say_what_to_check(monkeypatch, raised, advice):
    def fail(url, **kwargs):
        raise raised

    monkeypatch.setattr(kube_client, "open_url", fail)
    with pytest.raises(KubeApiError) as caught:
        KubeClient("https://10.9.9.9:6443").request("GET", "/api/v1")
    assert advice in str(caught.value)
    assert caught.value.status_code is None


def test_request_passes_connection_settings_to_open_url(monkeypatch, tls):
    seen = {}

    class Answer(object):
        def read(self):
            return b'{"kind": "APIResourceList"}'

    def record(url, **kwargs):
        seen.update(kwargs, url=url)
        return Answer()

    monkeypatch.setattr(kube_client, "open_url", record)
    client = KubeClient("https://127.0.0.1:6443/", ca_path=tls["ca_cert"], client_cert=tls["admin_cert"],
                        client_key=tls["admin_key"], validate_certs=True, timeout=7)
    answer = client.request("PATCH", "/apis/a/v1/x/y", query=[("fieldManager", "m"), ("force", "false")],
                            body={"kind": "X"}, content_type="application/apply-patch+yaml")
    assert answer == {"kind": "APIResourceList"}
    assert seen["url"] == "https://127.0.0.1:6443/apis/a/v1/x/y?fieldManager=m&force=false"
    assert (seen["method"], seen["timeout"], seen["validate_certs"]) == ("PATCH", 7, True)
    assert (seen["ca_path"], seen["client_cert"], seen["client_key"]) == (
        tls["ca_cert"], tls["admin_cert"], tls["admin_key"])
    assert seen["headers"]["Content-Type"] == "application/apply-patch+yaml"
    assert json.loads(seen["data"]) == {"kind": "X"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(api_url="127.0.0.1:6443"), "api_url must be the apiserver's URL"),
    (dict(api_url="https://127.0.0.1:6443", client_key="/nonexistent/admin.key"),
     "client_key /nonexistent/admin.key does not exist"),
    (dict(api_url="https://127.0.0.1:6443", ca_path="/nonexistent/ca.crt"), "ca_path /nonexistent/ca.crt does not"),
])
def test_client_refuses_bad_settings_before_any_request(kwargs, message):
    with pytest.raises(KubeApiError) as caught:
        KubeClient(**kwargs)
    assert message in str(caught.value)


def test_connection_refused_on_a_closed_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    url = "http://127.0.0.1:%d" % port
    with pytest.raises(KubeApiError) as caught:
        KubeClient(url, timeout=5).request("GET", "/api/v1")
    assert "is the apiserver at %s running?" % url in str(caught.value)


def test_client_certificate_over_tls_is_the_user(tls):
    with FakeApiserver(tls=tls) as server:
        client = KubeClient(server.url, ca_path=tls["ca_cert"], client_cert=tls["admin_cert"],
                            client_key=tls["admin_key"], timeout=10)
        assert client.resource(RBAC, "ClusterRole") == Resource("clusterroles", False)
    assert [r.user for r in server.requests] == ["admin"]


def test_no_client_certificate_is_401_with_advice(tls):
    with FakeApiserver(tls=tls) as server:
        with pytest.raises(KubeApiError) as caught:
            KubeClient(server.url, ca_path=tls["ca_cert"], timeout=10).request("GET", "/api/v1")
    assert caught.value.status_code == 401
    assert "check client_cert/client_key" in str(caught.value)


def test_forbidden_user_gets_the_rbac_message(tls):
    with FakeApiserver(tls=tls, forbidden_users=["nobody"]) as server:
        client = KubeClient(server.url, ca_path=tls["ca_cert"], client_cert=tls["nobody_cert"],
                            client_key=tls["nobody_key"], timeout=10)
        with pytest.raises(KubeApiError) as caught:
            client.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x")
    assert caught.value.status_code == 403
    assert 'User "nobody" cannot get resource "clusterroles"' in str(caught.value)
    assert "lacks this RBAC permission" in str(caught.value)


def test_a_server_certificate_from_another_ca_points_at_ca_path(tls):
    with FakeApiserver(tls=tls) as server:
        client = KubeClient(server.url, ca_path=tls["other_ca_cert"], client_cert=tls["admin_cert"],
                            client_key=tls["admin_key"], timeout=10)
        with pytest.raises(KubeApiError) as caught:
            client.request("GET", "/api/v1")
        assert server.requests == [], "nothing reached the server"
    assert "did not verify" in str(caught.value) and "check ca_path" in str(caught.value)


def test_validate_certs_false_skips_server_verification(tls):
    with FakeApiserver(tls=tls) as server:
        client = KubeClient(server.url, client_cert=tls["admin_cert"], client_key=tls["admin_key"],
                            validate_certs=False, timeout=10)
        assert client.request("GET", "/api/v1")["kind"] == "APIResourceList"


def test_argument_spec_matches_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert sorted(documented) == sorted(KUBE_API_ARGUMENT_SPEC)
    for name, spec in KUBE_API_ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert bool(doc.get("required")) == bool(spec.get("required")), name


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_credentials_given_as_data_authenticate_and_leave_nothing_behind(tls):
    with FakeApiserver(tls=tls) as server:
        with KubeClient(server.url, ca_data=_read(tls["ca_cert"]), client_cert_data=_read(tls["admin_cert"]),
                        client_key_data=_read(tls["admin_key"]), timeout=10) as client:
            scratch = os.path.dirname(client.client_key)
            # Held privately for the run: a 0700 folder, 0600 files.
            assert os.stat(scratch).st_mode & 0o777 == 0o700
            assert all(os.stat(os.path.join(scratch, name)).st_mode & 0o777 == 0o600 for name in os.listdir(scratch))
            assert client.resource(RBAC, "ClusterRole") == Resource("clusterroles", False)
        assert not os.path.exists(scratch)
    assert [r.user for r in server.requests] == ["admin"]


def test_data_and_paths_mix_and_the_scratch_goes_even_on_failure(tls):
    with pytest.raises(KubeApiError):
        with KubeClient("https://127.0.0.1:1", ca_path=tls["ca_cert"], client_cert=tls["admin_cert"],
                        client_key_data=_read(tls["admin_key"]), timeout=2) as client:
            scratch = os.path.dirname(client.client_key)
            assert client.client_cert == tls["admin_cert"] and client.ca_path == tls["ca_cert"]
            client.request("GET", "/api/v1")
    assert not os.path.exists(scratch)


def test_paths_alone_make_no_scratch_folder(tls):
    client = KubeClient("https://127.0.0.1:6443", ca_path=tls["ca_cert"], client_cert=tls["admin_cert"],
                        client_key=tls["admin_key"])
    assert client.client_key == tls["admin_key"]
    client.close()
