#!/usr/bin/env bash
# The embedded default: installs what is needed and runs `tekton-attest demo` (offline, no cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
npm ci --no-audit --no-fund --silent
npm run --silent build
node dist/cli.js demo "$@"
