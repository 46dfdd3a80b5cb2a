#!/usr/bin/env bash
# Build the envtest-style Kubernetes test peers, kube-apiserver and etcd, from the Go module
# proxy, using the wrapper module in scripts/peers/kube-module (versions pinned in its go.mod).
# Prints the assets directory (holding kube-apiserver and etcd) on stdout (last line);
# progress and timing go to stderr.
#   KUBEBUILDER_ASSETS=dir       use that directory (envtest convention), build nothing
#   TEKTON_ATTEST_CACHE=dir      cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   PEERS_GO_P=N                 go build -p (default 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
mod="$here/kube-module"

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] && [ -x "$KUBEBUILDER_ASSETS/etcd" ]; then
    echo "$KUBEBUILDER_ASSETS"; exit 0
  fi
  echo "build-kube: KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks an executable kube-apiserver and etcd" >&2
  exit 1
fi

# The versions are the ones the wrapper module pins (single source of truth).
modver() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$mod/go.mod"; }
kube_version="$(modver k8s.io/kubernetes)"
etcd_version="$(modver go.etcd.io/etcd/server/v3)"
[ -n "$kube_version" ] && [ -n "$etcd_version" ] || { echo "build-kube: cannot read versions from $mod/go.mod" >&2; exit 1; }

dir="$cache/peers/kube-$kube_version"
stamp="$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)"
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$dir"; exit 0
fi

command -v go >/dev/null || { echo "build-kube: go is not on PATH" >&2; exit 1; }
mkdir -p "$dir"
rm -f "$dir/.stamp"
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
p="${PEERS_GO_P:-2}"
cd "$mod"

t0=$(date +%s)
echo "build-kube: go mod download (k8s.io/kubernetes $kube_version, etcd $etcd_version)" >&2
go mod download >&2
t1=$(date +%s)
echo "build-kube: modules ready in $((t1 - t0))s" >&2

# Build to a temp name and rename: a concurrent run never sees a half-written binary.
echo "build-kube: go build -p $p -o $dir/etcd go.etcd.io/etcd/server/v3" >&2
go build -p "$p" -ldflags="-s -w" -o "$dir/etcd.tmp.$$" go.etcd.io/etcd/server/v3 >&2
mv -f "$dir/etcd.tmp.$$" "$dir/etcd"
t2=$(date +%s)
echo "build-kube: etcd $etcd_version built in $((t2 - t1))s" >&2

# shellcheck source=kube-ldflags.sh
. "$here/kube-ldflags.sh"
vflags="$(kube_version_ldflags "$kube_version")"
echo "build-kube: go build -p $p -o $dir/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver" >&2
go build -p "$p" -ldflags="-s -w$vflags" -o "$dir/kube-apiserver.tmp.$$" k8s.io/kubernetes/cmd/kube-apiserver >&2
mv -f "$dir/kube-apiserver.tmp.$$" "$dir/kube-apiserver"
t3=$(date +%s)
echo "build-kube: kube-apiserver $kube_version built in $((t3 - t2))s (total $((t3 - t0))s)" >&2
echo "$stamp" > "$dir/.stamp"
echo "$dir"
