"""Times each set-up step and prints one JSON object.

Warm timings are measured now by re-running each step (everything reused).
Cold timings are what each step recorded the last time it really did its work
(`$KTHW_CACHE_DIR/timings/<step>.json`): re-doing a Go build of Kubernetes here
would take tens of minutes. The venv is also measured cold now, in a scratch
directory with pip's download cache warm.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CACHE = os.environ.get("KTHW_CACHE_DIR", "/var/cache/kthw")
STEPS = {
    "venv": ["tools/setup/venv.sh"],
    "engine": ["tools/setup/docker-engine.sh"],
    "image": ["tools/setup/node-image.sh"],
    "mirror": ["tools/mirror/fill.sh"],
    "mirror-previous": ["tools/mirror/fill.sh", "previous"],
    "kube-bench": ["tools/cis/kube-bench.sh"],
}


def timed(command, **kwargs):
    start = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, **kwargs)
    return round(time.monotonic() - start, 2)


def recorded_cold(step):
    try:
        with open(os.path.join(CACHE, "timings", step + ".json"), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def venv_cold_now():
    with tempfile.TemporaryDirectory() as scratch:
        venv = os.path.join(scratch, "venv")
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet",
                        "--disable-pip-version-check", "-r", "requirements.txt",
                        "-c", "constraints.txt"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return round(time.monotonic() - start, 2)


def main():
    result = {"warm_s": {}, "cold_s": {}, "cold_recorded": {}}
    for step, command in STEPS.items():
        result["warm_s"][step] = timed(command)
        recorded = recorded_cold(step)
        result["cold_recorded"][step] = recorded
        result["cold_s"][step] = recorded["seconds"] if recorded else None
    result["cold_s"]["venv_measured_now_pip_cache_warm"] = venv_cold_now()
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
