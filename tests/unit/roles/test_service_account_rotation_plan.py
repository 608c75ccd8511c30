"""The service-account key rotation's decisions, from the role's own expressions: where a
rotation stands, the next key's name, the keys each phase records, when the old keys may go,
the legacy tokens that keep them, and the keys the pre-flight play compares with the nodes."""

import pytest

from ansible_collections.kthw.control_plane.tests.unit.roles.role_tasks import Evaluation, find_task, role_variables

SA1 = {"name": "sa1", "key": "service-account.key", "public_key": "service-account.pub"}
SA2 = {"name": "sa2", "key": "service-account-sa2.key", "public_key": "service-account-sa2.pub"}


def rotation_vars(recorded, **settings):
    variables = role_variables("cluster", "rotate_service_account_key")
    variables.update(cluster_pki_dir="/pki", cluster_service_account_record=recorded)
    variables.update(settings)
    return variables


def evaluate(tasks_file, name, recorded, **settings):
    return Evaluation(find_task("rotate_service_account_key", tasks_file, name), rotation_vars(recorded, **settings))


def test_before_the_first_rotation_the_ring_is_the_pair_site_yml_issued():
    evaluation = evaluate("plan.yml", "Show the plan", {})
    assert evaluation.value("{{ __rotate_service_account_key_record }}") == {
        "ring": [SA1], "retired": [], "rotation": None}
    assert evaluation.value("{{ rotate_service_account_key_phase }}") == "start"
    assert evaluation.value("{{ __rotate_service_account_key_next_name }}") == "sa2"
    assert evaluation.value("{{ __rotate_service_account_key_retire_due }}") is False


def test_the_next_name_is_one_more_than_any_key_ever_used():
    recorded = {"ring": [dict(SA2, name="sa4")], "retired": [SA1, dict(SA1, name="sa7")], "rotation": None}
    assert evaluate("plan.yml", "Show the plan", recorded).value("{{ __rotate_service_account_key_next_name }}") == "sa8"


def test_s2_puts_the_new_key_first_and_keeps_the_old_trusted():
    recorded = {"ring": [SA1, SA2], "retired": [], "rotation": {"phase": "trusted", "new": "sa2", "started": "t"}}
    evaluation = evaluate("sign.yml", "Record the new key first", recorded)
    assert evaluation.value("{{ rotate_service_account_key_phase }}") == "trusted"
    assert evaluation.value("{{ __rotate_service_account_key_next }}") == {
        "ring": [SA2, SA1], "retired": [], "rotation": {"phase": "signing", "new": "sa2", "started": "t"}}


@pytest.mark.parametrize("retire_after, finish, due", [
    ("2000-01-01T00:00:00Z", False, True),   # every token sa1 signed has expired
    ("2999-01-01T00:00:00Z", False, False),  # some may still be valid
    ("2999-01-01T00:00:00Z", True, True),    # the operator says now
])
def test_the_old_key_goes_once_its_tokens_expired_or_when_the_operator_says(retire_after, finish, due):
    recorded = {"ring": [SA2, SA1], "retired": [],
                "rotation": {"phase": "signed", "new": "sa2", "started": "t", "signed": "t", "retire_after": retire_after}}
    evaluation = evaluate("retire.yml", "Retire the old keys", recorded, rotate_service_account_key_finish=finish)
    assert evaluation.value("{{ __rotate_service_account_key_retire_due }}") is due


def test_s3_retires_every_old_key_with_its_time():
    recorded = {"ring": [SA2, SA1], "retired": [],
                "rotation": {"phase": "signed", "new": "sa2", "started": "t", "retire_after": "2000-01-01T00:00:00Z"}}
    following = evaluate("retire.yml", "Record the ring without the old keys", recorded).value(
        "{{ __rotate_service_account_key_next }}")
    assert following["ring"] == [SA2] and following["rotation"]["phase"] == "retiring"
    assert [dict(k, retired="") for k in following["retired"]] == [dict(SA1, retired="")]
    assert following["retired"][0]["retired"].endswith("Z")


def test_a_legacy_token_the_old_key_signed_keeps_it():
    recorded = {"ring": [SA2, SA1], "retired": [], "rotation": {"phase": "signed", "new": "sa2", "started": "t"}}
    gate = {"key_ids": ["kid-sa2", "kid-sa1"], "legacy_tokens": [
        {"namespace": "default", "name": "old", "key_id": "kid-sa1"},
        {"namespace": "apps", "name": "new", "key_id": "kid-sa2"},
        {"namespace": "apps", "name": "empty", "key_id": None}]}
    passed, message = evaluate("retire.yml", "Check no legacy token Secret needs the old keys", recorded,
                               kube_apiserver_service_account_keys_loaded=gate).assertion()
    assert passed is False
    message = " ".join(message.split())
    assert "hold tokens signed by sa1" in message and ": default/old." in message
    assert "apps/new" not in message and "apps/empty" not in message
    assert "signs a new token with sa2" in message


def test_the_plan_says_until_when_the_old_key_stays_trusted():
    recorded = {"ring": [SA2, SA1], "retired": [],
                "rotation": {"phase": "signed", "new": "sa2", "started": "t0", "retire_after": "2999-01-01T00:00:00Z"}}
    plan = " ".join(evaluate("plan.yml", "Show the plan", recorded, ansible_check_mode=False).value(
        find_task("rotate_service_account_key", "plan.yml", "Show the plan")["ansible.builtin.debug"]["msg"]).split())
    assert plan == ("finish the rotation to sa2 started t0: S3 keep trusting sa1 until 2999-01-01T00:00:00Z, then run "
                    "again to stop (or now, with -e rotate_service_account_key_finish=true).")


def test_the_nodes_get_every_trusted_key_and_the_first_signs():
    variables = role_variables("cluster", "pki")
    variables.update(cluster_pki_dir="/pki", cluster_service_account_record={
        "ring": [SA2, SA1], "retired": [], "rotation": {"phase": "signing", "new": "sa2"}})
    evaluation = Evaluation({}, variables)
    assert evaluation.value("{{ cluster_service_account_keys | map(attribute='name') | list }}") == ["sa2", "sa1"]
    # The public keys' content is read with a lookup: its paths are checked here, not the files.
    (trusted,) = [entry for entry in variables["__pki_control_plane_shared"]
                  if entry["dest"] == "{{ cluster_node_paths.service_account_public_key }}"]
    paths = trusted["content"].split("*(")[1].split("), rstrip")[0]
    assert evaluation.value("{{ " + paths + " | list }}") == ["/pki/service-account-sa2.pub", "/pki/service-account.pub"]
    (signing,) = [entry for entry in variables["__pki_control_plane_shared"]
                  if entry["dest"] == "{{ cluster_node_paths.service_account_key }}"]
    assert evaluation.value(signing["src"]) == "/pki/service-account-sa2.key"
    assert signing["component"] == ["kube-apiserver", "kube-controller-manager"]


def test_the_pre_flight_play_compares_every_service_account_key_kept():
    variables = role_variables("cluster", "preflight")
    variables.update(cluster_pki_dir="/pki", cluster_service_account_record={
        "ring": [SA2], "retired": [dict(SA1, retired="t")], "rotation": None})
    assert Evaluation({}, variables).value("{{ __preflight_service_account_keys }}") == [
        "/pki/service-account-sa2.key", "/pki/service-account.key"]


@pytest.mark.parametrize("phase, passes", [
    (None, True), ("trusted", True), ("signing", True), ("signed", True), ("trusting", False), ("retiring", False)])
def test_site_yml_refuses_a_rotation_stopped_half_way_through_the_nodes(phase, passes):
    variables = role_variables("cluster", "preflight")
    variables.update(cluster_pki_dir="/pki", cluster_service_account_record={
        "ring": [SA1, SA2], "retired": [], "rotation": phase and {"phase": phase, "new": "sa2"}})
    passed, message = Evaluation(find_task("preflight", "nodes_hold.yml",
                                           "Check no service-account key rotation stopped half-way through the nodes"),
                                 variables).assertion()
    assert passed is passes
    if not passes:
        assert "run kthw.control_plane.rotate_service_account_key to finish it" in " ".join(message.split())


APISERVER_ARGS = ["/opt/kube-apiserver", "--secure-port=6443", "--service-account-max-token-expiration=%s",
                  "--service-account-lookup=true"]


@pytest.mark.parametrize("cap, passes, hours", [("24h", True, 24), ("720h", True, 720), ("90m", False, None),
                                                (None, False, None)])
def test_the_rotation_reads_the_token_cap_each_apiserver_runs_with(cap, passes, hours):
    lines = [line.replace("%s", cap) for line in APISERVER_ARGS] if cap else [APISERVER_ARGS[0]]
    registered = {"stdout_lines": lines}
    passed, message = evaluate("plan.yml", "Check each apiserver caps the lifetime of a token", {},
                               inventory_hostname="cp2", __rotate_service_account_key_apiserver_args=registered).assertion()
    assert passed is passes
    if passes:
        facts = evaluate("plan.yml", "Keep the lifetime cap of this node's apiserver", {},
                         __rotate_service_account_key_apiserver_args=registered).facts()
        assert int(facts["rotate_service_account_key_token_hours"]) == hours
    else:
        assert message.startswith("cp2's apiserver runs with") and "Run site.yml first" in message


def test_s2_keeps_the_old_key_for_the_longest_cap_any_apiserver_runs_with():
    recorded = {"ring": [SA2, SA1], "retired": [], "rotation": {"phase": "signing", "new": "sa2", "started": "t"}}
    evaluation = evaluate("sign.yml", "Record when the old keys may go", recorded, cluster_control_plane_group="cp",
                          groups={"cp": ["cp1", "cp2"]},
                          hostvars={"cp1": {"rotate_service_account_key_token_hours": 24},
                                    "cp2": {"rotate_service_account_key_token_hours": "48"}})
    assert evaluation.value("{{ __rotate_service_account_key_token_hours }}") == 48


@pytest.mark.parametrize("pending, advice", [
    (None, None),
    ("rotation-pending.json", "finish it with kthw.control_plane.rotate_certs first"),
    ("ca-rotation.json", "finish it with kthw.control_plane.rotate_ca first"),
])
def test_a_certificate_or_ca_rotation_under_way_is_finished_first(tmp_path, pending, advice):
    if pending:
        (tmp_path / pending).write_text("{}")
    # The harness has no lookups: the CA rotation's record as the cluster role would read it.
    ca_record = {"phase": "widening", "cas": ["etcd"]} if pending == "ca-rotation.json" else {}
    variables = rotation_vars({}, cluster_pki_dir=str(tmp_path), cluster_ca_rotation_record=ca_record)
    task = find_task("rotate_service_account_key", "plan.yml", "Check no certificate or CA rotation is under way")
    passed, message = Evaluation(task, variables).assertion()
    assert passed is (pending is None)
    if pending:
        assert advice in " ".join(message.split())
