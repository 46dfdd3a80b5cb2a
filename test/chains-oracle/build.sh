#!/usr/bin/env bash
# Builds chains-oracle (Tekton Chains' own payload formatter, as a test peer) from the Go module proxy
# into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   (cache, lock and build flags: scripts/peers/go-peer.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../../scripts/peers/versions.env
. "$root/scripts/peers/versions.env"
# shellcheck source=../../scripts/peers/go-peer.sh
. "$root/scripts/peers/go-peer.sh"
# go.mod is what the build uses; versions.env is what docs and helpers read: they must agree.
grep -q "^[[:space:]]*github.com/tektoncd/chains $CHAINS_VERSION\$" "$here/go.mod" || {
  echo "chains-oracle: test/chains-oracle/go.mod does not require github.com/tektoncd/chains $CHAINS_VERSION (scripts/peers/versions.env)" >&2
  exit 1
}
build_go_peer chains-oracle "$here"
