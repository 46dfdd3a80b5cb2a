#!/usr/bin/env bash
# Builds tekton-check (Tekton's own validation and bundles resolver, as a test peer) from the Go module proxy
# into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
dir="$cache/peers/tekton-check-$stamp"
bin="$dir/tekton-check"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "tekton-check: go is not on PATH" >&2; exit 1; }
  start=$(date +%s)
  echo "tekton-check: go build (tektoncd/pipeline from the module proxy) -> $bin" >&2
  (
    cd "$here"
    CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly -trimpath -buildvcs=false" \
      go build -p "${PEERS_GO_P:-2}" -ldflags="-s -w" -o "$bin.tmp" . >&2
  )
  mv "$bin.tmp" "$bin"
  echo "tekton-check: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
