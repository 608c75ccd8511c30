"""etcd: three members over mutual TLS that agree, refuse strangers and keep data."""

import json

import pytest
from fleet import ETCD_CLIENT_PORT, ETCD_PEER_PORT, hosts_of, node

testinfra_hosts = hosts_of("etcd")

PKI = "/etc/etcd/pki"
ENDPOINTS = ",".join(f"https://{name}:{ETCD_CLIENT_PORT}" for name in hosts_of("etcd"))
ETCDCTL = (f"etcdctl --endpoints={ENDPOINTS} --cacert={PKI}/ca.crt "
           f"--cert={PKI}/healthcheck-client.crt --key={PKI}/healthcheck-client.key")


def etcdctl_json(host, args):
    return json.loads(host.check_output(f"{ETCDCTL} {args} --write-out=json"))


@pytest.fixture(scope="module")
def gate():
    return node(hosts_of("etcd")[0])


def test_every_member_is_healthy(gate):
    health = etcdctl_json(gate, "endpoint health --cluster")
    assert len(health) == 3
    assert all(entry["health"] for entry in health), health


def test_one_leader_and_equal_raft_terms(gate):
    status = etcdctl_json(gate, "endpoint status --cluster")
    assert len(status) == 3
    leaders = {entry["Status"]["leader"] for entry in status}
    terms = {entry["Status"]["raftTerm"] for entry in status}
    members = {entry["Status"]["header"]["member_id"] for entry in status}
    assert len(leaders) == 1 and leaders <= members
    assert len(terms) == 1


def test_members_hold_the_same_data(gate):
    # At one revision every member has applied: leader-election leases are written
    # every few seconds, so the members' latest revisions differ now and then.
    status = etcdctl_json(gate, "endpoint status --cluster")
    revision = min(entry["Status"]["header"]["revision"] for entry in status)
    hashes = etcdctl_json(gate, f"endpoint hashkv --cluster --rev={revision}")
    assert len(hashes) == 3 and {entry["HashKV"]["hash_revision"] for entry in hashes} == {revision}, hashes
    assert len({entry["HashKV"]["hash"] for entry in hashes}) == 1, hashes


def test_three_started_voting_members(gate):
    members = etcdctl_json(gate, "member list")["members"]
    assert sorted(m["name"] for m in members) == hosts_of("etcd")
    assert not any(m.get("isLearner") for m in members)


def test_runs_as_etcd_with_private_data(host):
    assert host.service("etcd").is_running and host.service("etcd").is_enabled
    process = host.process.get(comm="etcd")
    assert process.user == "etcd"
    data = host.file("/var/lib/etcd")
    assert (data.user, data.group, data.mode) == ("etcd", "etcd", 0o700)
    for key in ("server.key", "peer.key"):
        f = host.file(f"{PKI}/{key}")
        assert (f.user, f.mode) == ("etcd", 0o600)


def test_mutual_tls_flags_are_on_the_command_line(host):
    args = host.process.get(comm="etcd").args
    for flag in ("--client-cert-auth=true", "--peer-client-cert-auth=true",
                 f"--trusted-ca-file={PKI}/ca.crt", f"--peer-trusted-ca-file={PKI}/ca.crt",
                 "--auto-tls=false", "--peer-auto-tls=false",
                 "--listen-metrics-urls=http://127.0.0.1:2381"):
        assert flag in args


def test_listeners(host):
    name = host.backend.host
    address = host.check_output(f"getent hosts {name}").split()[0]
    assert host.socket(f"tcp://{address}:{ETCD_CLIENT_PORT}").is_listening
    assert host.socket(f"tcp://{address}:{ETCD_PEER_PORT}").is_listening
    assert host.socket("tcp://127.0.0.1:2381").is_listening
    assert not host.socket("tcp://0.0.0.0:2381").is_listening


def test_client_without_certificate_is_refused(gate):
    result = gate.run(f"etcdctl --endpoints={ENDPOINTS} --cacert={PKI}/ca.crt --command-timeout=5s get /probe")
    assert result.rc != 0, result.stdout
    # The TLS handshake itself refuses a client without a certificate.
    handshake = gate.run(f"curl -sS --max-time 5 --cacert {PKI}/ca.crt https://127.0.0.1:{ETCD_CLIENT_PORT}/version")
    assert handshake.rc != 0 and "etcdserver" not in handshake.stdout


def test_client_certificate_from_another_ca_is_refused(gate):
    # A client certificate of the Kubernetes CA, not of the etcd CA.
    k8s = "/etc/kubernetes/pki"
    result = gate.run(f"etcdctl --endpoints={ENDPOINTS} --cacert={PKI}/ca.crt "
                      f"--cert={k8s}/apiserver-kubelet-client.crt --key={k8s}/apiserver-kubelet-client.key "
                      "--command-timeout=5s get /probe")
    assert result.rc != 0, result.stdout


def test_health_endpoint_answers_on_loopback(host):
    assert '"health":"true"' in host.check_output("curl -s http://127.0.0.1:2381/health").replace(" ", "")


def test_rolled_flag_reached_every_member(host):
    # The side effect re-ran the role with snapshot-count changed.
    assert "--snapshot-count=20000" in host.process.get(comm="etcd").args


def test_roll_restarted_members_one_at_a_time():
    import os
    # Read right after the roll, before later side effects restart anything.
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "etcd-roll-starts.json")
    with open(path, encoding="utf-8") as handle:
        record = json.load(handle)
    members = [f"{name}/etcd" for name in hosts_of("etcd")]
    assert sorted(record["after"]) == sorted(members)
    # Every member restarted during the roll...
    assert all(int(record["after"][m]) > int(record["before"][m]) for m in members), record
    # ...each after the cluster was healthy again: seconds apart.
    starts = sorted(int(record["after"][m]) for m in members)
    assert all(later - earlier > 1_000_000 for earlier, later in zip(starts, starts[1:])), starts


def test_probe_saw_no_failed_write_during_the_roll():
    import os
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "etcd-roll-probe.json")
    with open(path, encoding="utf-8") as handle:
        probe = json.load(handle)
    print("etcd roll probe:", probe)
    assert probe["writes"] == 360
    assert probe["failures"] == 0, probe["errors"]


def test_the_roll_made_one_election_or_two_when_the_leader_restarted_first():
    import os
    from urllib.parse import urlsplit
    # The leader hands its leadership to the member that restarts least soon: when it restarts first (inventory
    # order), to the last, which hands it over once more at its turn; otherwise once. (Left to hand over by itself
    # as it stops, a leader picks the member connected longest: often the next to restart, one election each.)
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "etcd-roll-status.json")
    with open(path, encoding="utf-8") as handle:
        status = json.load(handle)
    terms = {moment: {entry["Status"]["raftTerm"] for entry in status[moment]} for moment in ("before", "after")}
    assert len(terms["before"]) == 1 and len(terms["after"]) == 1, terms
    leader = [urlsplit(entry["Endpoint"]).hostname for entry in status["before"]
              if entry["Status"]["header"]["member_id"] == entry["Status"]["leader"]]
    expected = 2 if leader == hosts_of("etcd")[:1] else 1
    assert terms["after"].pop() - terms["before"].pop() == expected, (leader, status)


def test_data_written_before_the_roll_reads_back(gate):
    assert gate.check_output(f"{ETCDCTL} get /kthw-test/marker --print-value-only") == "written-before-the-roll"


def test_snapshot_playbook_kept_one_verified_snapshot(mirror_dir, tmp_path):
    import glob
    import os
    import subprocess
    import tarfile
    from fleet import EPHEMERAL, ETCD_VERSION, PKI_DIR
    # The default place: beside the certificate set, with a git-ignore of its own.
    with open(os.path.join(PKI_DIR, "etcd-snapshots", ".gitignore"), encoding="utf-8") as handle:
        assert handle.read().splitlines()[-1] == "*"
    # The encryption key rotation, a later side effect, adds its own two (E0 and E4), the CA rotation one (P0),
    # the restore the one it restored; make test-full's rotation rolled back one more (P0).
    records = ["encryption_rotation.json", "ca_rotation.json", "etcd_restore.json"]
    if os.path.exists(os.path.join(EPHEMERAL, "ca_rollback.json")):
        records.append("ca_rollback.json")
    rotation_snapshots = set()
    for record in records:
        with open(os.path.join(EPHEMERAL, record), encoding="utf-8") as handle:
            rotation_snapshots.update(json.load(handle)["snapshots_new"])
    snapshots = [path for path in glob.glob(os.path.join(PKI_DIR, "etcd-snapshots", "etcd-*.db"))
                 if path not in rotation_snapshots]
    assert len(snapshots) == 1, snapshots  # two runs, etcd_snapshot_keep: 1
    # The second run, with cp1's etcd stopped, took it from the next healthy member.
    assert os.path.basename(snapshots[0]).startswith("etcd-cp2-"), snapshots
    assert os.stat(snapshots[0]).st_mode & 0o777 == 0o600
    # An independent check with etcdutl from the release tarball.
    name = f"etcd-v{ETCD_VERSION}-linux-amd64"
    with tarfile.open(os.path.join(mirror_dir, f"etcd/v{ETCD_VERSION}/{name}.tar.gz")) as archive:
        archive.extract(f"{name}/etcdutl", tmp_path)
    status = subprocess.run([str(tmp_path / name / "etcdutl"), "snapshot", "status", snapshots[0], "-w", "json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(status.stdout)["totalKey"] > 0
