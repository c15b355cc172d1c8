#!/usr/bin/env bash
# The network of the Open vSwitch interop test (Tests/InteropTests/InteropOVSTests.swift):
# five namespaces joined by veth pairs, every address inside them.
#
#   interop-ovs-topology.sh up PREFIX [xdp]  create PREFIX-client, -server, -ovs, -sff, -sfa, -fw
#   interop-ovs-topology.sh down PREFIX      stop what runs in them and delete them
#   interop-ovs-topology.sh stale            what netns-lib.sh's `stale` removes
#
#   client 10.197.1.2 eth0 ═ to-client ┐              ┌ plain ═ ovs-plain (bare IPv4) ┐     ┌ sfa ═ eth0  sfa
#                                      ├ OVS br0 ─────┤                               ├ sff ┤
#   server 10.197.2.2 eth0 ═ to-server ┘  (netdev)    └ nsh   ═ ovs-nsh   (NSH)       ┘     └ fw  ═ eth0  fw 10.197.10.2
#
# Open vSwitch runs in PREFIX-ovs (Tests/e2e/ovs-sandbox.sh starts it there):
# its userspace datapath opens an AF_PACKET socket on each of its four
# veth ends. The forwarder runs in PREFIX-sff on ovs-plain (untrusted: bare
# IPv4 for our classifier), ovs-nsh (trusted: NSH both ways, MTU 1600 for the
# 24 bytes of MD type 1), sfa (nsh_aware_sf.py) and fw (a Linux router, an
# NSH-unaware function behind our NSH proxy: it routes each bare packet back
# out the interface it came in on, the proxy's return attachment). Neither OVS nor the
# forwarder answers ARP: the hosts reach OVS through permanent neighbour
# entries, and the OVS flows write every MAC explicitly.
#
# Offloads are off on every veth: OVS's AF_PACKET sockets (and DPDK's
# net_af_packet) would otherwise read TCP super-frames with unfinished
# checksums. With `xdp`, every end that is not the forwarder's carries
# xdp_pass.c, so the forwarder's XDP program can redirect into it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

# Keep in step with interop-ovs-chain.yaml and InteropOVSTests.swift.
SFF_PLAIN=02:00:00:e7:00:01 SFF_NSH=02:00:00:e7:00:02 SFF_SFA=02:00:00:e7:00:03
OVS_PLAIN=02:00:00:e7:10:01 OVS_NSH=02:00:00:e7:10:02
OVS_CLIENT=02:00:00:e7:11:01 OVS_SERVER=02:00:00:e7:12:01
CLIENT=02:00:00:e7:01:01 SERVER=02:00:00:e7:02:01 SFA=02:00:00:e7:03:01
SFF_FW=02:00:00:e7:00:04 FW=02:00:00:e7:04:01

names() { echo client server ovs sff sfa fw; }

# link NS_A IFACE_A MAC_A NS_B IFACE_B MAC_B MTU
link() {
    ip -n "$PREFIX-$1" link add "$2" address "$3" mtu "$7" type veth \
        peer name "$5" netns "$PREFIX-$4" address "$6" mtu "$7"
    no_offloads "$1" "$2"
    no_offloads "$4" "$5"
    ip -n "$PREFIX-$1" link set "$2" up
    ip -n "$PREFIX-$4" link set "$5" up
}

up() {
    create_namespaces "${1:-}"
    link client eth0 "$CLIENT" ovs to-client "$OVS_CLIENT" 1500
    link server eth0 "$SERVER" ovs to-server "$OVS_SERVER" 1500
    link sff ovs-plain "$SFF_PLAIN" ovs plain "$OVS_PLAIN" 1500
    link sff ovs-nsh "$SFF_NSH" ovs nsh "$OVS_NSH" 1600   # MD type 1 adds 24 bytes to a 1500-byte packet
    link sff sfa "$SFF_SFA" sfa eth0 "$SFA" 1600
    link sff fw "$SFF_FW" fw eth0 "$FW" 1500
    if [ -n "$XDP_PASS_OBJ" ]; then
        xdp_pass_attach ovs plain
        xdp_pass_attach ovs nsh
        xdp_pass_attach sfa eth0
        xdp_pass_attach fw eth0
    fi

    # fw forwards client -> server packets back out eth0, towards the
    # forwarder port at its other end: no redirects, no reverse-path check.
    for scope in all default eth0; do
        in_ns fw sysctl -qw "net.ipv4.conf.$scope.send_redirects=0" "net.ipv4.conf.$scope.rp_filter=0"
    done
    in_ns fw sysctl -qw net.ipv4.ip_forward=1
    ip -n "$PREFIX-fw" addr add 10.197.10.2/24 dev eth0
    ip -n "$PREFIX-fw" neigh replace 10.197.10.1 lladdr "$SFF_FW" dev eth0 nud permanent
    ip -n "$PREFIX-fw" route add 10.197.2.0/24 via 10.197.10.1 dev eth0

    # OVS's userspace datapath reads each port through an AF_PACKET socket
    # with the default receive buffer (net.core.rmem_default, not settable
    # from inside a namespace): 208 KiB, which is only about 50 frames when
    # each comes from an XDP redirect and takes a page. A send buffer of at
    # most 32 KiB on the hosts bounds what a TCP sender has in flight, so a
    # burst, plus the ACKs the other way, mostly fits while ovs-vswitchd is
    # off the CPU; the test accounts for what the socket drops all the same.
    # The receive window stays large (a window the sender fills would be a
    # "window full" in tshark's TCP analysis).
    for n in client server; do
        in_ns "$n" sysctl -qw net.ipv4.tcp_wmem="4096 16384 32768"
    done

    ip -n "$PREFIX-client" addr add 10.197.1.2/24 dev eth0
    ip -n "$PREFIX-client" neigh replace 10.197.1.1 lladdr "$OVS_CLIENT" dev eth0 nud permanent
    ip -n "$PREFIX-client" route add 10.197.2.0/24 via 10.197.1.1 dev eth0
    ip -n "$PREFIX-server" addr add 10.197.2.2/24 dev eth0
    ip -n "$PREFIX-server" neigh replace 10.197.2.1 lladdr "$OVS_SERVER" dev eth0 nud permanent
    ip -n "$PREFIX-server" route add 10.197.1.0/24 via 10.197.2.1 dev eth0
}

down() {
    local n all=()
    for n in $(names); do all+=("$PREFIX-$n"); done
    delete_namespaces "${all[@]}"
}

case "${1:-}" in
    up)    PREFIX=${2:?usage: interop-ovs-topology.sh up PREFIX [xdp]}; up "${3:-}" ;;
    down)  PREFIX=${2:?usage: interop-ovs-topology.sh down PREFIX}; down ;;
    stale) stale ;;
    *)     echo "usage: interop-ovs-topology.sh up PREFIX [xdp] | down PREFIX | stale" >&2; exit 2 ;;
esac
