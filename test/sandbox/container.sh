#!/usr/bin/env bash
# One container of the sandbox's step runner (test/sandbox/kubelet.ts), run as
#   unshare --mount --propagation private bash container.sh SPEC_DIR
# In its private mount namespace it builds the container's root: an overlay of the host's / (writes stay
# in a throwaway upper layer, as in a container's own layer), a private /dev, and one bind mount per volume
# mount of the pod spec. Then it execs chroot with the argv in SPEC_DIR/exec (NUL-separated:
# chroot options, the root, env -i -C WORKDIR NAME=VALUE..., the command and its args).
#   SPEC_DIR/mounts   lines "HOST_PATH<TAB>CONTAINER_PATH<TAB>ro|rw"
#   SPEC_DIR/rootfs   the empty directory the container's root is mounted on (SPEC_DIR/rootfs/root)
#   SPEC_DIR/workdir  the working directory, created if missing
set -euo pipefail
spec="$1"
base="$spec/rootfs"
mount -t tmpfs -o mode=755 sandbox-container "$base"
mkdir "$base/upper" "$base/work" "$base/root"
root="$base/root"
mount -t overlay sandbox-root -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$root"
mount --rbind /proc "$root/proc"
mount --rbind /sys "$root/sys"
# A private /dev: the default termination-message path /dev/termination-log must not land in the host's.
mount -t tmpfs -o mode=755 sandbox-dev "$root/dev"
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 sandbox-shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"

while IFS=$'\t' read -r src target mode; do
  # Paths resolve inside the new root (an absolute symlink such as /var/run -> /run must not escape it).
  if [ -d "$src" ]; then
    chroot "$root" mkdir -p "$target"
  else
    chroot "$root" sh -c 'mkdir -p "$(dirname "$1")" && touch "$1"' - "$target"
  fi
  resolved="$(chroot "$root" realpath "$target")"
  mount --bind "$src" "$root$resolved"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$root$resolved"; fi
done < "$spec/mounts"

# The runtime creates the working directory (as root, like the container runtime does).
chroot "$root" mkdir -p "$(cat "$spec/workdir")"
mapfile -d '' argv < "$spec/exec"
exec chroot "${argv[@]}"
