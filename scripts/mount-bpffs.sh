#!/usr/bin/env bash
# Mounts the BPF filesystem at /sys/fs/bpf when it is not mounted: the XDP
# dataplane pins its programs and maps there (/sys/fs/bpf/sfc/<node>/) so
# forwarding survives a daemon restart. Silent when already mounted.
set -euo pipefail

mountpoint -q /sys/fs/bpf 2>/dev/null && [ "$(stat -f -c %T /sys/fs/bpf)" = "bpf_fs" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "bpffs is not mounted at /sys/fs/bpf; as root: mount -t bpf bpf /sys/fs/bpf" >&2
    exit 0   # building and the offline tools do not need it; the XDP dataplane says so itself
fi
mkdir -p /sys/fs/bpf
# mode=0700: bpffs defaults to 1777, which would let any local user create
# or swap /sys/fs/bpf/sfc before the forwarder does (the forwarder also
# refuses a pin directory that is not root's or that others can write).
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
echo "mounted bpffs at /sys/fs/bpf (mode 0700)"
