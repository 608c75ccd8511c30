"""Runs kube-bench inside the fleet's control-plane containers with this
collection's settings, for the Molecule checks (molecule/ha/tests/test_cis.py)
and `make bench` (bench/cis.py).

kube-bench and its cfg/ folder come from tools/cis/kube-bench.sh's cache; each
run copies them into the container, drops tools/cis/config.yaml in as the
benchmark's override (cfg/<benchmark>/config.yaml) and runs the targets of
tools/cis/expected.yml with JSON output. Only the docker CLI is needed.
"""

import json
import os
import subprocess

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# Where kube-bench is copied to inside a node.
REMOTE_DIR = "/opt/kube-bench"
STATES = ("PASS", "FAIL", "WARN", "INFO")


class KubeBenchError(Exception):
    """kube-bench is not built, could not be copied, or did not report."""


def expected():
    """The benchmark, its targets, and the documented skips and warnings."""
    with open(os.path.join(HERE, "expected.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def build_dir():
    """The cache directory of the pinned kube-bench; never builds it here."""
    result = subprocess.run([os.path.join(HERE, "kube-bench.sh"), "--installed"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise KubeBenchError(result.stderr.strip() or "tools/cis/kube-bench.sh --installed failed")
    return result.stdout.strip()


def control_plane_containers():
    """Names of the Molecule ha platforms in the control_plane group."""
    with open(os.path.join(ROOT, "molecule", "ha", "molecule.yml"), encoding="utf-8") as handle:
        platforms = yaml.safe_load(handle)["platforms"]
    return sorted(p["name"] for p in platforms if "control_plane" in p.get("groups", []))


def running(container):
    result = subprocess.run(["docker", "inspect", "--format", "{{.State.Running}}", container],
                            capture_output=True, text=True, check=False)
    return result.returncode == 0 and result.stdout.strip() == "true"


def automated_checks(source, settings):
    """IDs of the benchmark's automated (scored) checks in the chosen targets."""
    ids = []
    for target in settings["targets"]:
        with open(os.path.join(source, "cfg", settings["benchmark"], target + ".yaml"), encoding="utf-8") as handle:
            # Every scalar a string, as kube-bench reads them: id 2.10 is not 2.1.
            controls = yaml.load(handle, Loader=yaml.BaseLoader)
        ids += [c["id"] for g in controls["groups"] for c in g["checks"] if c.get("scored") == "true"]
    return ids


def _docker(*args, timeout=120):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise KubeBenchError(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def install(container, source, benchmark):
    """Copies kube-bench, its cfg/ and our override into the container, afresh."""
    _docker("exec", container, "rm", "-rf", REMOTE_DIR)
    _docker("cp", source, f"{container}:{REMOTE_DIR}")
    _docker("cp", os.path.join(HERE, "config.yaml"), f"{container}:{REMOTE_DIR}/cfg/{benchmark}/config.yaml")


def run(container, source=None, settings=None):
    """Runs the benchmark in one container; returns kube-bench's JSON report."""
    source = source or build_dir()
    settings = settings or expected()
    install(container, source, settings["benchmark"])
    command = [f"{REMOTE_DIR}/kube-bench", "run", "--config-dir", f"{REMOTE_DIR}/cfg",
               "--benchmark", settings["benchmark"], "--targets", ",".join(settings["targets"]),
               "--json", "--noremediations"]
    if settings.get("skip"):
        command += ["--skip", ",".join(sorted(settings["skip"]))]
    report = json.loads(_docker("exec", container, *command, timeout=300))
    versions = {c["version"] for c in report["Controls"]}
    if versions != {settings["benchmark"]}:
        raise KubeBenchError(f"{container}: kube-bench ran {versions}, not {settings['benchmark']}")
    return report


def results(report):
    """Every check of a report: {id: {"status", "scored", "text", "actual", "expected"}}."""
    checks = {}
    for controls in report["Controls"]:
        for group in controls["tests"]:
            for check in group["results"]:
                checks[check["test_number"]] = {
                    "status": check["status"], "scored": check["scored"], "text": check["test_desc"],
                    "actual": check.get("actual_value", ""), "expected": check.get("expected_result", ""),
                }
    return checks


def totals(reports):
    """cis_pass, cis_fail and cis_warn summed over the reports of several nodes."""
    summed = {"cis_" + state.lower(): 0 for state in STATES[:3]}
    for report in reports:
        for check in results(report).values():
            key = "cis_" + check["status"].lower()
            if key in summed:
                summed[key] += 1
    return summed
