# shellcheck shell=bash
# Sourced by the set-up scripts: records how long a cold (non-reused) step took,
# so `make bench` can report cold timings without redoing hour-long builds.
record_cold_timing() { # step seconds
  local dir=${KTHW_CACHE_DIR:-/var/cache/kthw}/timings
  mkdir -p "$dir"
  printf '{"seconds": %s, "recorded_at": "%s"}\n' "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/$1.json"
}
