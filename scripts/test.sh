#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: Node 22, npm ci, the test peers, then npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
if [ -x scripts/peers/build-all.sh ]; then bash scripts/peers/build-all.sh; fi
npm test
