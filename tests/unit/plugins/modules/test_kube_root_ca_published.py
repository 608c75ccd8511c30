"""kube_root_ca_published: waits until every namespace's kube-root-ca.crt holds exactly the wanted CAs, as
every apiserver sees it, and names the namespaces that do not when it gives up."""

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.modules import kube_root_ca_published as module
from ansible_collections.kthw.control_plane.tests.unit.plugins.module_utils._kube_api.fake_clock import Clock

OLD = "-----BEGIN CERTIFICATE-----\nb2xk\n-----END CERTIFICATE-----\n"
NEW = "-----BEGIN CERTIFICATE-----\nbmV3\n-----END CERTIFICATE-----\n"


class Apiserver(object):
    """Answers the two lists the module asks for; each survey can change what it holds."""

    def __init__(self, rounds):
        self.rounds = list(rounds)

    def request(self, method, path, query=None):
        held = self.rounds[0]
        # A survey reads the namespaces, then the ConfigMaps: the next survey sees the next round.
        if path == "/api/v1/configmaps" and len(self.rounds) > 1:
            self.rounds.pop(0)
        if isinstance(held, Exception):
            raise held
        if path == "/api/v1/namespaces":
            return {"items": [{"metadata": {"name": ns}} for ns in sorted(held)]}
        assert query == {"fieldSelector": "metadata.name=kube-root-ca.crt"}
        return {"items": [{"metadata": {"namespace": ns}, "data": {"ca.crt": pem}}
                          for ns, pem in sorted(held.items()) if pem is not None]}


def test_the_same_certificates_in_another_layout_match():
    assert module.certificate_set(NEW) == module.certificate_set(NEW.replace("\n", "\r\n") + "\n")
    assert module.certificate_set(OLD + NEW) == module.certificate_set(NEW + OLD)


def test_a_bundle_missing_configmap_or_old_ca_is_named():
    configmaps = [{"metadata": {"namespace": "a"}, "data": {"ca.crt": NEW}},
                  {"metadata": {"namespace": "b"}, "data": {"ca.crt": OLD + NEW}},
                  {"metadata": {"namespace": "c"}, "data": {"ca.crt": OLD}}]
    assert module.mismatched_namespaces(configmaps, ["a", "b", "c", "d"], module.certificate_set(NEW)) == ["b", "c", "d"]


def test_waits_until_every_apiserver_sees_the_new_ca_alone():
    clock = Clock()
    both = {"default": OLD + NEW, "kube-system": NEW}
    clients = {"https://a:6443": Apiserver([both, both, {"default": NEW, "kube-system": NEW}]),
               "https://b:6443": Apiserver([{"default": NEW, "kube-system": NEW}])}
    count, waited = module.wait_published(clients, module.certificate_set(NEW), 60, sleep=clock.sleep, clock=clock)
    assert count == 2 and waited == 4.0 and clock.slept == [2, 2]


def test_gives_up_naming_the_namespaces_and_the_unreachable_apiserver():
    clock = Clock()
    clients = {"https://a:6443": Apiserver([{"default": OLD + NEW, "kube-system": NEW, "new-ns": None}]),
               "https://b:6443": Apiserver([KubeApiError("connection refused")])}
    with pytest.raises(KubeApiError) as err:
        module.wait_published(clients, module.certificate_set(NEW), 10, sleep=clock.sleep, clock=clock)
    message = str(err.value)
    assert "https://a:6443 sees default, new-ns" in message
    assert "https://b:6443 sees (connection refused)" in message
    assert clock.now > 10
