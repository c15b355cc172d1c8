# What the end-to-end topology scripts share (sourced by topology.sh and
# srv6-topology.sh; they set PREFIX and `here` first).
#
# Namespace names: sfc-e2e-<pid>-<name> (the DPDK test) and
# sfc-xdp-<pid>-<scenario>-<name> (the XDP tests), <pid> being the test
# process; XDP pins live in /sys/fs/bpf/sfc/<node name>, and the XDP tests
# name their node sfc-xdp-<pid>-<scenario>. `stale` removes both once <pid>
# is gone.

in_ns() { local n=$1; shift; ip netns exec "$PREFIX-$n" "$@"; }

# Checksum and segmentation offloads off (a packet socket would read TCP
# with unfinished checksums, and an XDP redirect loses the skb's
# partial-checksum state) and no GRO (the test counts packets, not
# super-frames).
no_offloads() {  # NS IFACE
    in_ns "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null
}

# xdp_pass.c, compiled once per `up` (the same compiler as `make bpf`).
XDP_PASS_OBJ=
xdp_pass_build() {
    local cc=${BPF_CC:-$(command -v clang 2>/dev/null || echo /opt/swift/usr/bin/clang)}
    local arch
    arch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
    XDP_PASS_OBJ=$(mktemp "${TMPDIR:-/tmp}/sfc-xdp-pass.XXXXXX")
    "$cc" -target bpf -O2 -g -Wall -I"/usr/include/$arch" -c "$here/xdp_pass.c" -o "$XDP_PASS_OBJ"
}

xdp_pass_clean() { [ -z "$XDP_PASS_OBJ" ] || rm -f "$XDP_PASS_OBJ"; }

# Gives IFACE in NS a NAPI instance, so the forwarder's XDP program can
# redirect into the veth it is the peer end of (see xdp_pass.c).
xdp_pass_attach() {  # NS IFACE
    ip -n "$PREFIX-$1" link set dev "$2" xdpdrv obj "$XDP_PASS_OBJ" sec xdp
}

# The start of every topology's `up`: with `xdp`, builds xdp_pass.c (removed
# when the script exits); then creates the namespaces `names` prints, lo up,
# IPv6 off (router solicitations and MLD reports are not a test's traffic;
# a topology turns it back on where SRv6 needs it), and no TCP tail-loss
# probes (net.ipv4.tcp_early_retrans=0). Why: the hosts' RTT is tens of
# microseconds, so TCP probes a connection's last segment after a few ms
# without an ACK; on a loaded 2-CPU machine the CPU scheduler alone holds
# frames that long (measured: up to 16 ms, the forwarder's thread sharing
# its CPU with others), the probe duplicates a FIN that was already on its
# way, and the side that closed last answers the duplicate ACK with a RST.
# Retransmission proper (RTO, 200 ms at least) stays as it is, so a frame
# the dataplane really loses still shows as a retransmission in the checks.
create_namespaces() {  # [xdp]
    local n
    if [ "${1:-}" = xdp ]; then
        xdp_pass_build
        trap xdp_pass_clean EXIT
    fi
    for n in $(names); do
        ip netns add "$PREFIX-$n"
        ip -n "$PREFIX-$n" link set lo up
        in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
            net.ipv4.tcp_early_retrans=0
    done
}

# Stops every process in each namespace (TERM, then KILL after 2 s) and
# deletes it; namespaces that do not exist are skipped.
delete_namespaces() {  # FULL_NAME...
    local ns pids existing
    existing=$(ip netns list | awk '{print $1}')
    for ns in "$@"; do
        printf '%s\n' "$existing" | grep -qxF -- "$ns" || continue
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            kill -TERM $pids 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                pids=$(ip netns pids "$ns" 2>/dev/null || true)
                [ -z "$pids" ] && break
                sleep 0.2
            done
            [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
        fi
        # A namespace whose last process is still exiting can refuse its
        # deletion for a moment (seen once in CI, the machine loaded): retry.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            ip netns del "$ns" 2>/dev/null && break
            ip netns list | awk '{print $1}' | grep -qxF -- "$ns" || break
            sleep 0.3
        done
    done
}

# Namespaces and XDP pins of earlier runs whose test process is gone.
stale() {
    local ns pid dir
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^sfc-(e2e|xdp)-[0-9]+-' || true); do
        pid=$(printf '%s\n' "$ns" | sed -E 's/^sfc-(e2e|xdp)-([0-9]+)-.*/\2/')
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "removing a namespace of an earlier run: $ns"
            delete_namespaces "$ns"
        fi
    done
    for dir in /sys/fs/bpf/sfc/sfc-xdp-*; do
        [ -d "$dir" ] || continue
        pid=$(basename "$dir" | sed -nE 's/^sfc-xdp-([0-9]+)-.*/\1/p')
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            echo "removing the XDP pins of an earlier run: $dir"
            rm -rf "$dir"
        fi
    done
}
