#!/usr/bin/env bash
# Builds kurator-render (Kurator's template rendering: text/template + sprig, as a test peer) from the Go module
# proxy into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
dir="$cache/peers/kurator-render-$stamp"
bin="$dir/kurator-render"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "kurator-render: go is not on PATH" >&2; exit 1; }
  start=$(date +%s)
  (
    cd "$here"
    CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly -trimpath -buildvcs=false" \
      go build -p "${PEERS_GO_P:-2}" -ldflags="-s -w" -o "$bin.tmp" . >&2
  )
  mv "$bin.tmp" "$bin"
  echo "kurator-render: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
