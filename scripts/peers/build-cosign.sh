#!/usr/bin/env bash
# Build the cosign CLI (test peer) from the Go module proxy into the project cache.
# Prints the binary path on stdout (last line); progress and timing go to stderr.
#   COSIGN_BIN=/path/to/cosign     use that binary, build nothing
#   TEKTON_ATTEST_CACHE=dir        cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   COSIGN_VERSION=v3.x.y          override the pinned version
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pinned="$(sed -n 's/^COSIGN_VERSION=//p' "$here/versions.env")"
COSIGN_VERSION="${COSIGN_VERSION:-$pinned}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"

if [ -n "${COSIGN_BIN:-}" ]; then
  if [ -x "$COSIGN_BIN" ]; then echo "$COSIGN_BIN"; exit 0; fi
  echo "build-cosign: COSIGN_BIN=$COSIGN_BIN is not an executable file" >&2
  exit 1
fi

major="${COSIGN_VERSION%%.*}"   # v3 / v2
case "$major" in
  v2|v3) module="github.com/sigstore/cosign/$major" ;;
  *) echo "build-cosign: unsupported COSIGN_VERSION=$COSIGN_VERSION" >&2; exit 1 ;;
esac
dir="$cache/peers/cosign-$COSIGN_VERSION"
bin="$dir/cosign"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-cosign: go is not on PATH" >&2; exit 1; }
mkdir -p "$dir"
start=$(date +%s)
echo "build-cosign: go install $module/cmd/cosign@$COSIGN_VERSION -> $dir" >&2
# GOMODCACHE/GOCACHE: Go's defaults (~/go/pkg/mod, ~/.cache/go-build) persist on the machine.
# -p 2: the machines have 2 cores; more parallel compiles only raise peak memory.
GOBIN="$dir" GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 \
  go install -p "${PEERS_GO_P:-2}" -ldflags="-s -w \
    -X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION" \
    "$module/cmd/cosign@$COSIGN_VERSION" >&2
if [ ! -x "$bin" ]; then echo "build-cosign: go install finished but $bin is missing" >&2; exit 1; fi
echo "build-cosign: built cosign $COSIGN_VERSION in $(( $(date +%s) - start ))s" >&2
echo "$bin"
