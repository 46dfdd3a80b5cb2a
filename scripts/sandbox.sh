#!/usr/bin/env bash
# A local Tekton on 127.0.0.1, for trying tekton-attest by hand and for the e2e tests (docs/sandbox.md):
#   bash scripts/sandbox.sh up DIR     start it; returns once Tekton's controller is ready
#   bash scripts/sandbox.sh down DIR   stop everything `up` started
# `up` leaves DIR/kubeconfig (cluster admin), DIR/registry (host:port of a plain-HTTP registry),
# DIR/bin/{kubectl,tkn,cosign,tekton-attest} (the last runs this checkout's dist/cli.js) and DIR/logs/. The peers are built into ~/.cache/tekton-attest on first use
# (scripts/peers/build-all.sh builds them all up front).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: bash scripts/sandbox.sh up|down DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
pidfile="$dir/sandbox.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

down() {
  if running; then
    local pid waited=0
    pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Anything the supervisor could not stop (it was killed, or timed out).
  if [ -f "$dir/pids" ]; then
    while read -r pid; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done < "$dir/pids"
    rm -f "$dir/pids"
  fi
  # The pods' volumes hold copies of Secrets and service-account tokens.
  rm -rf "$pidfile" "$dir/ready" "$dir/state"
}

case "$cmd" in
  up)
    if running; then echo "sandbox: already running in $dir (bash scripts/sandbox.sh down $dir)" >&2; exit 1; fi
    start=$(date +%s)
    # shellcheck source=ensure-node.sh
    source "$root/scripts/ensure-node.sh" >/dev/null
    command -v docker-registry >/dev/null || { echo "sandbox: docker-registry is missing (apt-get install docker-registry, or scripts/peers/build-all.sh as root)" >&2; exit 1; }
    [ -d "$root/node_modules" ] || { echo "sandbox: run npm ci in $root first" >&2; exit 1; }
    # The tekton-attest image's steps run this checkout's built CLI.
    [ -f "$root/dist/cli.js" ] || (cd "$root" && npm run build >&2)
    assets="$("$root/scripts/peers/build-kube.sh")"
    tekton="$("$root/scripts/peers/build-tekton.sh")"
    kubectl="$("$root/scripts/peers/build-kubectl.sh")"
    tkn="$("$root/scripts/peers/build-tkn.sh")"
    cosign="$("$root/scripts/peers/build-cosign.sh")"
    mkdir -p "$dir/bin" "$dir/logs"
    ln -sf "$kubectl" "$dir/bin/kubectl"
    ln -sf "$tkn" "$dir/bin/tkn"
    ln -sf "$cosign" "$dir/bin/cosign"
    printf '#!/bin/sh\nexec %q %q "$@"\n' "$(command -v node)" "$root/dist/cli.js" >"$dir/bin/tekton-attest"
    chmod +x "$dir/bin/tekton-attest"
    rm -f "$dir/ready" "$dir/kubeconfig" "$dir/registry"
    TEKTON_SANDBOX_TEKTON_DIR="$tekton" KUBEBUILDER_ASSETS="$assets" setsid \
      node --import "$root/test/sandbox/ts-resolve.mjs" "$root/test/sandbox/main.ts" "$dir" \
      >>"$dir/logs/sandbox.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    until [ -f "$dir/ready" ]; do
      if ! running; then
        echo "sandbox: failed to start; the end of $dir/logs/sandbox.log:" >&2
        tail -n 30 "$dir/logs/sandbox.log" >&2
        down
        exit 1
      fi
      sleep 0.2
    done
    echo "sandbox: up in $(( $(date +%s) - start ))s. Use it with:" >&2
    echo "  export KUBECONFIG=$dir/kubeconfig PATH=$dir/bin:\$PATH   # registry: $(cat "$dir/registry")" >&2
    ;;
  down)
    down
    ;;
  *) usage ;;
esac
