# shellcheck shell=bash
# Sourced by the build scripts of the test peers that are small Go modules of this repository
# (test/task/tekton-check, test/chains-oracle, test/kurator/render).
#
# build_go_peer NAME DIR: builds the main package in DIR (its dependencies from the Go module proxy) into the
# peer cache, once per source (DIR's go.mod, go.sum and main.go), and prints the binary's path. Concurrent
# callers wait on a lock; a failed build leaves no binary behind (built to .tmp, then renamed).
#   TEKTON_ATTEST_CACHE=dir   cache root (default ~/.cache/tekton-attest, shared by every checkout)
#   PEERS_GO_P=n              go build -p (default 2)
build_go_peer() {
  local name="$1" src="$2"
  local cache="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}"
  local stamp
  stamp="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)"
  local dir="$cache/peers/$name-$stamp"
  local bin="$dir/$name"
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || { echo "$name: go is not on PATH" >&2; return 1; }
    local start
    start=$(date +%s)
    echo "$name: go build (dependencies from the Go module proxy) -> $bin" >&2
    (
      cd "$src"
      CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly -trimpath -buildvcs=false" \
        go build -p "${PEERS_GO_P:-2}" -ldflags="-s -w" -o "$bin.tmp" . >&2
    )
    mv "$bin.tmp" "$bin"
    echo "$name: built in $(( $(date +%s) - start ))s" >&2
  fi
  echo "$bin"
}
