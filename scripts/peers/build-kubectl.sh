#!/usr/bin/env bash
# Build kubectl (k8s.io/kubernetes/cmd/kubectl) from the same wrapper module as kube-apiserver
# (scripts/peers/kube-module, so client and server are the same Kubernetes version), into the cache.
# Prints the binary path on stdout; progress and timing go to stderr. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   PEERS_GO_P=N              go build -p (default 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
mod="$here/kube-module"
kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$mod/go.mod")"
[ -n "$kube_version" ] || { echo "build-kubectl: cannot read the k8s.io/kubernetes version from $mod/go.mod" >&2; exit 1; }
stamp="$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)"
dir="$cache/peers/kubectl-$kube_version-$stamp"
bin="$dir/kubectl"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-kubectl: go is not on PATH" >&2; exit 1; }
# shellcheck source=kube-ldflags.sh
. "$here/kube-ldflags.sh"
t0=$(date +%s)
echo "build-kubectl: go build -p ${PEERS_GO_P:-2} k8s.io/kubernetes/cmd/kubectl ($kube_version)" >&2
(
  cd "$mod"
  CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
    go build -p "${PEERS_GO_P:-2}" -ldflags="-s -w$(kube_version_ldflags "$kube_version")" \
    -o "$bin.tmp" k8s.io/kubernetes/cmd/kubectl >&2
)
mv -f "$bin.tmp" "$bin"
echo "build-kubectl: built kubectl $kube_version in $(( $(date +%s) - t0 ))s" >&2
echo "$bin"
