#!/usr/bin/env bash
# Builds tekton-check (Tekton's own validation and bundles resolver, as a test peer) from the Go module proxy
# into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   (cache, lock and build flags: scripts/peers/go-peer.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=../../../scripts/peers/go-peer.sh
. "$root/scripts/peers/go-peer.sh"
build_go_peer tekton-check "$here"
