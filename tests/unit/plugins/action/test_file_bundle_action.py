"""file_bundle, the controller side: every src read here (found like copy finds it, vault
decrypted), every content sent base64-encoded, directories and absent files passed on, one
module run for the whole bundle, and nothing run at all when a file is missing or named twice."""

import base64
import re
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.kthw.control_plane.plugins.action.file_bundle import ActionModule

KEY = b"-----BEGIN PRIVATE KEY-----\nYWN0aW9uU0VDUkVUa2V5\n-----END PRIVATE KEY-----\n"
CERT = b"-----BEGIN CERTIFICATE-----\nYWN0aW9uY2VydA==\n-----END CERTIFICATE-----\n"
MODULE_RESULT = dict(changed=True, changed_files=["/etc/a.key"], files=[dict(dest="/etc/a.key", changed=True)])
# Where a module run (without pipelining) makes its temporary folder on the node.
REMOTE_TMP = "/home/deploy/.ansible/tmp/ansible-tmp-1700000000.1-42-1"


@pytest.fixture
def action(tmp_path):
    """Builds the action plugin for some task args; its module runs are recorded, not executed."""
    def make(files, check_mode=False, loader=None, directories=None):
        args = dict((key, value) for key, value in (("files", files), ("directories", directories)) if value is not None)
        task = MagicMock(args=args, async_val=0, check_mode=check_mode,
                         action="kthw.control_plane.file_bundle")
        task.get_search_path.return_value = [str(tmp_path / "playbook")]
        connection = MagicMock()
        connection._shell.tmpdir = None
        plugin = ActionModule(task, connection, MagicMock(), loader or DataLoader(), MagicMock(), MagicMock())
        plugin.calls, plugin.removed, plugin.events, plugin.failures = [], [], [], []

        def execute_module(**kwargs):
            # As ActionBase does: the run makes the node's temporary folder and leaves it for the
            # action plugin to remove.
            plugin.calls.append(kwargs)
            connection._shell.tmpdir = REMOTE_TMP
            plugin.events.append("module run")
            for failure in plugin.failures:
                raise failure
            return dict(MODULE_RESULT)

        def remove_tmp_path(path):
            plugin.removed.append(path)
            plugin.events.append("removed %s" % path)

        plugin._execute_module = execute_module
        plugin._remove_tmp_path = remove_tmp_path
        return plugin
    (tmp_path / "playbook" / "files").mkdir(parents=True)
    return make


def decoded(call):
    return [(f["dest"], base64.b64decode(f["content_base64"])) for f in call["module_args"]["files"]]


def test_src_and_content_go_to_one_module_run_base64_encoded(action, tmp_path):
    (tmp_path / "a.key").write_bytes(KEY)
    (tmp_path / "playbook" / "files" / "a.crt").write_bytes(CERT)
    plugin = action([
        dict(src=str(tmp_path / "a.key"), dest="/etc/pki/a.key"),
        dict(src="a.crt", dest="/etc/pki/a.crt", mode="0644"),
        dict(content="kind: Config\n", dest="/etc/c.yaml", owner="kube", group="kube", mode="0640"),
        dict(content="", dest="/etc/empty"),
        dict(content_base64=base64.b64encode(b"\x00\xff").decode(), dest="/etc/bin"),
    ])
    result = plugin.run(task_vars={})
    assert len(plugin.calls) == 1 and plugin.calls[0]["module_name"] == "kthw.control_plane.file_bundle"
    assert decoded(plugin.calls[0]) == [("/etc/pki/a.key", KEY), ("/etc/pki/a.crt", CERT), ("/etc/c.yaml", b"kind: Config\n"),
                                        ("/etc/empty", b""), ("/etc/bin", b"\x00\xff")]
    sent = plugin.calls[0]["module_args"]["files"]
    assert [sorted(f) for f in sent] == [["content_base64", "dest", "mode", "owner", "state"]] * 2 + [
        ["content_base64", "dest", "group", "mode", "owner", "state"]] + [
        ["content_base64", "dest", "mode", "owner", "state"]] * 2
    assert set(f["state"] for f in sent) == {"present"}
    assert plugin.calls[0]["module_args"]["directories"] == []
    assert [(f["owner"], f.get("group"), f["mode"]) for f in sent] == [
        ("root", None, "0600"), ("root", None, "0644"), ("kube", "kube", "0640"), ("root", None, "0600"), ("root", None, "0600")]
    assert result == MODULE_RESULT
    assert plugin.events == ["module run", "removed " + REMOTE_TMP], "the folder the run made, once, after it"


def test_a_vaulted_src_is_decrypted(action, tmp_path):
    secret = [("default", VaultSecret(b"unit-vault-password"))]
    (tmp_path / "a.key").write_bytes(VaultLib(secret).encrypt(KEY))
    loader = DataLoader()
    loader.set_vault_secrets(secret)
    plugin = action([dict(src=str(tmp_path / "a.key"), dest="/etc/a.key")], loader=loader)
    plugin.run(task_vars={})
    assert decoded(plugin.calls[0]) == [("/etc/a.key", KEY)]


@pytest.mark.parametrize("files, message", [
    ([dict(src="{d}/missing.key", dest="/etc/a.key")], "src {d}/missing.key (for dest /etc/a.key) not found on the controller"),
    ([dict(src="missing.crt", dest="/etc/a.crt")],
     "src missing.crt (for dest /etc/a.crt) not found on the controller; searched {d}/playbook/files/missing.crt, "),
    ([dict(src="{d}", dest="/etc/a.crt")], "src {d} (for dest /etc/a.crt) is a directory"),
    ([dict(content="a", dest="/etc/a"), dict(content="b", dest="/etc//a")], "dest given more than once: /etc/a"),
    ([dict(content="a", dest="etc/a")], "dest 'etc/a' must be an absolute path"),
    ([dict(content="a", dest="~/a")], "dest '~/a' must be an absolute path"),
    ([dict(content=dict(a=1), dest="/etc/a")], "content of /etc/a is not a string"),
    ([dict(content="a", src="/x", dest="/etc/a")], "mutually exclusive: src|content|content_base64"),
    ([dict(dest="/etc/a")], "state is present but any of the following are missing: src, content, content_base64"),
    ([dict(content="a", dest="/etc/a", mdoe="0644")], "files.mdoe"),
    ([dict(content="a", dest="/etc/a", state="gone")], "value of state must be one of: present, absent"),
    ([dict(content="a", dest="/etc/a", state="absent")], "content of /etc/a: a file with state=absent takes no content"),
    ([dict(src="{d}/missing.key", dest="/etc/a", state="absent")],
     "src of /etc/a: a file with state=absent takes no content"),
    ([], "nothing to do: give files, directories or both"),
])
def test_nothing_runs_when_the_bundle_is_wrong(action, tmp_path, files, message):
    for entry in files:
        if "src" in entry:
            entry["src"] = entry["src"].format(d=tmp_path)
    plugin = action(files)
    with pytest.raises(AnsibleActionFail, match=re.escape(message.format(d=tmp_path))):
        plugin.run(task_vars={})
    assert plugin.calls == []


def test_the_temporary_folder_is_removed_when_the_module_run_fails(action):
    plugin = action([dict(content="a", dest="/etc/a")])
    plugin.failures.append(AnsibleError("the connection dropped"))
    with pytest.raises(AnsibleError, match="the connection dropped"):
        plugin.run(task_vars={})
    assert plugin.events == ["module run", "removed " + REMOTE_TMP]


def test_nothing_is_removed_when_nothing_ran(action):
    plugin = action([dict(content="a", dest="etc/a")])
    with pytest.raises(AnsibleActionFail):
        plugin.run(task_vars={})
    assert plugin.events == []


def test_check_mode_is_left_to_the_module(action, tmp_path):
    plugin = action([dict(content="a", dest="/etc/a")], check_mode=True)
    assert plugin.run(task_vars={}) == MODULE_RESULT and len(plugin.calls) == 1


def test_contents_stay_out_of_the_result_and_the_plain_text_out_of_the_module_args(action, tmp_path):
    (tmp_path / "a.key").write_bytes(KEY)
    plugin = action([dict(src=str(tmp_path / "a.key"), dest="/etc/a.key"),
                     dict(content="password: kthw-action-secret\n", dest="/etc/c")])
    result = plugin.run(task_vars={})
    text = repr(result) + repr(plugin.calls)
    assert "PRIVATE KEY" not in text and "kthw-action-secret" not in text and "YWN0aW9uU0VDUkVUa2V5" not in text
    assert "PRIVATE KEY" not in repr(result) and "content" not in repr(result)


def test_directories_and_absent_files_go_to_the_same_module_run(action, tmp_path):
    plugin = action([dict(content="a", dest="/etc/kthw/a"), dict(dest="/etc/kthw/old", state="absent")],
                    directories=[dict(path="/etc/kthw"), dict(path="/srv/$HOME/x", owner="etcd", group="etcd", mode="0700",
                                                              parents=True)])
    plugin.run(task_vars={})
    assert len(plugin.calls) == 1
    args = plugin.calls[0]["module_args"]
    assert args["directories"] == [dict(path="/etc/kthw", owner="root", mode="0755", parents=False),
                                   dict(path="/srv/$HOME/x", owner="etcd", group="etcd", mode="0700", parents=True)], \
        "defaults filled in, the path left for the node"
    assert args["files"][1] == dict(dest="/etc/kthw/old", owner="root", mode="0600", state="absent"), "no content"


def test_directories_alone_are_a_bundle(action):
    plugin = action(None, directories=[dict(path="/etc/kthw")])
    plugin.run(task_vars={})
    wanted = dict(path="/etc/kthw", owner="root", mode="0755", parents=False)
    assert plugin.calls[0]["module_args"] == dict(directories=[wanted],
                                                  files=[])


@pytest.mark.parametrize("directories, files, message", [
    ([dict(path="etc")], [], "path 'etc' must be an absolute path"),
    ([dict(path="~/x")], [], "path '~/x' must be an absolute path"),
    ([dict(path="/etc/x"), dict(path="/etc//x")], [], "directory path given more than once: /etc/x"),
    ([dict(path="/etc/x")], [dict(dest="/etc/x/", content="a")], "given both as a directory path and as a file dest: /etc/x"),
    ([dict(owner="root")], [], "missing required arguments: path found in directories"),
    ([dict(path="/etc/x", mdoe="0700")], [], "directories.mdoe"),
])
def test_nothing_runs_when_the_directories_are_wrong(action, directories, files, message):
    plugin = action(files, directories=directories)
    with pytest.raises(AnsibleActionFail, match=re.escape(message)):
        plugin.run(task_vars={})
    assert plugin.calls == []
