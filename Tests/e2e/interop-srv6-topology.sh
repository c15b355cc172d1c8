#!/usr/bin/env bash
# The network of the SRv6 interoperability tests with the Linux kernel as an
# independent SRv6 peer (Tests/InteropTests/InteropKernelSRv6Tests.swift):
# five namespaces joined by veth pairs, every address inside them.
#
#   interop-srv6-topology.sh up PREFIX MODE [xdp]  create PREFIX-client, -sff, -fn, -dx, -server;
#                                                  MODE: kernel-headend, kernel-headend-red
#                                                  or forwarder-headend
#   interop-srv6-topology.sh down PREFIX           stop what runs in them and delete them
#   interop-srv6-topology.sh stale                 as topology.sh stale
#
#   client 10.197.1.2 eth0 ═ client ┐
#                                   ├ sff ── fn    ═ eth0 fn: an SR-unaware IPv4 router
#                                   │              (routes every packet back, nftables counts)
#                                   └ core ═ eth0 dx ═ eth1 ═ eth0 server 10.197.2.2, 10.197.2.3
#                                               kernel SRv6 node
#
# MODE kernel-headend (Tests/e2e/interop-srv6-kernel-headend.yaml): the
# client's kernel is the SRv6 headend. Its seg6 encap routes (RFC 8986 s5.1
# H.Encaps) put the IPv4 packets for
#   10.197.2.2 on [fc00:e7::e  (our End), fc00:d7::d4 (dx's End.DX4)]
#   10.197.2.3 on [fc00:e7::a1 (our End.AS in front of fn), fc00:d7::d4]
# MODE kernel-headend-red: the same with H.Encaps.Red (RFC 8986 s5.2,
# `mode encap.red`): the SRH leaves the first segment out (Last Entry 0,
# Segments Left 1, RFC 8754 s4.1.1).
# MODE forwarder-headend (Tests/e2e/interop-srv6-forwarder-headend.yaml):
# the client sends plain IPv4 to the forwarder, which classifies it and
# encapsulates it itself (H.Encaps or H.Encaps.Red) towards fc00:d7::d4;
# and IPv6 (2001:db8:197:1::2 -> 2001:db8:197:2::2) towards fc00:d7::d6.
#
# In both modes dx is a Linux SRv6 node: fc00:d7::d4 is a seg6local End.DX4
# route (RFC 8986 s4.6) to the server, and the replies (dx is the server's
# gateway) are encapsulated by dx's kernel (seg6 encap route, H.Encaps with
# the single segment fc00:e7::d4) towards the forwarder's own End.DX4, which
# delivers them to the client. fc00:d7::d6 is a seg6local End.DT6 route
# (s4.7) into table 100, which holds the server's IPv6 prefix; IPv6 replies
# come back to the forwarder's End.DX6 fc00:e7::d6 the same way.
#
# The forwarder answers neither ARP nor ND: neighbours are permanent entries.
# IPv6 is on only on client eth0, dx eth0 and eth1 and server eth0, with
# no automatic address (addr_gen_mode none, no DAD, RS or RA; the
# encapsulation source comes from `ip sr tunsrc`), and the MLD and ND those
# namespaces would still originate is dropped by nftables before it
# leaves: nothing the forwarder would have to drop.
# Offloads are off on every veth (netns-lib.sh); with `xdp`, the ends the
# forwarder redirects into get xdp_pass.c.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

# Port MACs (forwarder side) and the MACs at the other ends; keep in step
# with interop-srv6-*.yaml.
CLIENT_PORT=02:00:00:e7:00:01 CLIENT_HOST=02:00:00:e7:01:01
FN_PORT=02:00:00:e7:00:02     FN_HOST=02:00:00:e7:02:01
CORE_PORT=02:00:00:e7:00:03   DX_CORE=02:00:00:e7:03:01
DX_SERVER=02:00:00:e7:04:01   SERVER_HOST=02:00:00:e7:04:02
# The kernel's SIDs and encapsulation sources.
DX_SID=fc00:d7::d4 DX_DT6_SID=fc00:d7::d6 DX_TUNSRC=2001:db8:d7::1 CLIENT_TUNSRC=2001:db8:c7::1
# The forwarder's SIDs (locator fc00:e7::/48).
OUR_END=fc00:e7::e OUR_END_AS=fc00:e7::a1 OUR_DX4=fc00:e7::d4 OUR_DX6=fc00:e7::d6

names() { echo client server sff fn dx; }

# A veth hands what it sends to the peer's backlog on the sending CPU, so
# a TCP sender whose segments leave from two CPUs (its process on one, ACK
# clocking in a softirq on the other) can overtake itself behind the next
# veth: tshark would see a kernel router reorder TCP ("out-of-order",
# "previous segment not captured"). Receive packet steering to CPU 0 on
# every veth end keeps each link's receive in order, whatever the sender.
one_rx_cpu() {  # NS IFACE
    in_ns "$1" sh -c "echo 1 > /sys/class/net/$2/queues/rx-0/rps_cpus"
}

# pair PORT NS IFACE PORT_MAC HOST_MAC MTU: sff end PORT, other end IFACE in PREFIX-NS.
pair() {
    ip -n "$PREFIX-sff" link add "$1" address "$4" mtu "$6" type veth \
        peer name "$3" netns "$PREFIX-$2" address "$5" mtu "$6"
    no_offloads sff "$1"
    no_offloads "$2" "$3"
    one_rx_cpu sff "$1"
    one_rx_cpu "$2" "$3"
    [ -z "$XDP_PASS_OBJ" ] || xdp_pass_attach "$2" "$3"
    ip -n "$PREFIX-sff" link set "$1" up
    ip -n "$PREFIX-$2" link set "$3" up
}

# IPv6 on IFACE of NS: the defaults set in up() give it no automatic
# address; the output rule keeps the namespace's own MLD (130-132, 143) and
# neighbour discovery (133-136: every neighbour is permanent) off the wire.
ipv6_on() {  # NS IFACE...
    local ns=$1 i; shift
    in_ns "$ns" nft add table ip6 quiet
    in_ns "$ns" nft add chain ip6 quiet output '{ type filter hook output priority filter; policy accept; }'
    in_ns "$ns" nft add rule ip6 quiet output icmpv6 type '{ 130, 131, 132, 133, 134, 135, 136, 143 }' drop
    for i in "$@"; do
        in_ns "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=0" "net.ipv6.conf.$i.seg6_enabled=1"
    done
}

up() {
    local mode=$1 n i
    case "$mode" in kernel-headend|kernel-headend-red|forwarder-headend) ;; *) echo "unknown mode $mode" >&2; exit 2 ;; esac
    create_namespaces "${2:-}"
    for n in $(names); do
        in_ns "$n" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.dad_transmits=0 \
            net.ipv6.conf.default.accept_dad=0
        for i in all default; do
            in_ns "$n" sysctl -qw "net.ipv4.conf.$i.send_redirects=0" "net.ipv4.conf.$i.rp_filter=0"
        done
    done
    for n in fn dx; do in_ns "$n" sysctl -qw net.ipv4.ip_forward=1; done
    in_ns dx sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.seg6_enabled=1

    pair client client eth0 "$CLIENT_PORT" "$CLIENT_HOST" 1500
    pair fn fn eth0 "$FN_PORT" "$FN_HOST" 1500
    # H.Encaps with two segments adds 40 + 8 + 32 = 80 bytes to a 1500-byte packet.
    pair core dx eth0 "$CORE_PORT" "$DX_CORE" 1600
    # The server's link to dx: plain kernel veth, no forwarder.
    ip -n "$PREFIX-dx" link add eth1 address "$DX_SERVER" type veth peer name eth0 netns "$PREFIX-server" address "$SERVER_HOST"
    no_offloads dx eth1
    no_offloads server eth0
    one_rx_cpu dx eth1
    one_rx_cpu server eth0
    ip -n "$PREFIX-dx" link set eth1 up
    ip -n "$PREFIX-server" link set eth0 up

    # client
    ip -n "$PREFIX-client" addr add 10.197.1.2/24 dev eth0
    if [ "$mode" != forwarder-headend ]; then
        # The kernel as headend (H.Encaps, RFC 8986 s5.1): the outer IPv6
        # goes to the first segment through the forwarder's client port.
        ipv6_on client eth0
        in_ns client ip sr tunsrc set "$CLIENT_TUNSRC"
        ip -n "$PREFIX-client" -6 neigh replace fe80::1 lladdr "$CLIENT_PORT" dev eth0 nud permanent
        ip -n "$PREFIX-client" -6 route add fc00:e7::/48 via fe80::1 dev eth0
        local encap=encap
        [ "$mode" = kernel-headend ] || encap=encap.red
        ip -n "$PREFIX-client" route add 10.197.2.2/32 encap seg6 mode "$encap" segs "$OUR_END,$DX_SID" dev eth0
        ip -n "$PREFIX-client" route add 10.197.2.3/32 encap seg6 mode "$encap" segs "$OUR_END_AS,$DX_SID" dev eth0
    else
        ip -n "$PREFIX-client" neigh replace 10.197.1.1 lladdr "$CLIENT_PORT" dev eth0 nud permanent
        ip -n "$PREFIX-client" route add 10.197.2.0/24 via 10.197.1.1 dev eth0
        # IPv6 too: classified by the forwarder onto the chain to dx's End.DT6.
        ipv6_on client eth0
        ip -n "$PREFIX-client" addr add 2001:db8:197:1::2/64 dev eth0 nodad
        ip -n "$PREFIX-client" -6 neigh replace fe80::1 lladdr "$CLIENT_PORT" dev eth0 nud permanent
        ip -n "$PREFIX-client" -6 route add 2001:db8:197:2::/64 via fe80::1 dev eth0
    fi

    # server: two addresses (one flow each), the client's subnet via dx.
    ip -n "$PREFIX-server" addr add 10.197.2.2/24 dev eth0
    ip -n "$PREFIX-server" addr add 10.197.2.3/24 dev eth0
    ip -n "$PREFIX-server" neigh replace 10.197.2.1 lladdr "$DX_SERVER" dev eth0 nud permanent
    ip -n "$PREFIX-server" route add 10.197.1.0/24 via 10.197.2.1 dev eth0
    ipv6_on server eth0
    ip -n "$PREFIX-server" addr add 2001:db8:197:2::2/64 dev eth0 nodad
    ip -n "$PREFIX-server" -6 neigh replace 2001:db8:197:2::1 lladdr "$DX_SERVER" dev eth0 nud permanent
    ip -n "$PREFIX-server" -6 route add 2001:db8:197:1::/64 via 2001:db8:197:2::1 dev eth0

    # fn: the SR-unaware function behind our End.AS proxy. It gets bare IPv4
    # on eth0 and routes it back out eth0 to the forwarder port (the
    # proxy's return attachment); nftables counts what it forwards.
    ip -n "$PREFIX-fn" addr add 10.197.10.2/24 dev eth0
    ip -n "$PREFIX-fn" neigh replace 10.197.10.1 lladdr "$FN_PORT" dev eth0 nud permanent
    ip -n "$PREFIX-fn" route add 10.197.2.0/24 via 10.197.10.1 dev eth0
    in_ns fn nft -f - <<'EOF'
table inet sfc_interop {
    counter forwarded { }
    chain forward {
        type filter hook forward priority filter; policy accept;
        iifname "eth0" oifname "eth0" counter name "forwarded"
    }
}
EOF

    # dx: the kernel SRv6 node.
    ipv6_on dx eth0 eth1
    in_ns dx ip sr tunsrc set "$DX_TUNSRC"
    ip -n "$PREFIX-dx" addr add 10.197.2.1/24 dev eth1
    # Both server addresses: End.DX4 routes to nh4 over a connected route,
    # so the kernel resolves the inner destination, not nh4, as the neighbour.
    ip -n "$PREFIX-dx" neigh replace 10.197.2.2 lladdr "$SERVER_HOST" dev eth1 nud permanent
    ip -n "$PREFIX-dx" neigh replace 10.197.2.3 lladdr "$SERVER_HOST" dev eth1 nud permanent
    # End.DX4 (RFC 8986 s4.6): decapsulate (SL must be 0) and send the inner
    # IPv4 packet to the server.
    ip -n "$PREFIX-dx" -6 route add "$DX_SID/128" encap seg6local action End.DX4 nh4 10.197.2.2 dev eth1
    # End.DT6 (RFC 8986 s4.7), the table-lookup decapsulation this kernel
    # has without VRF (`table`, not `vrftable`; its End.DT4 exists only in
    # VRF mode and it is built without VRF): the inner IPv6 destination is
    # looked up in table 100, which reaches the server.
    # (No prefix route in the main table: only table 100 reaches the server.)
    ip -n "$PREFIX-dx" addr add 2001:db8:197:2::1/64 dev eth1 nodad noprefixroute
    ip -n "$PREFIX-dx" -6 neigh replace 2001:db8:197:2::2 lladdr "$SERVER_HOST" dev eth1 nud permanent
    ip -n "$PREFIX-dx" -6 route add 2001:db8:197:2::/64 dev eth1 table 100
    ip -n "$PREFIX-dx" -6 route add "$DX_DT6_SID/128" encap seg6local action End.DT6 table 100 dev eth1
    # Replies: H.Encaps towards the forwarder's End.DX4 or End.DX6 (one segment).
    ip -n "$PREFIX-dx" -6 neigh replace fe80::1 lladdr "$CORE_PORT" dev eth0 nud permanent
    ip -n "$PREFIX-dx" -6 route add fc00:e7::/48 via fe80::1 dev eth0
    ip -n "$PREFIX-dx" route add 10.197.1.0/24 encap seg6 mode encap segs "$OUR_DX4" dev eth0
    ip -n "$PREFIX-dx" -6 route add 2001:db8:197:1::/64 encap seg6 mode encap segs "$OUR_DX6" dev eth0
}

down() {
    local n all=()
    for n in $(names); do all+=("$PREFIX-$n"); done
    delete_namespaces "${all[@]}"
}

case "${1:-}" in
    up)    PREFIX=${2:?usage: interop-srv6-topology.sh up PREFIX MODE [xdp]}
           up "${3:?usage: interop-srv6-topology.sh up PREFIX MODE [xdp]}" "${4:-}" ;;
    down)  PREFIX=${2:?usage: interop-srv6-topology.sh down PREFIX}; down ;;
    stale) stale ;;
    *)     echo "usage: interop-srv6-topology.sh up PREFIX kernel-headend|kernel-headend-red|forwarder-headend [xdp] | down PREFIX | stale" >&2; exit 2 ;;
esac
