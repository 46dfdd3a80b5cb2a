#!/usr/bin/env bash
# Make every test peer available before the test run (the project's test command calls this):
#   cosign CLI            scripts/peers/build-cosign.sh   (Go module proxy)
#   kube-apiserver, etcd  scripts/peers/build-kube.sh     (Go module proxy)
#   Tekton CRDs           go mod download github.com/tektoncd/pipeline@<pinned> (config/300-crds)
#   Tekton controller, resolvers  scripts/peers/build-tekton.sh (Go module proxy; the local sandbox)
#   tkn                   scripts/peers/build-tkn.sh      (Go module proxy; the local sandbox)
#   kubectl               scripts/peers/build-kubectl.sh  (same module as kube-apiserver; the local sandbox)
#   kurator-render        test/kurator/render/build.sh    (Go text/template + sprig, as Kurator renders)
#   docker-registry       Debian package (the OCI registry the tests run), installed when root
# Idempotent and fast when everything is cached. Versions: scripts/peers/versions.env and
# scripts/peers/kube-module/go.mod. Overrides: COSIGN_BIN, KUBEBUILDER_ASSETS, TEKTON_CRDS_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
start=$(date +%s)
step() { echo "build-all: $*" >&2; }

t=$(date +%s)
cosign="$("$here/build-cosign.sh")"
step "cosign: $cosign ($(( $(date +%s) - t ))s)"

t=$(date +%s)
assets="$("$here/build-kube.sh")"
step "kube-apiserver + etcd: $assets ($(( $(date +%s) - t ))s)"

t=$(date +%s)
tekton_check="$(bash "$here/../../test/task/tekton-check/build.sh")"
step "tekton-check (Tekton's own validation): $tekton_check ($(( $(date +%s) - t ))s)"

t=$(date +%s)
chains_oracle="$(bash "$here/../../test/chains-oracle/build.sh")"
step "chains-oracle (Tekton Chains $CHAINS_VERSION payload formatter): $chains_oracle ($(( $(date +%s) - t ))s)"

t=$(date +%s)
if [ -n "${TEKTON_CRDS_DIR:-}" ]; then
  crds="$TEKTON_CRDS_DIR"
else
  modcache="${GOMODCACHE:-${GOPATH:-$HOME/go}/pkg/mod}"
  crds="${modcache%%:*}/github.com/tektoncd/pipeline@$TEKTON_PIPELINE_VERSION/config/300-crds"
  if [ ! -d "$crds" ]; then
    dir="$(cd "$here" && GOFLAGS=-mod=mod go mod download -json "github.com/tektoncd/pipeline@$TEKTON_PIPELINE_VERSION" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    crds="$dir/config/300-crds"
  fi
fi
[ -d "$crds" ] || { echo "build-all: Tekton CRDs not found at $crds" >&2; exit 1; }
step "tekton CRDs ($TEKTON_PIPELINE_VERSION): $crds ($(( $(date +%s) - t ))s)"

t=$(date +%s)
tekton="$("$here/build-tekton.sh")"
step "Tekton controller + resolvers (local sandbox): $tekton ($(( $(date +%s) - t ))s)"

t=$(date +%s)
tkn="$("$here/build-tkn.sh")"
step "tkn $TKN_VERSION (local sandbox): $tkn ($(( $(date +%s) - t ))s)"

t=$(date +%s)
kubectl="$("$here/build-kubectl.sh")"
step "kubectl (local sandbox, same module as kube-apiserver): $kubectl ($(( $(date +%s) - t ))s)"

t=$(date +%s)
kurator_render="$(bash "$here/../../test/kurator/render/build.sh")"
step "kurator-render (Kurator's text/template + sprig rendering): $kurator_render ($(( $(date +%s) - t ))s)"

t=$(date +%s)
if command -v docker-registry >/dev/null 2>&1; then
  step "docker-registry: $(command -v docker-registry)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q --no-install-recommends docker-registry >&2; }
  if ! apt_install; then
    step "apt-get install failed; running apt-get update and retrying"
    apt-get update -q >&2
    apt_install
  fi
  step "docker-registry: installed $(command -v docker-registry) ($(( $(date +%s) - t ))s)"
else
  step "WARNING: docker-registry is missing and this is not root with apt-get: registry tests will fail"
fi

step "all peers ready in $(( $(date +%s) - start ))s"
