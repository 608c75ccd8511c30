#!/usr/bin/env bash
# make test after setup: the Molecule scenarios, with lint and unit tests run
# beside them at the lowest CPU and I/O priority (they take the moments the
# fleet leaves a core idle rather than slow its gates; the two share no files).
# The checks' output is printed when they end; a failed check stops the
# scenarios at once. Set-up ran before (make test
# depends on it), so neither make below runs it again. A scenario that fails keeps
# its fleet for a look (tools/setup/clear-fleet.sh, or the next run, removes it).
set -euo pipefail
set -m  # each background job in its own process group, so it can be stopped whole

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
checks_log=$(mktemp)
trap 'rm -f "$checks_log"' EXIT

make --no-print-directory -o setup molecule &
scenarios=$!

checks_rc=0
nice -n 19 ionice -c 2 -n 7 make --no-print-directory -o venv lint unit >"$checks_log" 2>&1 || checks_rc=$?
printf '\n==== lint, sanity and unit tests (run beside the scenarios) ====\n'
cat "$checks_log"
if [ "$checks_rc" -ne 0 ]; then
  echo "[test] lint, sanity or unit tests failed: stopping the scenarios" >&2
  kill -TERM -- "-$scenarios" 2>/dev/null || true
  wait "$scenarios" || true
  exit "$checks_rc"
fi
printf '==== lint, sanity and unit tests passed ====\n\n'

wait "$scenarios"
