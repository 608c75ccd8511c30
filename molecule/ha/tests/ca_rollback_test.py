"""A CA rotation rolled back (rotate_ca_rollback=true) from P2, from the results side_effects/ca_rollback.yml kept in
ca_rollback.json: no request failed, a rollback stopped half-way was finished by the next run without the option,
the old CA is the one the controller and every node hold again, and the new CA is kept aside on the controller.
(The CA rotation that runs after it changes the CAs again: what the rollback left is read from the results.)"""

import glob
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from fleet import PKI_DIR, failures_beyond_elections, hosts_of, recap_changed_nothing, side_effect_results, words

CONTROL_PLANE = hosts_of("control_plane")


@pytest.fixture(scope="module")
def rollback():
    return side_effect_results("ca_rollback")


def fingerprint(pem):
    return x509.load_pem_x509_certificate(pem.encode("ascii")).fingerprint(hashes.SHA256()).hex(":")


def test_the_rotation_stopped_at_p2_with_both_cas_fingerprinted(rollback):
    record = rollback["record_forward"]
    assert record["phase"] == "reissuing" and record["cas"] == ["front-proxy"]
    assert record["fingerprints"]["front-proxy.crt"] == fingerprint(rollback["ca_before"])
    assert record["fingerprints"]["front-proxy-next.crt"] != record["fingerprints"]["front-proxy.crt"]


def test_p0_took_one_etcd_snapshot_and_the_rollback_none(rollback):
    assert len(rollback["snapshots_new"]) == 1, rollback["snapshots_new"]


def test_check_mode_lists_the_way_back_and_touches_nothing(rollback):
    check = rollback["check"]
    assert check["rc"] == 0 and check["record"] == rollback["record_forward"]
    plan = words(check["output"])
    assert "Would roll back the rotation of the front-proxy CA started" in plan and "(phase reissuing)" in plan
    for step in ("P2 back, every leaf and the signer of the controller-manager from the old CA again",
                 "P1 back, every verifier trusts the old CA alone", "the new CA is kept aside under a dated name"):
        assert step in plan, step


def test_a_rollback_stopped_in_p2_back_was_finished_by_the_next_run_without_the_option(rollback):
    interrupted = rollback["interrupted"]
    assert interrupted["rc"] != 0
    record = interrupted["record"]
    assert record["phase"] == "unwinding" and record["rolled_back_from"] == "reissuing"
    assert record["abandoned_suffix"].startswith("abandoned-")
    finished = rollback["finished"]
    assert finished["rc"] == 0
    assert "roll back the rotation of the front-proxy CA started" in words(finished["output"])
    assert "(phase unwinding)" in words(finished["output"])


def test_no_request_failed_through_the_rotation_and_its_rollback(rollback):
    probe = rollback["probe"]
    print("CA rollback probe:", probe, "elections:", rollback["elections"])
    # Minutes of runs: hundreds of rounds, each a read and a write through the load balancer.
    assert 500 < probe["rounds"] < 7200
    # None, but a write in the moment etcd's leadership changed hands (fleet.failures_beyond_elections).
    assert failures_beyond_elections(probe, rollback["elections"]) == []


def test_the_controller_holds_the_old_ca_again_and_keeps_the_new_one_aside(rollback):
    assert rollback["ca_after"] == rollback["ca_before"]
    suffix = rollback["interrupted"]["record"]["abandoned_suffix"]
    kept_cert = os.path.join(PKI_DIR, "ca", "front-proxy-%s.crt" % suffix)
    kept_key = os.path.join(PKI_DIR, "ca", "front-proxy-%s.key" % suffix)
    with open(kept_cert, encoding="ascii") as handle:
        assert fingerprint(handle.read()) == rollback["record_forward"]["fingerprints"]["front-proxy-next.crt"]
    assert stat.S_IMODE(os.stat(kept_key).st_mode) == 0o600
    assert not glob.glob(os.path.join(PKI_DIR, "ca", "front-proxy-next.*"))


@pytest.mark.parametrize("node", CONTROL_PLANE)
def test_every_node_trusts_the_old_ca_alone_and_its_client_certificate_is_from_it(rollback, node):
    ca = x509.load_pem_x509_certificate(rollback["ca_before"].encode("ascii"))
    bundle = rollback["nodes"]["%s /etc/kubernetes/pki/front-proxy-ca.crt" % node]
    assert bundle.strip() == rollback["ca_before"].strip()
    leaf = x509.load_pem_x509_certificate(rollback["nodes"]["%s /etc/kubernetes/pki/front-proxy-client.crt" % node]
                                          .encode("ascii"))
    leaf.verify_directly_issued_by(ca)


def test_a_rollback_with_no_rotation_under_way_is_refused(rollback):
    refused = rollback["refused"]
    assert refused["rc"] != 0 and not refused["record_left"]
    said = words(refused["output"])
    assert "No CA rotation is under way" in said and "there is nothing to roll back. Nothing was changed." in said
    assert recap_changed_nothing(refused["output"])


def test_a_re_run_of_site_after_the_rollback_changes_nothing(rollback):
    site = rollback["site_after"]
    assert site["rc"] == 0 and recap_changed_nothing(site["output"]), site["output"][-2000:]
