#!/usr/bin/env bash
# The network of the SRv6 end-to-end test: five namespaces joined by veth
# pairs, every address inside them (nothing in the caller's namespace). The
# last SRv6 hop towards the server is the Linux kernel: a seg6local End.DX4
# route in the dx namespace (RFC 8986 s4.6).
#
#   srv6-topology.sh up PREFIX [xdp]  create PREFIX-client, -server, -sff, -fw, -dx
#   srv6-topology.sh down PREFIX      stop what runs in them and delete them
#   srv6-topology.sh stale            as topology.sh stale
#
#   client 10.198.1.2 eth0 ═ client ┐              ┌ fw-c2s ═ eth0  fw: router + nftables
#                                   ├ sff ─────────┼ fw-s2c ═ eth1     (firewall.nft)
#                                   │              └ core   ═ eth0  dx: kernel, End.DX4
#                                   │                                fc00:d4::d4 -> 10.198.2.2
#   server 10.198.2.2 eth0 ═══════════════════════════════════ eth1 dx (10.198.2.1)
#
# client -> server (chain client-to-server, Tests/e2e/srv6-chain.yaml): the
# forwarder classifies, pushes IPv6 + SRH (H.Encaps) with segments
# [fc00:e6::a1, fc00:d4::d4]; fc00:e6::a1 is its own End.AS proxy SID in
# front of the firewall's eth0; what the firewall routes back gets the
# headers again with fc00:d4::d4 active, and goes out port core to dx, whose
# kernel decapsulates and hands the IPv4 packet to the server (the server
# link has no forwarder on it).
# server -> client: the server's gateway is dx, which routes 10.198.1.0/24
# as plain IPv4 to the forwarder's core port; the forwarder classifies it
# onto chain server-to-client: End.AS fc00:e6::a2 (firewall eth1), then its
# own End.DX4 fc00:e6::d4 delivers to the client.
#
# The forwarder answers neither ARP nor ND: the neighbours are permanent
# entries. dx has IPv6 on eth0 and eth1 only, with no address at all (it
# needs none to route to a seg6local SID), router mode, no RS, DAD or RA,
# and an nftables rule that drops the MLD reports it would still send:
# nothing the forwarder would have to drop. Offloads are off on every veth (see
# netns-lib.sh); with `xdp`, the ends the forwarder redirects into get
# xdp_pass.c.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

# Port MACs (forwarder side) and the MACs at the other ends; keep in step
# with srv6-chain.yaml.
CLIENT_PORT=02:00:00:e6:00:01 CLIENT_HOST=02:00:00:e6:01:01
FW_C2S_PORT=02:00:00:e6:00:02 FW_C2S_HOST=02:00:00:e6:02:01
FW_S2C_PORT=02:00:00:e6:00:03 FW_S2C_HOST=02:00:00:e6:03:01
CORE_PORT=02:00:00:e6:00:04   DX_CORE=02:00:00:e6:04:01
DX_SERVER=02:00:00:e6:05:01   SERVER_HOST=02:00:00:e6:05:02
DX_SID=fc00:d4::d4

names() { echo client server sff fw dx; }

# pair PORT NS IFACE PORT_MAC HOST_MAC MTU: sff end PORT, other end IFACE in PREFIX-NS.
pair() {
    ip -n "$PREFIX-sff" link add "$1" address "$4" mtu "$6" type veth \
        peer name "$3" netns "$PREFIX-$2" address "$5" mtu "$6"
    no_offloads sff "$1"
    no_offloads "$2" "$3"
    [ -z "$XDP_PASS_OBJ" ] || xdp_pass_attach "$2" "$3"
    ip -n "$PREFIX-sff" link set "$1" up
    ip -n "$PREFIX-$2" link set "$3" up
}

up() {
    local n i
    # No IPv6 but where SRv6 needs it (dx, below).
    create_namespaces "${1:-}"
    # Routers (fw, dx) forward and send no redirects; no reverse-path check
    # (the firewall routes packets back out the interface they came in on).
    for n in fw dx; do
        for i in all default; do
            in_ns "$n" sysctl -qw "net.ipv4.conf.$i.send_redirects=0" "net.ipv4.conf.$i.rp_filter=0"
        done
        in_ns "$n" sysctl -qw net.ipv4.ip_forward=1
    done
    # dx: IPv6 forwarding with SRv6 (RFC 8754 processing on), no link-local
    # address, no router solicitation, no DAD, no RA. Set as defaults before
    # eth0 exists, then IPv6 turned on for eth0 alone.
    in_ns dx sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
        net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.default.seg6_enabled=1 \
        net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.dad_transmits=0 \
        net.ipv6.conf.default.accept_dad=0

    pair client client eth0 "$CLIENT_PORT" "$CLIENT_HOST" 1500
    pair fw-c2s fw eth0 "$FW_C2S_PORT" "$FW_C2S_HOST" 1500
    pair fw-s2c fw eth1 "$FW_S2C_PORT" "$FW_S2C_HOST" 1500
    # H.Encaps with two segments adds 40 + 8 + 32 = 80 bytes to a 1500-byte packet.
    pair core dx eth0 "$CORE_PORT" "$DX_CORE" 1600
    # The server's link to dx: plain kernel veth, no forwarder.
    ip -n "$PREFIX-dx" link add eth1 address "$DX_SERVER" type veth peer name eth0 netns "$PREFIX-server" address "$SERVER_HOST"
    no_offloads dx eth1
    no_offloads server eth0
    ip -n "$PREFIX-dx" link set eth1 up
    ip -n "$PREFIX-server" link set eth0 up

    # client: the server's subnet via the forwarder's client port.
    ip -n "$PREFIX-client" addr add 10.198.1.2/24 dev eth0
    ip -n "$PREFIX-client" neigh replace 10.198.1.1 lladdr "$CLIENT_PORT" dev eth0 nud permanent
    ip -n "$PREFIX-client" route add 10.198.2.0/24 via 10.198.1.1 dev eth0

    # server: the client's subnet via dx.
    ip -n "$PREFIX-server" addr add 10.198.2.2/24 dev eth0
    ip -n "$PREFIX-server" neigh replace 10.198.2.1 lladdr "$DX_SERVER" dev eth0 nud permanent
    ip -n "$PREFIX-server" route add 10.198.1.0/24 via 10.198.2.1 dev eth0

    # fw: eth0 10.198.10.2 routes to the server, eth1 10.198.20.2 to the
    # client, each through the forwarder port at the other end of the veth
    # (the End.AS proxy's return attachment).
    for i in 0 1; do
        in_ns fw sysctl -qw "net.ipv4.conf.eth$i.send_redirects=0" "net.ipv4.conf.eth$i.rp_filter=0"
    done
    ip -n "$PREFIX-fw" addr add 10.198.10.2/24 dev eth0
    ip -n "$PREFIX-fw" neigh replace 10.198.10.1 lladdr "$FW_C2S_PORT" dev eth0 nud permanent
    ip -n "$PREFIX-fw" route add 10.198.2.0/24 via 10.198.10.1 dev eth0
    ip -n "$PREFIX-fw" addr add 10.198.20.2/24 dev eth1
    ip -n "$PREFIX-fw" neigh replace 10.198.20.1 lladdr "$FW_S2C_PORT" dev eth1 nud permanent
    ip -n "$PREFIX-fw" route add 10.198.1.0/24 via 10.198.20.1 dev eth1
    in_ns fw nft -f "$here/firewall.nft"

    # dx: eth0 10.198.3.2 faces the forwarder, eth1 10.198.2.1 the server.
    for i in eth0 eth1; do
        in_ns dx sysctl -qw "net.ipv4.conf.$i.send_redirects=0" "net.ipv4.conf.$i.rp_filter=0"
    done
    # IPv6 on eth0 (SRv6 arrives there) and eth1 (the End.DX4 route's
    # device). dx originates no IPv6: the MLD reports a router sends when
    # its links come up are dropped before they leave.
    in_ns dx nft add table ip6 dx_quiet
    in_ns dx nft add chain ip6 dx_quiet output '{ type filter hook output priority filter; policy drop; }'
    in_ns dx sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.seg6_enabled=1 \
        net.ipv6.conf.eth1.disable_ipv6=0
    ip -n "$PREFIX-dx" addr add 10.198.3.2/24 dev eth0
    ip -n "$PREFIX-dx" neigh replace 10.198.3.1 lladdr "$CORE_PORT" dev eth0 nud permanent
    ip -n "$PREFIX-dx" route add 10.198.1.0/24 via 10.198.3.1 dev eth0
    ip -n "$PREFIX-dx" addr add 10.198.2.1/24 dev eth1
    ip -n "$PREFIX-dx" neigh replace 10.198.2.2 lladdr "$SERVER_HOST" dev eth1 nud permanent
    # The SID: decapsulate (SL must be 0) and send the inner IPv4 packet to
    # the server (RFC 8986 s4.6, End.DX4).
    ip -n "$PREFIX-dx" -6 route add "$DX_SID/128" encap seg6local action End.DX4 nh4 10.198.2.2 dev eth1
}

down() {
    local n all=()
    for n in $(names); do all+=("$PREFIX-$n"); done
    delete_namespaces "${all[@]}"
}

case "${1:-}" in
    up)    PREFIX=${2:?usage: srv6-topology.sh up PREFIX [xdp]}; up "${3:-}" ;;
    down)  PREFIX=${2:?usage: srv6-topology.sh down PREFIX}; down ;;
    stale) stale ;;
    *)     echo "usage: srv6-topology.sh up PREFIX [xdp] | down PREFIX | stale" >&2; exit 2 ;;
esac
