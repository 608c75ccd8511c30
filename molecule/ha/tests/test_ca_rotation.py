"""CA rotation (playbooks/rotate_ca.yml) of the kubernetes, etcd and front-proxy CAs, from the results the
side effect kept in ca_rotation.json and from the fleet itself: what every listener serves, which client
certificates every apiserver and etcd member still accepts, what every namespace publishes to its pods, and
what the controller keeps."""

import base64
import datetime
import glob
import json
import os
import socket
import ssl
import stat
import tempfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fleet import (ADDRESSES, APISERVER_PORT, EPHEMERAL, ETCD_CLIENT_PORT, ETCD_PEER_PORT, PKI_DIR,
                   failures_beyond_elections, hosts_of)

CAS = ["kubernetes", "etcd", "front-proxy"]
CONTROL_PLANE = hosts_of("control_plane")
ETCD = hosts_of("etcd")


@pytest.fixture(scope="module")
def rotation():
    with open(os.path.join(EPHEMERAL, "ca_rotation.json"), encoding="utf-8") as handle:
        return json.load(handle)


def words(text):
    return " ".join(text.split())


def ca_file(name):
    return os.path.join(PKI_DIR, "ca", name + ".crt")


def retired(name):
    """(certificate, key) paths of the CA this rotation retired, by the suffix its record gave them."""
    with open(os.path.join(EPHEMERAL, "ca_rotation.json"), encoding="utf-8") as handle:
        suffix = json.load(handle)["interrupted"]["record"]["retired_suffix"]
    stem = os.path.join(PKI_DIR, "ca", "%s-%s" % (name, suffix))
    return stem + ".crt", stem + ".key"


def client_certificate(stem, ca_path, ca_key_path, user):
    """A client certificate for user (and its key) signed by the CA at ca_path, written to stem.crt and
    stem.key; returns their paths."""
    with open(ca_path, "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(ca_key_path, "rb") as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, user)]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = stem + ".crt", stem + ".key"
    with open(paths[0], "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return paths


def common_name(path):
    with open(path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    return cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value


def answer(address, port, client, headers="", cafile=None):
    """('tls', error) when the handshake or first read is refused, else the HTTP status of GET /api."""
    context = ssl.create_default_context(cafile=cafile or ca_file("kubernetes"))
    context.check_hostname = False
    context.load_cert_chain(*client)
    try:
        with socket.create_connection((address, port), timeout=10) as raw:
            with context.wrap_socket(raw) as tls:
                tls.sendall(("GET /api HTTP/1.1\r\nHost: kubernetes\r\n%sConnection: close\r\n\r\n" % headers).encode())
                status = tls.recv(64).decode("latin-1")
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as error:
        return "tls", str(error)
    if not status:
        return "tls", "closed"
    return int(status.split()[1]), status


@pytest.fixture(scope="module")
def probes():
    """Client certificates of each old (retired) and new CA, as the rotation's gates have them."""
    folder = tempfile.mkdtemp()
    made = {}
    for ca in CAS:
        user = "front-proxy-client" if ca == "front-proxy" else "kthw-ca-test"
        made[ca + "-new"] = client_certificate(os.path.join(folder, ca + "-new"), ca_file(ca), ca_file(ca)[:-4] + ".key", user)
        made[ca + "-old"] = client_certificate(os.path.join(folder, ca + "-old"), *retired(ca), user)
    return made


def test_check_mode_lists_the_phases_and_touches_nothing(rotation):
    check = rotation["check"]
    assert check["rc"] == 0 and check["left"] == []
    plan = words(check["output"])
    assert "Would rotate the kubernetes, etcd, front-proxy CA: P0 snapshot etcd" in plan
    for phase in ("P1 every verifier trusts the old and the new CA", "P2/P3 every leaf and the signer of the controller-manager",
                  "P4 every verifier trusts the new CA alone", "the new CA takes the file name of the old one"):
        assert phase in plan, phase


def test_a_run_stopped_after_p1_left_the_record_and_site_was_refused(rotation):
    interrupted = rotation["interrupted"]
    assert interrupted["rc"] != 0
    assert interrupted["record"]["phase"] == "reissuing" and interrupted["record"]["cas"] == CAS
    refused = rotation["site_refused"]
    assert refused["rc"] != 0
    assert "A CA rotation of the kubernetes, etcd, front-proxy CA is under way (phase reissuing" in words(refused["output"])
    assert "run kthw.control_plane.rotate_ca to finish it" in words(refused["output"])


def test_the_next_run_finished_it_and_removed_the_record(rotation):
    assert rotation["finished"]["rc"] == 0
    assert not os.path.exists(os.path.join(PKI_DIR, "ca-rotation.json"))
    assert not os.path.exists(os.path.join(PKI_DIR, "ca-rotation-probes"))
    assert not glob.glob(os.path.join(PKI_DIR, "ca", "*-next.*"))


def test_p0_took_one_etcd_snapshot_and_the_finishing_run_none(rotation):
    assert len(rotation["snapshots_new"]) == 1, rotation["snapshots_new"]
    assert stat.S_IMODE(os.stat(rotation["snapshots_new"][0]).st_mode) == 0o600


def test_no_request_failed_through_the_whole_rotation(rotation):
    probe = rotation["probe"]
    print("CA rotation probe:", probe, "elections:", rotation["elections"])
    # The runs took minutes: thousands of rounds, each a read and a write; the probe was stopped after the
    # last run (its 7200 rounds were not used up before), so it covered the whole rotation.
    assert 1000 < probe["rounds"] < 7200
    # None, but a write in the moment etcd's leadership changed hands (fleet.failures_beyond_elections): etcd
    # restarted twice, to trust both CAs (P1) and the new one alone (P4), each roll with at most two elections.
    assert rotation["elections"] <= 4, rotation["elections"]
    assert failures_beyond_elections(probe, rotation["elections"]) == []
    # The probe followed the kubeconfig: both CAs (P0), the new certificate (P2), the new CA alone (end).
    assert probe["kubeconfig_reloads"] >= 4


def test_every_ca_is_new_and_the_old_one_is_kept_under_a_dated_name(rotation):
    for ca in CAS:
        with open(ca_file(ca), encoding="ascii") as handle:
            assert handle.read() != rotation["cas_before"][ca], ca
        old_cert, old_key = retired(ca)
        with open(old_cert, encoding="ascii") as handle:
            assert handle.read() == rotation["cas_before"][ca], ca
        for key in (old_key, ca_file(ca)[:-4] + ".key"):
            assert stat.S_IMODE(os.stat(key).st_mode) == 0o600, key


@pytest.mark.parametrize("name", CONTROL_PLANE)
def test_each_apiserver_serves_from_the_new_ca_and_accepts_only_its_clients(name, probes):
    address = ADDRESSES[name]
    assert answer(address, APISERVER_PORT, probes["kubernetes-new"])[0] == 200
    assert answer(address, APISERVER_PORT, probes["kubernetes-old"])[0] == 401
    proxy = "X-Remote-User: kthw-ca-test\r\n"
    assert answer(address, APISERVER_PORT, probes["front-proxy-new"], proxy)[0] == 200
    assert answer(address, APISERVER_PORT, probes["front-proxy-old"], proxy)[0] == 401


@pytest.mark.parametrize("name", ETCD)
@pytest.mark.parametrize("port", [ETCD_CLIENT_PORT, ETCD_PEER_PORT])
def test_each_etcd_listener_serves_from_the_new_ca_and_refuses_old_clients(name, port, probes):
    address = ADDRESSES[name]
    # The chain is verified against the new etcd CA alone.
    assert answer(address, port, probes["etcd-new"], cafile=ca_file("etcd"))[0] != "tls"
    assert answer(address, port, probes["etcd-old"], cafile=ca_file("etcd"))[0] == "tls"


def test_no_listener_serves_a_chain_of_an_old_ca():
    for ca, ports in (("kubernetes", [APISERVER_PORT]), ("etcd", [ETCD_CLIENT_PORT, ETCD_PEER_PORT])):
        context = ssl.create_default_context(cafile=retired(ca)[0])
        context.check_hostname = False
        for name in (CONTROL_PLANE if ca == "kubernetes" else ETCD):
            for port in ports:
                with socket.create_connection((ADDRESSES[name], port), timeout=10) as raw:
                    with pytest.raises(ssl.SSLCertVerificationError):
                        context.wrap_socket(raw).close()


def test_every_namespace_publishes_the_new_ca_alone(kubectl):
    with open(ca_file("kubernetes"), encoding="ascii") as handle:
        new = handle.read().strip()
    configmaps = json.loads(kubectl("get", "configmaps", "-A", "--field-selector", "metadata.name=kube-root-ca.crt",
                                    "-o", "json").stdout)["items"]
    namespaces = json.loads(kubectl("get", "namespaces", "-o", "json").stdout)["items"]
    assert len(configmaps) == len(namespaces)
    for item in configmaps:
        assert item["data"]["ca.crt"].strip() == new, item["metadata"]["namespace"]


@pytest.mark.parametrize("kubeconfig", ["admin.kubeconfig", "break-glass.kubeconfig"])
def test_the_administrators_kubeconfigs_work_with_the_new_ca_alone(kubectl, kubeconfig):
    assert kubectl("-n", "default", "get", "configmap", "kthw-before-ca-rotation", "-o", "jsonpath={.data.written}",
                   kubeconfig=kubeconfig).stdout == "before"
    with open(os.path.join(PKI_DIR, kubeconfig), encoding="utf-8") as handle:
        embedded = json.load(handle)["clusters"][0]["cluster"]["certificate-authority-data"]
    with open(ca_file("kubernetes"), "rb") as handle:
        assert base64.b64decode(embedded) == handle.read()


def test_a_re_run_of_site_changes_nothing(rotation):
    site = rotation["site_after"]
    assert site["rc"] == 0
    recap = [line for line in site["output"].splitlines() if " changed=" in line]
    assert recap and all(" changed=0 " in line for line in recap), recap


def test_the_certificate_report_lists_only_the_new_cas_and_their_leaves():
    with open(os.path.join(PKI_DIR, "ca-rotation-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    new_names = {common_name(ca_file(ca)) for ca in CAS}
    old_names = {common_name(retired(ca)[0]) for ca in CAS}
    assert not new_names & old_names
    issuers = {entry["issuer"] for entry in report}
    assert issuers and all(any(name in issuer for name in new_names) for issuer in issuers), issuers
    authorities = {entry["subject"] for entry in report if entry["path"].endswith("ca.crt")}
    assert len(authorities) == 3 and all(any(name in subject for name in new_names) for subject in authorities)
