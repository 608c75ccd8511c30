"""Runs kube-bench (tools/cis) on every control-plane container of the running
fleet and prints JSON with cis_pass, cis_fail and cis_warn summed over the
nodes, and cis_nodes. Fails when the fleet is not running or kube-bench is not
built (tools/cis/kube-bench.sh, part of `make setup`) or does not report.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "cis"))
import kube_bench  # noqa: E402  pylint: disable=wrong-import-position


def main():
    containers = kube_bench.control_plane_containers()
    stopped = [name for name in containers if not kube_bench.running(name)]
    if stopped:
        sys.exit(f"[cis] not running: {', '.join(stopped)} (bring the fleet up with `make cluster`)")
    try:
        source = kube_bench.build_dir()
        settings = kube_bench.expected()
        reports = [kube_bench.run(name, source, settings) for name in containers]
    except kube_bench.KubeBenchError as error:
        sys.exit(f"[cis] {error}")
    json.dump({**kube_bench.totals(reports), "cis_nodes": len(reports)}, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
