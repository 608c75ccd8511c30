"""release_checksums in-process: file:// URLs that exist or not, an HTTP server that answers
200 or 404, and a port nobody listens on; every URL is reported in order and nothing fails."""

import http.server
import socket
import threading

import pytest

from ansible_collections.kthw.control_plane.plugins.modules import release_checksums


@pytest.fixture
def server():
    """A local HTTP server holding /v1/SHA256SUMS and nothing else."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            found = self.path == "/v1/SHA256SUMS"
            self.send_response(200 if found else 404)
            self.end_headers()
            self.wfile.write(b"abc  etcd.tar.gz\n" if found else b"not found")

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_url_is_reported_in_order_and_only_the_unreadable_are_missing(tmp_path, server, run_module):
    present = tmp_path / "kube-apiserver.sha256"
    present.write_text("abc\n")
    urls = ["file://%s" % present, "file://%s" % (tmp_path / "kubectl.sha256"), server + "/v1/SHA256SUMS",
            server + "/v2/SHA256SUMS", "http://127.0.0.1:%d/v1/SHA256SUMS" % closed_port()]
    result = run_module(release_checksums, dict(urls=urls, timeout=5))
    assert not result.get("failed") and result["changed"] is False
    assert [r["url"] for r in result["results"]] == urls
    assert [r["fetched"] for r in result["results"]] == [True, False, True, False, False]
    assert [r["status"] for r in result["results"]][2:] == [200, 404, -1]
    assert result["missing"] == [r for r in result["results"] if not r["fetched"]]
    assert all(r["msg"] for r in result["missing"]) and not any(r["msg"] for r in result["results"] if r["fetched"])
    assert "No such file" in result["missing"][0]["msg"] or "kubectl.sha256" in result["missing"][0]["msg"]


def test_nothing_missing_when_every_file_is_there(tmp_path, run_module):
    (tmp_path / "SHA256SUMS").write_text("abc\n")
    result = run_module(release_checksums, dict(urls=["file://%s/SHA256SUMS" % tmp_path]))
    assert result["missing"] == [] and result["results"][0]["status"] == 200
