#!/usr/bin/env bash
# Builds chains-oracle (Tekton Chains' own payload formatter, as a test peer) from the Go module proxy
# into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../../scripts/peers/versions.env
. "$root/scripts/peers/versions.env"
# go.mod is what the build uses; versions.env is what docs and helpers read: they must agree.
grep -q "^[[:space:]]*github.com/tektoncd/chains $CHAINS_VERSION\$" "$here/go.mod" || {
  echo "chains-oracle: test/chains-oracle/go.mod does not require github.com/tektoncd/chains $CHAINS_VERSION (scripts/peers/versions.env)" >&2
  exit 1
}
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
dir="$cache/peers/chains-oracle-$stamp"
bin="$dir/chains-oracle"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "chains-oracle: go is not on PATH" >&2; exit 1; }
  start=$(date +%s)
  echo "chains-oracle: go build (tektoncd/chains from the module proxy) -> $bin" >&2
  (
    cd "$here"
    CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly -trimpath -buildvcs=false" \
      go build -p "${PEERS_GO_P:-2}" -ldflags="-s -w" -o "$bin.tmp" . >&2
  )
  mv "$bin.tmp" "$bin"
  echo "chains-oracle: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
