#!/usr/bin/env bash
# Builds kurator-render (Kurator's template rendering: text/template + sprig, as a test peer) from the Go module
# proxy into the cache, once per source version; prints the binary path. Concurrent callers wait on a lock.
#   (cache, lock and build flags: scripts/peers/go-peer.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../scripts/peers/go-peer.sh
. "$here/../../../scripts/peers/go-peer.sh"
build_go_peer kurator-render "$here"
