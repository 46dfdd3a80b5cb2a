#!/usr/bin/env bash
# Build Tekton Pipelines' own controller and resolvers, and the two binaries its pods run (the step
# entrypoint and the working-dir initializer), from the Go module proxy (github.com/tektoncd/pipeline
# cmd/{controller,resolvers,entrypoint,workingdirinit}, pinned in scripts/peers/tekton-module/go.mod) into
# the cache, once per module stamp. Prints the directory holding the binaries and `config/` (the module's
# CRDs and release ConfigMaps) on stdout; progress and timing go to stderr. Concurrent callers wait on a lock.
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   PEERS_GO_P=N              go build -p (default 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
mod="$here/tekton-module"
version="$(awk '$1 == "github.com/tektoncd/pipeline" && $2 ~ /^v/ { print $2; exit }' "$mod/go.mod")"
[ -n "$version" ] || { echo "build-tekton: cannot read the tektoncd/pipeline version from $mod/go.mod" >&2; exit 1; }
pinned="$(sed -n 's/^TEKTON_PIPELINE_VERSION=//p' "$here/versions.env")"
if [ "$version" != "$pinned" ]; then
  echo "build-tekton: $mod/go.mod has tektoncd/pipeline $version but versions.env pins $pinned: make them agree" >&2
  exit 1
fi
stamp="$(cat "$mod/go.mod" "$mod/go.sum" "$mod/controller/main.go" "$mod/resolvers/main.go" | sha256sum | cut -c1-16)"
dir="$cache/peers/tekton-$version-$stamp"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -x "$dir/controller" ] && [ -x "$dir/resolvers" ] && [ -x "$dir/entrypoint" ] && [ -x "$dir/workingdirinit" ] && [ -d "$dir/config" ]; then echo "$dir"; exit 0; fi

command -v go >/dev/null || { echo "build-tekton: go is not on PATH" >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
p="${PEERS_GO_P:-2}"
cd "$mod"
t0=$(date +%s)
go mod download >&2
src="$(go list -m -f '{{.Dir}}' github.com/tektoncd/pipeline)"
echo "build-tekton: modules ready in $(( $(date +%s) - t0 ))s" >&2
# The controller and resolvers are built from ./controller and ./resolvers: upstream's mains with knative's
# fixed :8080 probe server off (see there).
for cmd in controller resolvers entrypoint workingdirinit; do
  pkg="github.com/tektoncd/pipeline/cmd/$cmd"
  [ -d "$mod/$cmd" ] && pkg="./$cmd"
  t=$(date +%s)
  echo "build-tekton: go build -p $p $pkg ($version)" >&2
  # Build to a temp name and rename: a concurrent reader never sees a half-written binary.
  go build -p "$p" -ldflags="-s -w" -o "$dir/$cmd.tmp" "$pkg" >&2
  mv -f "$dir/$cmd.tmp" "$dir/$cmd"
  echo "build-tekton: $cmd built in $(( $(date +%s) - t ))s" >&2
done
# The release configuration (CRDs, config-*.yaml ConfigMaps, controller.yaml for the flags and env)
# next to the binaries, so the sandbox needs nothing from the module cache at run time.
rm -rf "$dir/config.tmp"
cp -r "$src/config" "$dir/config.tmp"
chmod -R u+w "$dir/config.tmp"
mv "$dir/config.tmp" "$dir/config"
echo "build-tekton: ready in $(( $(date +%s) - t0 ))s" >&2
echo "$dir"
