"""kube_secrets_readable: every Secret is listed through each apiserver, page by page; an apiserver whose list
fails (a Secret it cannot decrypt) or that counts differently is named."""

import pytest

from ansible_collections.kthw.control_plane.plugins.module_utils._kube_api.errors import KubeApiError
from ansible_collections.kthw.control_plane.plugins.modules import kube_secrets_readable as module


class Apiserver(object):
    """Serves count Secrets in pages, or fails with error."""

    def __init__(self, count, error=None):
        self.count, self.error, self.pages = count, error, []

    def request(self, method, path, query=None):
        assert (method, path) == ("GET", "/api/v1/secrets")
        if self.error:
            raise KubeApiError(self.error)
        self.pages.append(dict(query))
        start = int(query.get("continue", 0))
        end = min(start + int(query["limit"]), self.count)
        return {"items": [{}] * (end - start), "metadata": {"continue": str(end) if end < self.count else ""}}


def test_every_page_is_read():
    apiserver = Apiserver(7)
    assert module.count_secrets(apiserver, 3) == 7
    assert [page.get("continue") for page in apiserver.pages] == [None, "3", "6"]


def test_the_apiservers_agree_on_the_count():
    clients = {"https://a:6443": Apiserver(5), "https://b:6443": Apiserver(5)}
    assert module.read_everywhere(clients, 2) == 5


def test_an_apiserver_that_cannot_decrypt_is_named():
    clients = {"https://a:6443": Apiserver(5),
               "https://b:6443": Apiserver(5, error="GET /api/v1/secrets: 500 Internal Error: unable to transform key")}
    with pytest.raises(KubeApiError, match=r"failed on https://b:6443 \(.*unable to transform key\).*encryption"):
        module.read_everywhere(clients, 2)


def test_apiservers_that_count_differently_are_named():
    clients = {"https://a:6443": Apiserver(5), "https://b:6443": Apiserver(4)}
    with pytest.raises(KubeApiError, match="https://a:6443 5, https://b:6443 4"):
        module.read_everywhere(clients, 2)
