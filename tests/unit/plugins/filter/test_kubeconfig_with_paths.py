# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kthw.control_plane.plugins.filter.kubeconfig_with_paths import (
    FilterModule, kubeconfig_with_paths)
from ansible_collections.kthw.control_plane.plugins.modules import kubeconfig

# Paths on the node: they need not exist on the controller, nothing reads them without embed_certs.
SCHEDULER = dict(cluster_name="kthw", server="https://127.0.0.1:6443", user_name="system:kube-scheduler",
                 ca_path="/etc/kubernetes/pki/ca.crt", client_cert_path="/etc/kubernetes/pki/scheduler.crt",
                 client_key_path="/etc/kubernetes/pki/scheduler.key")


def rendered(args):
    return kubeconfig_with_paths(args["user_name"], args["cluster_name"], args["server"], args["ca_path"],
                                 args["client_cert_path"], args["client_key_path"])


@pytest.mark.parametrize("args", [
    SCHEDULER,
    dict(SCHEDULER, cluster_name="kthw-prod", server="https://[fd00::10]:6443", user_name="system:node:cp1",
         ca_path="/var/lib/kubelet/ca.crt", client_cert_path="/var/lib/kubelet/kubelet client.crt",
         client_key_path="/var/lib/kubelet/kubelet-client.key"),
    dict(SCHEDULER, user_name="j\u00fcrgen", cluster_name="cl\u00fcster"),
])
def test_the_filter_renders_the_bytes_the_module_writes(tmp_path, run_module, args):
    assert not any(os.path.exists(args[k]) for k in ("ca_path", "client_cert_path", "client_key_path"))
    path = tmp_path / "scheduler.conf"
    result = run_module(kubeconfig, dict(args, path=str(path), embed_certs=False))
    assert result["changed"] and not result.get("failed"), result
    text = rendered(args)
    assert isinstance(text, str) and text.endswith("\n")
    assert text == path.read_bytes().decode("utf-8")
    # and the module reads it back as what it wants: a file written from the filter is left alone
    path.write_text(text)
    assert not run_module(kubeconfig, dict(args, path=str(path), embed_certs=False))["changed"]


def test_the_document_refers_to_files_by_path():
    document = json.loads(rendered(SCHEDULER))
    assert document["clusters"] == [{"name": "kthw", "cluster": {
        "server": "https://127.0.0.1:6443", "certificate-authority": "/etc/kubernetes/pki/ca.crt"}}]
    assert document["users"] == [{"name": "system:kube-scheduler", "user": {
        "client-certificate": "/etc/kubernetes/pki/scheduler.crt",
        "client-key": "/etc/kubernetes/pki/scheduler.key"}}]
    assert document["current-context"] == "system:kube-scheduler@kthw"
    assert "-data" not in rendered(SCHEDULER)


@pytest.mark.parametrize("field", ["user_name", "cluster_name", "server", "ca_path", "client_cert_path",
                                   "client_key_path"])
@pytest.mark.parametrize("bad", ["", None, 6443, ["https://127.0.0.1:6443"]])
def test_bad_input_is_refused(field, bad):
    label = "user name" if field == "user_name" else field
    with pytest.raises(AnsibleFilterError, match="kubeconfig_with_paths: %s must be a non-empty string" % label):
        rendered(dict(SCHEDULER, **{field: bad}))


def test_the_filter_is_registered():
    assert FilterModule().filters()["kubeconfig_with_paths"] is kubeconfig_with_paths


def test_templated_strings_are_accepted():
    from ansible.utils.unsafe_proxy import AnsibleUnsafeText
    unsafe = dict((k, AnsibleUnsafeText(v)) for k, v in SCHEDULER.items())
    assert rendered(unsafe) == rendered(SCHEDULER)
