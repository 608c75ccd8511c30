#!/usr/bin/env bash
# Builds the release binaries from their tagged Go modules when the upstream
# release downloads are unreachable, and lays them out exactly like upstream:
#   <out>/kubernetes/v<ver>/bin/linux/<arch>/<binary>{,.sha256}
#   <out>/etcd/v<ver>/etcd-v<ver>-linux-<arch>.tar.gz + SHA256SUMS
# Usage: build-from-source.sh OUT_DIR KUBERNETES_VERSION ETCD_VERSION
set -euo pipefail

out=$1 kube_version=$2 etcd_version=$3
arch=$(go env GOARCH)
work=${KTHW_CACHE_DIR:-/var/cache/kthw}/gobuild
# Fixed build date: the same tag always yields the same bytes and checksum.
build_date=2000-01-01T00:00:00Z
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

log() { printf '[mirror] %s\n' "$*" >&2; }

# A wrapper module requiring <module>@<tag> plus the replaces its go.mod
# points at local staging folders, redirected to the published versions.
make_wrapper() { # dir go.mod-body
  mkdir -p "$1"
  printf 'module kthw.local/build\n\ngo 1.26\n\n%s\n' "$2" >"$1/go.mod"
}

build_kubernetes() {
  local v=$kube_version dest="$out/kubernetes/v$kube_version/bin/linux/$arch"
  local minor=${v#*.}; minor=${minor%%.*}
  local binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=()
  for b in "${binaries[@]}"; do [ -s "$dest/$b.sha256" ] || missing+=("$b"); done
  [ ${#missing[@]} -eq 0 ] && { log "kubernetes v$v already in the mirror"; return 0; }

  local dir="$work/kubernetes-v$v"
  local mod
  mod=$(curl -fsS "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/v$v.mod")
  local replaces
  replaces=$(printf '%s\n' "$mod" | sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#replace \1 => \1 v0.'"$minor.${v##*.}"'#p')
  make_wrapper "$dir" "require k8s.io/kubernetes v$v"$'\n'"$replaces"
  mkdir -p "$dest"
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version
  local ldflags="-s -w"
  for p in $pkg $cpkg; do
    ldflags+=" -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
  done
  for b in "${missing[@]}"; do
    log "building $b v$v (minutes on a small machine)"
    (cd "$dir" && go get "k8s.io/kubernetes/cmd/$b@v$v" && go build -trimpath -ldflags "$ldflags" -o "$dest/$b.tmp" "k8s.io/kubernetes/cmd/$b")
    mv "$dest/$b.tmp" "$dest/$b"
    (cd "$dest" && sha256sum "$b" | cut -d' ' -f1 >"$b.sha256.tmp" && mv "$b.sha256.tmp" "$b.sha256")
  done
}

build_etcd() {
  local v=$etcd_version name="etcd-v$etcd_version-linux-$arch"
  local dest="$out/etcd/v$v"
  [ -s "$dest/SHA256SUMS" ] && { log "etcd v$v already in the mirror"; return 0; }
  local dir="$work/etcd-v$v" stage
  # The server, etcdctl and etcdutl modules build as plain dependencies.
  make_wrapper "$dir" "require (
	go.etcd.io/etcd/server/v3 v$v
	go.etcd.io/etcd/etcdctl/v3 v$v
	go.etcd.io/etcd/etcdutl/v3 v$v
)"
  stage=$(mktemp -d)
  mkdir -p "$stage/$name" "$dest"
  local ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$v"
  for pair in etcd:go.etcd.io/etcd/server/v3 etcdctl:go.etcd.io/etcd/etcdctl/v3 etcdutl:go.etcd.io/etcd/etcdutl/v3; do
    local b=${pair%%:*} pkg=${pair#*:}
    log "building $b v$v"
    (cd "$dir" && go get "$pkg@v$v" && go build -trimpath -ldflags "$ldflags" -o "$stage/$name/$b" "$pkg")
  done
  tar -C "$stage" --owner=0 --group=0 --mtime="$build_date" --sort=name -czf "$dest/$name.tar.gz.tmp" "$name"
  mv "$dest/$name.tar.gz.tmp" "$dest/$name.tar.gz"
  (cd "$dest" && sha256sum "$name.tar.gz" >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
  rm -rf "$stage"
}

build_etcd
build_kubernetes
