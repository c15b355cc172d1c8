#!/usr/bin/env bash
# The network of the NSH end-to-end tests (DPDK and XDP): five namespaces
# joined by veth pairs, every address inside them (nothing in the caller's
# namespace).
#
#   topology.sh up PREFIX [xdp]  create PREFIX-client, -server, -sff, -sfa, -fw
#   topology.sh down PREFIX      stop what runs in them and delete them
#   topology.sh stale            delete sfc-e2e-<pid>-* and sfc-xdp-<pid>-* namespaces
#                                (and sfc-xdp-<pid>-* XDP pins) whose <pid> is gone
#
#   client 10.199.1.2  eth0 ═ client ┐             ┌ sfa    ═ eth0  sfa: nsh_aware_sf.py
#                                    ├ sff ────────┼ fw-c2s ═ eth0  fw: router + nftables,
#   server 10.199.2.2  eth0 ═ server ┘             └ fw-s2c ═ eth1      client->server on eth0,
#                                                                       server->client on eth1
#
# The sff ends carry the chain file's port MACs (Tests/e2e/chain.yaml); the
# forwarder answers no ARP, so the hosts and the firewall reach it through
# permanent neighbour entries. The firewall routes each bare packet back out
# the interface it came in on: that port is the NSH proxy's return
# attachment, one per chain (the kernel here has no 802.1Q, so two veths
# stand in for two VLAN sub-interfaces of one appliance).
# Checksum and segmentation offloads are off on the veths: a packet socket
# (DPDK's net_af_packet) would otherwise read TCP with unfinished checksums
# and super-frames larger than the MTU.
#
# With `xdp` (the XDP dataplane: the forwarder attaches to the sff ends),
# every other end gets xdp_pass.c, so the forwarder can redirect into it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

# Port MACs (forwarder side) and host MACs; keep in step with chain.yaml.
CLIENT_PORT=02:00:00:e2:00:01 CLIENT_HOST=02:00:00:e2:01:01
SERVER_PORT=02:00:00:e2:00:02 SERVER_HOST=02:00:00:e2:02:01
SFA_PORT=02:00:00:e2:00:03    SFA_HOST=02:00:00:e2:03:01
FW_C2S_PORT=02:00:00:e2:00:04 FW_C2S_HOST=02:00:00:e2:04:01
FW_S2C_PORT=02:00:00:e2:00:05 FW_S2C_HOST=02:00:00:e2:05:01

names() { echo client server sff sfa fw; }

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

host() {  # NAME ADDRESS GATEWAY GATEWAY_MAC OTHER_SUBNET
    ip -n "$PREFIX-$1" addr add "$2/24" dev eth0
    ip -n "$PREFIX-$1" neigh replace "$3" lladdr "$4" dev eth0 nud permanent
    ip -n "$PREFIX-$1" route add "$5" via "$3" dev eth0
}

up() {
    create_namespaces "${1:-}"
    # The firewall forwards, sends no redirects (it routes packets back out the
    # interface they came in on, by design) and does no reverse-path check
    # (a client->server packet arrives on eth0, the client is via eth1).
    for scope in all default; do
        in_ns fw sysctl -qw "net.ipv4.conf.$scope.send_redirects=0" "net.ipv4.conf.$scope.rp_filter=0"
    done
    in_ns fw sysctl -qw net.ipv4.ip_forward=1

    pair client client eth0 "$CLIENT_PORT" "$CLIENT_HOST" 1500
    pair server server eth0 "$SERVER_PORT" "$SERVER_HOST" 1500
    pair sfa sfa eth0 "$SFA_PORT" "$SFA_HOST" 1600   # NSH MD type 1 adds 24 bytes to a 1500-byte packet
    pair fw-c2s fw eth0 "$FW_C2S_PORT" "$FW_C2S_HOST" 1500
    pair fw-s2c fw eth1 "$FW_S2C_PORT" "$FW_S2C_HOST" 1500

    host client 10.199.1.2 10.199.1.1 "$CLIENT_PORT" 10.199.2.0/24
    host server 10.199.2.2 10.199.2.1 "$SERVER_PORT" 10.199.1.0/24

    # fw: eth0 10.199.10.2 routes to the server, eth1 10.199.20.2 to the client,
    # both through the forwarder port at the other end of the veth.
    for i in 0 1; do
        in_ns fw sysctl -qw "net.ipv4.conf.eth$i.send_redirects=0" "net.ipv4.conf.eth$i.rp_filter=0"
    done
    host fw 10.199.10.2 10.199.10.1 "$FW_C2S_PORT" 10.199.2.0/24
    ip -n "$PREFIX-fw" addr add 10.199.20.2/24 dev eth1
    ip -n "$PREFIX-fw" neigh replace 10.199.20.1 lladdr "$FW_S2C_PORT" dev eth1 nud permanent
    ip -n "$PREFIX-fw" route add 10.199.1.0/24 via 10.199.20.1 dev eth1
    in_ns fw nft -f "$here/firewall.nft"
}

down() {
    local n all=()
    for n in $(names); do all+=("$PREFIX-$n"); done
    delete_namespaces "${all[@]}"
}

case "${1:-}" in
    up)    PREFIX=${2:?usage: topology.sh up PREFIX [xdp]}; up "${3:-}" ;;
    down)  PREFIX=${2:?usage: topology.sh down PREFIX}; down ;;
    stale) stale ;;
    *)     echo "usage: topology.sh up PREFIX [xdp] | down PREFIX | stale" >&2; exit 2 ;;
esac
