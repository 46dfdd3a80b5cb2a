#!/usr/bin/env bash
# Build tkn (github.com/tektoncd/cli, TKN_VERSION in versions.env) from the Go module proxy into the
# cache. `go install ...@version` refuses the module (its go.mod has a replace directive), so this
# builds inside a writable copy of the downloaded module. Prints the binary path on stdout; progress
# and timing go to stderr. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   PEERS_GO_P=N              go build -p (default 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
dir="$cache/peers/tkn-$TKN_VERSION"
bin="$dir/tkn"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-tkn: go is not on PATH" >&2; exit 1; }
t0=$(date +%s)
src="$(cd / && GOFLAGS=-mod=mod go mod download -json "github.com/tektoncd/cli@$TKN_VERSION" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || { echo "build-tkn: go mod download github.com/tektoncd/cli@$TKN_VERSION gave no directory" >&2; exit 1; }
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work"
chmod -R u+w "$work"
echo "build-tkn: go build -p ${PEERS_GO_P:-2} ./cmd/tkn (tektoncd/cli $TKN_VERSION)" >&2
(
  cd "$work"
  CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-trimpath -buildvcs=false -mod=mod" \
    go build -p "${PEERS_GO_P:-2}" \
    -ldflags="-s -w -X github.com/tektoncd/cli/pkg/cmd/version.clientVersion=$TKN_VERSION" \
    -o "$bin.tmp" ./cmd/tkn >&2
)
mv -f "$bin.tmp" "$bin"
echo "build-tkn: built tkn $TKN_VERSION in $(( $(date +%s) - t0 ))s" >&2
echo "$bin"
