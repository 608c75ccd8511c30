"""The encryption key rotation's decisions, from the role's own expressions: where a rotation
stands, the next key's name, the ring each phase records, the key the apiservers used before
the first rotation, and site.yml's refusal of a provider the recorded ring does not use."""

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

K1 = {"name": "key1", "provider": "secretbox", "file": "encryption-key-secretbox"}
K2 = {"name": "key2", "provider": "aesgcm", "file": "encryption-key-aesgcm-key2"}


def rotation_vars(recorded, legacy=()):
    variables = role_variables("cluster", "rotate_encryption_key")
    variables.update(cluster_pki_dir="/pki", __rotate_encryption_key_recorded=recorded,
                     __rotate_encryption_key_legacy_files=list(legacy))
    return variables


def evaluate(tasks_file, name, recorded, legacy=()):
    return Evaluation(find_task("rotate_encryption_key", tasks_file, name), rotation_vars(recorded, legacy))


def test_before_the_first_rotation_the_ring_is_the_key_site_yml_made():
    evaluation = evaluate("plan.yml", "Show the plan", {}, ["/pki/encryption-key-aescbc"])
    assert evaluation.value("{{ __rotate_encryption_key_record }}") == {
        "ring": [{"name": "key1", "provider": "aescbc", "file": "encryption-key-aescbc"}], "retired": [], "rotation": None}
    assert evaluation.value("{{ rotate_encryption_key_phase }}") == "start"
    assert evaluation.value("{{ __rotate_encryption_key_next_name }}") == "key2"


@pytest.mark.parametrize("legacy, passes, words", [
    ([], False, "holds no encryption key: run site.yml first"),
    (["/pki/encryption-key-secretbox", "/pki/encryption-key-aesgcm"], False,
     "holds encryption-key-secretbox and encryption-key-aesgcm but no record"),
    (["/pki/encryption-key-secretbox"], True, None),
])
def test_without_a_record_exactly_one_key_file_is_required(legacy, passes, words):
    passed, message = evaluate("plan.yml", "Check the controller holds the key the apiservers use", {}, legacy).assertion()
    assert passed is passes
    if words:
        assert words in " ".join(message.split()) and message.endswith("Nothing was rotated.")


@pytest.mark.parametrize("provider, names", [
    (None, "secretbox:key1 to a new key secretbox:key2:"),
    ("aescbc", "secretbox:key1 to a new key aescbc:key2:"),
])
def test_the_plan_names_the_provider_the_new_key_will_use(provider, names):
    recorded = {"ring": [K1], "retired": [], "rotation": None}
    task = find_task("rotate_encryption_key", "plan.yml", "Show the plan")
    variables = rotation_vars(recorded)
    variables.update(ansible_check_mode=True)
    if provider:
        variables.update(kube_apiserver_encryption_provider=provider)
    plan = Evaluation(task, variables).value(task["ansible.builtin.debug"]["msg"])
    assert plan.startswith("Would rotate from " + names + " E0 etcd snapshot"), plan


def test_the_next_name_is_one_more_than_any_key_ever_used():
    recorded = {"ring": [dict(K2, name="key7")], "retired": [K1, dict(K1, name="key9")], "rotation": None}
    assert evaluate("plan.yml", "Show the plan", recorded).value("{{ __rotate_encryption_key_next_name }}") == "key10"


def test_e2_puts_the_new_key_first_and_keeps_the_others():
    recorded = {"ring": [K1, K2], "retired": [], "rotation": {"phase": "added", "new": "key2", "started": "t"}}
    evaluation = evaluate("promote.yml", "Record the new key first in the ring", recorded)
    assert evaluation.value("{{ rotate_encryption_key_phase }}") == "added"
    assert evaluation.value("{{ __rotate_encryption_key_next }}") == {
        "ring": [K2, K1], "retired": [], "rotation": {"phase": "primary", "new": "key2", "started": "t"}}


def test_e5_retires_every_other_key_with_its_time():
    recorded = {"ring": [K2, K1], "retired": [], "rotation": {"phase": "rewritten", "new": "key2", "started": "t"}}
    following = evaluate("retire.yml", "Record the ring without the old keys", recorded).value(
        "{{ __rotate_encryption_key_next }}")
    assert following["ring"] == [K2] and following["rotation"]["phase"] == "retiring"
    assert [dict(k, retired="") for k in following["retired"]] == [dict(K1, retired="")]
    assert following["retired"][0]["retired"].endswith("Z")


@pytest.mark.parametrize("recorded, provider, passes, words", [
    ({}, "aesgcm", True, None),
    ({"ring": [K1], "retired": [], "rotation": None}, "secretbox", True, None),
    ({"ring": [K1], "retired": [], "rotation": None}, "aesgcm", False,
     "the apiservers encrypt with secretbox (/pki/encryption-keys.json): set it back to secretbox, or run "
     "kthw.control_plane.rotate_encryption_key to move to aesgcm"),
    ({"ring": [K1, K2], "retired": [], "rotation": {"phase": "added", "new": "key2"}}, "aesgcm", True, None),
    ({"ring": [K1, K2], "retired": [], "rotation": {"phase": "added", "new": "key2"}}, "secretbox", False,
     "the apiservers are moving to aesgcm (/pki/encryption-keys.json): set it back to aesgcm, or let "
     "kthw.control_plane.rotate_encryption_key finish"),
])
def test_site_yml_renders_the_recorded_ring_and_refuses_another_provider(recorded, provider, passes, words):
    variables = role_variables("cluster", "kube_apiserver")
    variables.update(cluster_pki_dir="/pki", kube_apiserver_encryption_provider=provider,
                     __kube_apiserver_encryption_record=recorded)
    passed, message = Evaluation(find_task("kube_apiserver", "validate.yml",
                                           "Check the encryption provider matches the recorded keys"), variables).assertion()
    assert passed is passes
    if words:
        assert words in " ".join(message.split())


def test_the_pre_flight_play_compares_every_key_kept():
    variables = role_variables("cluster", "kube_apiserver")
    variables.update(cluster_pki_dir="/pki", __kube_apiserver_encryption_record={
        "ring": [K2], "retired": [dict(K1, retired="t")], "rotation": None})
    evaluation = Evaluation(find_task("kube_apiserver", "validate.yml", "Publish the encryption keys the apiservers are to use"),
                            variables)
    published = evaluation.args("ansible.builtin.set_fact")["kube_apiserver_encryption_key"]
    assert evaluation.value(published["provider"]) == "aesgcm"
    assert evaluation.value(published["paths"]) == ["/pki/encryption-key-aesgcm-key2", "/pki/encryption-key-secretbox"]
