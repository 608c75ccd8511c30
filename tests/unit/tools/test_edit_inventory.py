"""tools/operator/edit_inventory.py, which writes the local fleet's copy of inventories/ha: the
operator's edits, and the encryption provider a fleet kept from an earlier run records."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
KEY1 = {"name": "key1", "provider": "secretbox", "file": "encryption-key-secretbox"}
KEY2 = {"name": "key2", "provider": "aescbc", "file": "encryption-key-aescbc-key2"}


def edited_settings(target, record=None):
    os.makedirs(os.path.join(target, "group_vars"))
    if record is not None:
        os.makedirs(os.path.join(target, "pki"))
        with open(os.path.join(target, "pki", "encryption-keys.json"), "w", encoding="utf-8") as handle:
            json.dump(record, handle)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "operator", "edit_inventory.py"),
                    os.path.join(ROOT, "inventories", "ha"), os.path.join(ROOT, "tools", "operator", "site-settings.yml"),
                    target], check=True)
    with open(os.path.join(target, "group_vars", "all.yml"), encoding="utf-8") as handle:
        return handle.read().splitlines()


@pytest.mark.parametrize("record, line", [
    (None, "# kube_apiserver_encryption_provider: secretbox"),
    ({"ring": [KEY1], "retired": [], "rotation": None}, "kube_apiserver_encryption_provider: secretbox"),
    ({"ring": [KEY2], "retired": [KEY1], "rotation": None}, "kube_apiserver_encryption_provider: aescbc"),
    # Half-way through a move: the provider the apiservers are moving to.
    ({"ring": [KEY1, KEY2], "retired": [], "rotation": {"phase": "added", "new": "key2"}},
     "kube_apiserver_encryption_provider: aescbc"),
])
def test_a_kept_fleet_keeps_the_encryption_provider_its_record_holds(tmp_path, record, line):
    settings = edited_settings(str(tmp_path / "ha"), record)
    assert "ansible_user: deploy" in settings
    assert [entry for entry in settings if "kube_apiserver_encryption_provider:" in entry] == [line]
