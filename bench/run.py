"""Measures the control plane's life cycle on the local fleet and prints one
JSON object (also written to bench/results/latest.json):

  cold_converge_s    site.yml on freshly created containers, until /readyz
                     answers through the load balancer
  noop_rerun_s       site.yml again; noop_changed must be 0
  rotation_s         playbooks/rotate_certs.yml (every leaf) under the API probe;
                     rotation_failed_probes must be 0; rotation_probe_slowest_round_s
                     (also ca_rotation_probe_slowest_round_s) is the slowest
                     read + write round: a stall shows though nothing failed
  encryption_rotation_s  playbooks/rotate_encryption_key.yml (E0-E5) under a probe
                     that writes and reads a Secret; encryption_rotation_failed_probes
                     must be 0; encryption_rewritten_objects
  sa_rotation_s      playbooks/rotate_service_account_key.yml: S1 and S2 under a
                     probe that also authenticates with a service-account token
                     minted before, then S3 (-e rotate_service_account_key_finish=true)
                     under one with a token minted after; sa_rotation_failed_probes
                     (both probes) must be 0
  cis_*              kube-bench on every control-plane node, summed
  lb_failover_s      the lb host holding the endpoint's address stopped (docker stop):
                     seconds from the stop until the address has left it and /readyz
                     answers through it again; lb_failover_failed_probes, the probe's
                     failed rounds meanwhile
  floor_s            the same binaries and files, services started by hand in
                     dependency order until /readyz through the load balancer (HAProxy
                     is stopped on both lb hosts too, so it includes the address
                     coming back: about 5 s of VRRP)
  upgrade_s          site.yml from the releases make test upgrades from (a fresh
                     fleet converged at kthw_previous_releases) to the pinned ones
                     under the probe; upgrade_failed_probes (etcd elections may
                     fail a write each, named in upgrade_probe_failures)
  five_node_*        the cold converge of a five-node control plane
  setup              the set-up steps (bench/setup_steps.py)

Every playbook runs the way the tests run it, the operator's way: the installed
collection, as the unprivileged local user of tools/setup/operator.sh, from its
site folder, over SSH as deploy with sudo.

Needs the set-up of `make setup`; destroys and recreates the Molecule fleets.
"""

import concurrent.futures
import glob
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RESULTS = os.path.join(ROOT, "bench", "results", "latest.json")
with open(os.path.join(ROOT, "tools", "operator", "site-settings.yml"), encoding="utf-8") as _handle:
    # The fleet's inventory settings (tools/setup/operator.sh writes them there).
    _SETTINGS = yaml.safe_load(_handle)
# The address lb1 and lb2 share with keepalived.
ENDPOINT_ADDRESS = _SETTINGS["cluster_api_endpoint_ip"]
ENDPOINT = "https://%s:%d" % (ENDPOINT_ADDRESS, _SETTINGS["cluster_api_endpoint_port"])
LB_READYZ = ENDPOINT + "/readyz"
with open(os.path.join(ROOT, "roles", "cluster", "defaults", "main.yml"), encoding="utf-8") as _handle:
    KUBERNETES_VERSION = yaml.safe_load(_handle)["cluster_kubernetes_version"]
LOAD_BALANCERS = ["lb1", "lb2"]
SERVICES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
OPERATOR = os.environ.get("KTHW_OPERATOR") or "kthw-operator"
OPERATOR_HOME = os.environ.get("KTHW_OPERATOR_HOME") or os.path.join("/home", OPERATOR)
SITE = os.path.join(OPERATOR_HOME, "site")
# The timing callback and its records, where the operator can read and write.
OPERATOR_BENCH = os.path.join(OPERATOR_HOME, "bench")


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(command, env=None, check=True, capture=False, cwd=ROOT):
    result = subprocess.run(command, cwd=cwd, env=env, check=False, text=True,
                            stdout=subprocess.PIPE if capture else sys.stderr,
                            stderr=subprocess.PIPE if capture else sys.stderr)
    if check and result.returncode != 0:
        raise SystemExit(f"[bench] failed ({result.returncode}): {' '.join(command)}\n"
                         f"{result.stderr if capture else ''}")
    return result


def ephemeral_dir(scenario):
    candidates = glob.glob(os.path.expanduser(f"~/.ansible/tmp/molecule.*.{scenario}"))
    if not candidates:
        raise SystemExit(f"[bench] no Molecule ephemeral folder for scenario {scenario}")
    return max(candidates, key=os.path.getmtime)


def pki_dir(scenario):
    """The operator's certificate set for a scenario's fleet, beside its inventory."""
    return os.path.join(SITE, "inventories", scenario, "pki")


def fresh_fleet(scenario):
    """Destroys every fleet and creates the scenario's containers with the operator's
    user and key on them (Molecule's create and prepare), unconfigured."""
    for name in ("ha", "ha5"):
        run(["molecule", "destroy", "-s", name])
    run(["tools/setup/clear-fleet.sh"])
    run(["tools/setup/operator.sh"])
    started = time.monotonic()
    run(["molecule", "create", "-s", scenario])
    return round(time.monotonic() - started, 1)


def lb_ready(pki_dir):
    context = ssl.create_default_context(cafile=os.path.join(pki_dir, "ca", "kubernetes.crt"))
    try:
        with urllib.request.urlopen(LB_READYZ, context=context, timeout=2) as response:
            return response.status == 200 and response.read() == b"ok"
    except OSError:
        return False


def wait_lb_ready(pki_dir, limit_s=300):
    deadline = time.monotonic() + limit_s
    while not lb_ready(pki_dir):
        if time.monotonic() > deadline:
            raise SystemExit(f"[bench] {LB_READYZ} not ready after {limit_s} s")
        time.sleep(0.2)


def operator_bench_dir():
    """The timing callback, copied where the operator reads it and writes its records."""
    callbacks = os.path.join(OPERATOR_BENCH, "callback_plugins")
    shutil.rmtree(OPERATOR_BENCH, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "bench", "callback_plugins"), callbacks)
    run(["chown", "-R", OPERATOR, OPERATOR_BENCH])
    return callbacks


def playbook(scenario, name, label, extra=(), output=None):
    """Runs a collection playbook (kthw.control_plane.site, ...) as the operator, with
    the site's ansible.cfg; returns wall seconds and the timing callback's record. With
    output (a list), its standard output is appended there as well as shown."""
    callbacks = operator_bench_dir() if label == "cold" else os.path.join(OPERATOR_BENCH, "callback_plugins")
    timings = os.path.join(OPERATOR_BENCH, f"timings-{scenario}-{label}.json")
    command = ["runuser", "-u", OPERATOR, "--", "env", "-i", f"HOME={OPERATOR_HOME}", f"USER={OPERATOR}",
               "PATH=/usr/bin:/bin", "LANG=C.UTF-8", f"ANSIBLE_CALLBACK_PLUGINS={callbacks}",
               "ANSIBLE_CALLBACKS_ENABLED=kthw_task_timings", f"KTHW_TIMINGS_FILE={timings}",
               os.path.join(OPERATOR_HOME, "venv", "bin", "ansible-playbook"), "-i", f"inventories/{scenario}/hosts.yml", name,
               *extra]
    log(f"{label}: {name} on {scenario}, as {OPERATOR} over SSH")
    started = time.monotonic()
    if output is None:
        run(command, cwd=SITE)
    else:
        result = run(command, cwd=SITE, capture=True)
        sys.stderr.write(result.stdout)
        output.append(result.stdout)
    seconds = time.monotonic() - started
    with open(timings, encoding="utf-8") as handle:
        record = json.load(handle)
    return seconds, record


def slowest(record, count=5):
    ordered = sorted(record["tasks"], key=lambda task: task["seconds"], reverse=True)[:count]
    return [{"task": t["task"], "role": t["role"], "s": round(t["seconds"], 1)} for t in ordered]


def cold_converge(scenario):
    # A cold run starts without cached facts of earlier fleets (clear-fleet.sh
    # removes the operator's).
    create_s = fresh_fleet(scenario)
    seconds, record = playbook(scenario, "kthw.control_plane.site", "cold")
    started = time.monotonic()
    wait_lb_ready(pki_dir(scenario))
    return round(seconds + time.monotonic() - started, 1), record, create_s


def under_probe(scenario, name, label, secret=False, count=2400, extra=(), probe_args=(), follow_kubeconfig=False):
    """Runs a collection playbook under the read + write probe through the load balancer
    (with secret, the probe writes and reads a Secret; with follow_kubeconfig, it takes its CAs
    and certificate from the admin kubeconfig as the playbook rewrites it); returns wall
    seconds, the probe's JSON, the timing record and the playbook's output."""
    probe, stop_file = start_probe(scenario, label, count, secret, probe_args, follow_kubeconfig)
    output = []
    try:
        time.sleep(2)
        seconds, record = playbook(scenario, name, label, extra=extra, output=output)
        time.sleep(2)
    finally:
        out = stop_probe(probe, stop_file)
    return round(seconds, 1), out, record, "".join(output)


def start_probe(scenario, label, count, secret=False, probe_args=(), follow_kubeconfig=False):
    """The read + write probe through the endpoint, in the background; returns it and its stop file."""
    pki = pki_dir(scenario)
    stop_file = os.path.join(ephemeral_dir(scenario), "bench-%s.stop" % label)
    if os.path.exists(stop_file):
        os.remove(stop_file)
    credentials = (["--kubeconfig", os.path.join(pki, "admin.kubeconfig")] if follow_kubeconfig else
                   ["--cacert", os.path.join(pki, "ca", "kubernetes.crt"), "--cert", os.path.join(pki, "admin.crt"),
                    "--key", os.path.join(pki, "admin.key")])
    probe = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "probes", "api_probe.py"), "--server", ENDPOINT]
        + credentials + ["--count", str(count), "--interval", "0.25",
                         "--name", "kthw-bench-%s-probe" % label, "--stop-file", stop_file]
        + (["--secret"] if secret else [])
        + list(probe_args),
        stdout=subprocess.PIPE, text=True)
    return probe, stop_file


def stop_probe(probe, stop_file):
    open(stop_file, "w", encoding="utf-8").close()
    return json.loads(probe.communicate(timeout=60)[0])


def rotation(scenario):
    seconds, probe, record, _output = under_probe(scenario, "kthw.control_plane.rotate_certs", "rotation")
    return seconds, probe, record


def encryption_rotation(scenario):
    """The encryption key rotation under a probe that writes and reads a Secret."""
    seconds, probe, _record, output = under_probe(scenario, "kthw.control_plane.rotate_encryption_key", "encryption",
                                                  secret=True, count=4800)
    rewritten = re.search(r"this run rewrote (\d+) objects", " ".join(output.split()))
    return seconds, probe, int(rewritten.group(1)) if rewritten else None


def kubectl(scenario, *args):
    """The mirror's kubectl with the admin kubeconfig of the scenario's controller PKI."""
    binary = os.path.join(os.environ["KTHW_MIRROR_DIR"], "kubernetes", "v%s" % KUBERNETES_VERSION, "bin", "linux",
                          "amd64", "kubectl")
    return run([binary, "--kubeconfig", os.path.join(pki_dir(scenario), "admin.kubeconfig")] + list(args),
               capture=True).stdout


def service_account_token(scenario, name):
    """A 2-hour token of the bench's service account, in a 0600 file; returns its path."""
    path = os.path.join(ephemeral_dir(scenario), "bench-sa-token-%s" % name)
    token = kubectl(scenario, "-n", "default", "create", "token", "kthw-bench-sa", "--duration=2h").strip()
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as handle:
        handle.write(token)
    return path


def sa_rotation(scenario):
    """The service-account key rotation: S1 and S2 under a probe that authenticates with a token
    minted before; S3 (finished now) under one with a token minted after. Seconds of both runs,
    failed rounds of both probes."""
    playbook_name = "kthw.control_plane.rotate_service_account_key"
    kubectl(scenario, "-n", "default", "create", "serviceaccount", "kthw-bench-sa")
    token_args = ["--token-user", "system:serviceaccount:default:kthw-bench-sa", "--token-file"]
    signed_s, before, _record, _output = under_probe(
        scenario, playbook_name, "sa-signed", count=4800, probe_args=token_args + [service_account_token(scenario, "before")])
    retired_s, after, _record, _output = under_probe(
        scenario, playbook_name, "sa-retired", count=4800, extra=["-e", "rotate_service_account_key_finish=true"],
        probe_args=token_args + [service_account_token(scenario, "after")])
    return round(signed_s + retired_s, 1), before["failed_rounds"] + after["failed_rounds"], \
        before["rounds"] + after["rounds"], round(signed_s, 1)


def ca_rotation(scenario):
    """Every CA (P0-P4) under the probe, which follows the admin kubeconfig the rotation rewrites."""
    seconds, probe, _record, _output = under_probe(scenario, "kthw.control_plane.rotate_ca", "ca-rotation", count=9600,
                                                   follow_kubeconfig=True)
    return seconds, probe


def etcd_restore(scenario):
    """A fresh snapshot, then the restore of it under the probe: seconds from the playbook's start until the load
    balancer answers /readyz again, and the probe's rounds (the failed ones are the outage)."""
    snapshots = os.path.join(pki_dir(scenario), "etcd-snapshots")
    before = set(os.listdir(snapshots)) if os.path.isdir(snapshots) else set()
    playbook(scenario, "kthw.control_plane.etcd_snapshot", "restore-snapshot", extra=["-e", "etcd_snapshot_keep=50"])
    taken = sorted(name for name in set(os.listdir(snapshots)) - before if name.endswith(".db"))[-1]
    seconds, probe, _record, _output = under_probe(
        scenario, "kthw.control_plane.etcd_restore", "restore", count=4800,
        extra=["-e", "etcd_restore_snapshot=" + taken, "-e", "etcd_restore_confirm=true"])
    started = time.monotonic()
    wait_lb_ready(pki_dir(scenario))
    return round(seconds + time.monotonic() - started, 1), probe


def replace_member(scenario):
    """cp3's etcd data lost (etcd stopped, its data folder deleted), then site.yml with
    etcd_replace_members under the probe: the dead member removed, cp3 added back as a
    learner and promoted; the two other nodes keep serving."""
    run(["docker", "exec", "cp3", "sh", "-c", "systemctl stop etcd && rm -rf /var/lib/etcd"])
    seconds, probe, _record, _output = under_probe(
        scenario, "kthw.control_plane.site", "replace", count=4800,
        extra=["-e", json.dumps({"etcd_replace_members": ["cp3"]})])
    return seconds, probe


def remove_member(scenario):
    """cp3 taken out of etcd under the probe (the apiservers first, one at a time), then
    put back: its mark deleted and site.yml joins it again as a learner."""
    seconds, probe, _record, _output = under_probe(
        scenario, "kthw.control_plane.etcd_remove_member", "remove", count=4800,
        extra=["-e", "etcd_remove_member_names=cp3", "-e", "etcd_remove_member_confirm_even=true"])
    run(["docker", "exec", "cp3", "rm", "/etc/etcd/removed.json"])
    rejoin_s, _record = playbook(scenario, "kthw.control_plane.site", "rejoin")
    return seconds, probe, round(rejoin_s, 1)


def floor(nodes, pki_dir):
    """Stops every service, then starts them by hand in dependency order."""
    def on_nodes(action, service):
        with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
            list(pool.map(lambda n: run(["docker", "exec", n, "systemctl", action, service]), nodes))

    for lb in LOAD_BALANCERS:
        run(["docker", "exec", lb, "systemctl", "stop", "haproxy"])
    for service in reversed(SERVICES):
        on_nodes("stop", service)
    started = time.monotonic()
    on_nodes("start", "etcd")  # Type=notify: returns once the member serves with a quorum
    for service in SERVICES[1:]:
        on_nodes("start", service)
    for lb in LOAD_BALANCERS:
        run(["docker", "exec", lb, "systemctl", "start", "haproxy"])
    wait_lb_ready(pki_dir)
    return round(time.monotonic() - started, 1)


def upgrade(scenario):
    """A fresh fleet converged at the releases make test upgrades from, then site.yml with the
    pinned ones under the probe; returns wall seconds and the probe's JSON."""
    with open(os.path.join(ROOT, "inventories", "molecule", "group_vars", "all.yml"), encoding="utf-8") as handle:
        previous = yaml.safe_load(handle)["kthw_previous_releases"]
    fresh_fleet(scenario)
    playbook(scenario, "kthw.control_plane.site", "cold", extra=["-e", json.dumps(previous)])
    wait_lb_ready(pki_dir(scenario))
    seconds, probe, _record, _output = under_probe(scenario, "kthw.control_plane.site", "upgrade")
    return seconds, probe


def address_holder():
    """The lb host that holds the endpoint's address (a stopped one holds nothing)."""
    for lb in LOAD_BALANCERS:
        held = run(["docker", "exec", lb, "ip", "-4", "-o", "addr", "show", "to", ENDPOINT_ADDRESS + "/32"],
                   check=False, capture=True)
        if held.returncode == 0 and held.stdout.strip():
            return lb
    return None


def lb_failover(scenario):
    """The lb host holding the endpoint's address stopped under the probe: seconds from the stop
    to the first /readyz answered through the address while it stops, and the probe; then it is
    started again and serves before this returns."""
    holder = address_holder()
    if holder is None:
        raise SystemExit(f"[bench] no lb host holds {ENDPOINT_ADDRESS}")
    probe, stop_file = start_probe(scenario, "lb-failover", 2400)
    try:
        time.sleep(3)
        stopped = time.monotonic()
        stopping = subprocess.Popen(["docker", "stop", "--time", "30", holder], stdout=subprocess.DEVNULL)
        # Until the address has left the stopping host, /readyz may still answer through it.
        while address_holder() == holder:
            time.sleep(0.05)
        wait_lb_ready(pki_dir(scenario), limit_s=60)
        seconds = time.monotonic() - stopped
        stopping.wait(timeout=60)
        time.sleep(5)
    finally:
        out = stop_probe(probe, stop_file)
        run(["docker", "start", holder])
    # Back as a backup, with its HAProxy serving, before the next measure uses it.
    deadline = time.monotonic() + 120
    while run(["docker", "exec", holder, "curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:8404/healthz"],
              check=False, capture=True).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"[bench] {holder} does not serve again")
        time.sleep(1)
    return round(seconds, 2), out


def cis(scenario):
    env = dict(os.environ, MOLECULE_EPHEMERAL_DIRECTORY=ephemeral_dir(scenario))
    out = run([sys.executable, os.path.join(ROOT, "bench", "cis.py")], env=env, capture=True).stdout
    return json.loads(out)


def main():
    result = {"machine": {"cpus": os.cpu_count()}}
    out = run([sys.executable, os.path.join(ROOT, "bench", "setup_steps.py")], capture=True).stdout
    result["setup"] = json.loads(out)

    cold_s, cold, create_s = cold_converge("ha")
    result.update(cold_converge_s=cold_s, fleet_create_s=create_s, task_count=cold["task_count"],
                  cold_changed=cold["changed"], slowest_tasks=slowest(cold))

    noop_s, noop = playbook("ha", "kthw.control_plane.site", "noop")
    result.update(noop_rerun_s=round(noop_s, 1), noop_changed=noop["changed"], noop_slowest_tasks=slowest(noop))

    rotation_s, probe, rotated = rotation("ha")
    result.update(rotation_s=rotation_s, rotation_failed_probes=probe["failed_rounds"],
                  rotation_probe_rounds=probe["rounds"], rotation_probe_failures=probe["failures"],
                  rotation_probe_slowest_round_s=probe["slowest_round_s"],
                  rotation_changed=rotated["changed"],
                  rotation_slowest_tasks=slowest(rotated))

    encryption_s, encryption_probe, rewritten = encryption_rotation("ha")
    result.update(encryption_rotation_s=encryption_s, encryption_rotation_failed_probes=encryption_probe["failed_rounds"],
                  encryption_rotation_probe_rounds=encryption_probe["rounds"], encryption_rewritten_objects=rewritten)

    sa_s, sa_failed, sa_rounds, sa_signed_s = sa_rotation("ha")
    result.update(sa_rotation_s=sa_s, sa_rotation_failed_probes=sa_failed, sa_rotation_probe_rounds=sa_rounds,
                  sa_rotation_signed_s=sa_signed_s)

    ca_s, ca_probe = ca_rotation("ha")
    result.update(ca_rotation_s=ca_s, ca_rotation_failed_probes=ca_probe["failed_rounds"],
                  ca_rotation_probe_rounds=ca_probe["rounds"], ca_rotation_probe_failures=ca_probe["failures"],
                  ca_rotation_probe_slowest_round_s=ca_probe["slowest_round_s"])

    restore_s, restore_probe = etcd_restore("ha")
    result.update(restore_s=restore_s, restore_probe_rounds=restore_probe["rounds"],
                  restore_failed_probes=restore_probe["failed_rounds"])

    replace_s, replace_probe = replace_member("ha")
    result.update(replace_node_s=replace_s, replace_node_probe_rounds=replace_probe["rounds"],
                  replace_node_failed_probes=replace_probe["failed_rounds"])

    remove_s, remove_probe, rejoin_s = remove_member("ha")
    result.update(remove_member_s=remove_s, remove_member_probe_rounds=remove_probe["rounds"],
                  remove_member_failed_probes=remove_probe["failed_rounds"], rejoin_member_s=rejoin_s)

    result.update(cis("ha"))

    lb_s, lb_probe = lb_failover("ha")
    result.update(lb_failover_s=lb_s, lb_failover_failed_probes=lb_probe["failed_rounds"],
                  lb_failover_probe_rounds=lb_probe["rounds"])

    floor_s = floor(["cp1", "cp2", "cp3"], pki_dir("ha"))
    result.update(floor_s=floor_s, cold_over_floor=round(cold_s / floor_s, 1))

    upgrade_s, upgrade_probe = upgrade("ha")
    result.update(upgrade_s=upgrade_s, upgrade_failed_probes=upgrade_probe["failed_rounds"],
                  upgrade_probe_rounds=upgrade_probe["rounds"], upgrade_probe_failures=upgrade_probe["failures"],
                  upgrade_probe_slowest_round_s=upgrade_probe["slowest_round_s"])

    five_s, five = cold_converge("ha5")[:2]
    # The cost of each node past three: what a larger control plane adds, whatever
    # the fixed part of a run.
    result.update(five_node_cold_converge_s=five_s, five_node_task_count=five["task_count"],
                  five_over_three=round(five_s / cold_s, 2), added_node_s=round((five_s - cold_s) / 2, 1),
                  five_node_slowest_tasks=slowest(five))
    run(["molecule", "destroy", "-s", "ha5"])

    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
        handle.write("\n")
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    # Figures are reported whatever they are; these are correctness, not speed.
    broken = [name for name in ("noop_changed", "rotation_failed_probes", "encryption_rotation_failed_probes",
                                "sa_rotation_failed_probes", "replace_node_failed_probes",
                                "remove_member_failed_probes", "cis_fail")
              if result[name] != 0]
    if broken:
        log(f"must be 0: {', '.join(f'{name}={result[name]}' for name in broken)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
