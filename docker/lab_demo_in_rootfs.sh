#!/usr/bin/env bash
# docker/lab_demo_in_rootfs.sh ROOTFS WORKDIR: runs the lab's own `./lab demo` (tests/e2e/labctl
# brings the topology up, registers the migrated and the home UEs, prints TS 23.280 10.1.6.2
# steps 2-14) with every mcx binary executed from the image's root file system by chroot.
# Run by docker/check as root; it enters its own mount and network namespaces (loopback only),
# so nothing it mounts or binds is seen outside. Exit status: that of ./lab demo.
#
# How: WORKDIR/build is a stand-in meson build directory (MCX_LAB_BUILD_DIR) whose binaries are
# two-line wrappers `exec chroot ROOTFS "$0" "$@"`; inside ROOTFS the same paths are symlinks to
# /usr/local/bin/mcx-*, so each process runs the image's binary under the very argv labctl
# started it with (labctl checks /proc/PID/cmdline). WORKDIR/state (MCX_LAB_STATE: configuration,
# databases, logs) is bind-mounted at the same path inside ROOTFS.
set -euo pipefail

if [ "${1:-}" = --in-namespace ]; then
    shift
    rootfs="$1" work="$2" root="$3"
    ip link set lo up
    mkdir -p "$rootfs$work/state"
    mount --bind "$work/state" "$rootfs$work/state"
    MCX_LAB_BUILD_DIR="$work/build" MCX_LAB_STATE="$work/state" exec "$root/lab" demo
fi

[ $# -eq 2 ] || {
    echo "usage: $0 ROOTFS WORKDIR" >&2
    exit 2
}
rootfs="$(cd "$1" && pwd)"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chroot_bin="$(command -v chroot)"

rm -rf "$work"
mkdir -p "$work/state"
work="$(cd "$work" && pwd)"
for rel in hss-ext/mcx-hss mms/mcx-mms pcscf-icscf-scscf/mcx-cscf db/mcx-ctl ue/mcx-ue; do
    mkdir -p "$work/build/$(dirname "$rel")" "$rootfs$work/build/$(dirname "$rel")"
    printf '#!/bin/sh\nexec %s %s "$0" "$@"\n' "$chroot_bin" "$rootfs" >"$work/build/$rel"
    chmod 0755 "$work/build/$rel"
    ln -sfn "/usr/local/bin/$(basename "$rel")" "$rootfs$work/build/$rel"
done
exec unshare --mount --net -- "$0" --in-namespace "$rootfs" "$work" "$root"
