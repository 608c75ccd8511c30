#!/usr/bin/env bash
# Builds kube-bench from its Go module (no release download is reachable here)
# into a cache outside the work tree, beside its cfg/ folder, which the binary
# does not embed:
#   ${KTHW_CACHE_DIR:-/var/cache/kthw}/kube-bench/v<version>/{kube-bench,cfg/}
# A complete cache is reused as is. Prints the directory.
#   --installed  only print the directory of a complete cache; fail otherwise
set -euo pipefail

# The pinned kube-bench release: the newest the Go module proxy serves with a
# checksum the checksum database confirms. Its newest CIS Kubernetes benchmark
# is what the tests run (tools/cis/expected.yml).
kube_bench_version=0.15.1

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KTHW_CACHE_DIR:-/var/cache/kthw}
dir="$cache/kube-bench/v$kube_bench_version"
module=github.com/aquasecurity/kube-bench

log() { printf '[kube-bench] %s\n' "$*" >&2; }
# shellcheck source=tools/setup/timing.sh
. "$root/tools/setup/timing.sh"

complete() {
  [ -x "$dir/kube-bench" ] && [ -s "$dir/cfg/config.yaml" ] &&
    [ "$("$dir/kube-bench" version 2>/dev/null)" = "v$kube_bench_version" ]
}

if complete; then
  log "reusing $dir"
  echo "$dir"
  exit 0
fi
if [ "${1:-}" = --installed ]; then
  log "kube-bench v$kube_bench_version is not built in $dir: run tools/cis/kube-bench.sh (make setup)"
  exit 1
fi

command -v go >/dev/null 2>&1 || PATH=/usr/local/go/bin:$PATH
export CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$cache/kube-bench"
stage=$(mktemp -d "$cache/kube-bench/.build.XXXXXX")
trap 'rm -rf "$stage"' EXIT

log "building kube-bench v$kube_bench_version from its Go module (a few minutes on two cores)"
# `go install module@version` needs the proxy's version list (to look for a
# deprecation notice), which this proxy refuses; a wrapper module requiring the
# exact version resolves the same dependencies from kube-bench's own go.mod.
mkdir "$stage/src"
printf 'module kthw.local/kube-bench\n' >"$stage/src/go.mod"
(cd "$stage/src" && { go get "$module@v$kube_bench_version" 2>get.log || { cat get.log >&2; exit 1; }; } &&
  go build -trimpath -ldflags "-s -w -X $module/cmd.KubeBenchVersion=v$kube_bench_version" \
    -o "$stage/kube-bench" "$module")
rm -rf "$stage/src"
# The control files come from the same module version, writable so that a
# run can drop its own settings beside them.
cp -R "$(go env GOMODCACHE)/$module@v$kube_bench_version/cfg" "$stage/cfg"
chmod -R u+w "$stage/cfg"

rm -rf "$dir"
mv "$stage" "$dir"
chmod 0755 "$dir"
trap - EXIT
complete || { log "the build in $dir is incomplete"; exit 1; }
record_cold_timing kube-bench "$SECONDS"
echo "$dir"
