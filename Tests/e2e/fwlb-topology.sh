#!/usr/bin/env bash
# The network of the failover tests (Tests/EndToEndTests/FailoverTests.swift):
# a client and a server talk through a load-balanced stateful firewall whose
# instances each live in their own namespace, every address inside them.
#
#   fwlb-topology.sh up PREFIX [xdp] [ha]   create the namespaces (below)
#   fwlb-topology.sh down PREFIX            stop what runs in them and delete them
#   fwlb-topology.sh kill PREFIX FW         set both links of firewall FW down
#   fwlb-topology.sh revive PREFIX FW       set them up again, routes and neighbours back
#   fwlb-topology.sh stale                  as topology.sh (netns-lib.sh)
#
# Without `ha`: PREFIX-client, -server, -sff and three firewall instances
# -fw1, -fw2, -fw3 (fw3 exists from the start, so that the forwarder's port
# set does not change when a reload adds it as an instance: DPDK needs a
# restart for a new port). With `ha`: -fwa and -fwb instead, joined by a
# dedicated veth `sync` (192.168.201.1 in fwa, .2 in fwb) for conntrackd.
#
#   client 10.201.1.2 eth0 ═ client ┐        ┌ fwN-c2s ═ eth0 10.201.10.2  fwN: router + nftables
#                                   ├ sff ───┤                              (fwlb-firewall.nft),
#   server 10.201.2.2 eth0 ═ server ┘        └ fwN-s2c ═ eth1 10.201.20.2   client->server on eth0,
#                                                                            server->client on eth1
#
# Every instance has the same addresses (they are replicas; each namespace
# is its own world), its own MACs, and reaches the forwarder through
# permanent neighbour entries (the forwarder answers no ARP). It routes each
# bare packet back out the interface it came in on (the NSH proxy's return
# attachment). nf_conntrack_tcp_loose=0: conntrack does not pick up a
# connection in the middle, so a flow that moves to an instance without its
# state is dropped as ct state invalid. That is what the tests rely on.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

# Port MACs (forwarder side) 02:00:00:f1:00:XX and host MACs 02:00:00:f1:01:XX;
# keep in step with fwlb-chain*.yaml.
mac_id() {  # NAME -> XX
    case "$1" in
        client) echo 01 ;; server) echo 02 ;;
        fw1-c2s) echo 11 ;; fw1-s2c) echo 12 ;; fw2-c2s) echo 21 ;; fw2-s2c) echo 22 ;;
        fw3-c2s) echo 31 ;; fw3-s2c) echo 32 ;; fwa-c2s) echo 41 ;; fwa-s2c) echo 42 ;;
        fwb-c2s) echo 51 ;; fwb-s2c) echo 52 ;;
        *) echo "no MAC for $1" >&2; exit 1 ;;
    esac
}
port_mac() { echo "02:00:00:f1:00:$(mac_id "$1")"; }
host_mac() { echo "02:00:00:f1:01:$(mac_id "$1")"; }

MODE=lb
firewalls() { if [ "$MODE" = ha ]; then echo fwa fwb; else echo fw1 fw2 fw3; fi; }
names() { echo client server sff $(firewalls); }

# pair PORT NS IFACE: sff end PORT, other end IFACE in PREFIX-NS.
pair() {
    ip -n "$PREFIX-sff" link add "$1" address "$(port_mac "$1")" mtu 1500 type veth \
        peer name "$3" netns "$PREFIX-$2" address "$(host_mac "$1")" mtu 1500
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

# The neighbour entries and routes of a firewall (a link set down loses them).
routes() {  # NAME
    local fw=$1
    ip -n "$PREFIX-$fw" neigh replace 10.201.10.1 lladdr "$(port_mac "$fw-c2s")" dev eth0 nud permanent
    ip -n "$PREFIX-$fw" route replace 10.201.2.0/24 via 10.201.10.1 dev eth0
    ip -n "$PREFIX-$fw" neigh replace 10.201.20.1 lladdr "$(port_mac "$fw-s2c")" dev eth1 nud permanent
    ip -n "$PREFIX-$fw" route replace 10.201.1.0/24 via 10.201.20.1 dev eth1
}

# kill: both links of a firewall down (it stops forwarding, as a crashed VM
# would); revive: up again, with the routes and neighbours that went with them.
kill_fw() { ip -n "$PREFIX-$1" link set eth0 down; ip -n "$PREFIX-$1" link set eth1 down; }
revive_fw() { ip -n "$PREFIX-$1" link set eth0 up; ip -n "$PREFIX-$1" link set eth1 up; routes "$1"; }

firewall() {  # NAME
    local fw=$1 scope i
    pair "$fw-c2s" "$fw" eth0
    pair "$fw-s2c" "$fw" eth1
    # Forwarding, no redirects (packets go back out the interface they came
    # in on, by design), no reverse-path check.
    for scope in all default eth0 eth1; do
        in_ns "$fw" sysctl -qw "net.ipv4.conf.$scope.send_redirects=0" "net.ipv4.conf.$scope.rp_filter=0"
    done
    in_ns "$fw" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$PREFIX-$fw" addr add 10.201.10.2/24 dev eth0
    ip -n "$PREFIX-$fw" addr add 10.201.20.2/24 dev eth1
    routes "$fw"
    in_ns "$fw" nft -f "$here/fwlb-firewall.nft"
    # conntrack exists once the ruleset uses it: now its per-namespace settings.
    in_ns "$fw" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 net.netfilter.nf_conntrack_tcp_be_liberal=0
    i=$(in_ns "$fw" sysctl -n net.netfilter.nf_conntrack_tcp_loose)
    [ "$i" = 0 ] || { echo "$fw: nf_conntrack_tcp_loose is $i, not 0" >&2; exit 1; }
}

up() {
    local option xdp=""
    for option in "$@"; do
        case "$option" in
            xdp) xdp=xdp ;;
            ha) MODE=ha ;;
            *) echo "unknown option $option" >&2; exit 2 ;;
        esac
    done
    create_namespaces "$xdp"
    pair client client eth0
    pair server server eth0
    host client 10.201.1.2 10.201.1.1 "$(port_mac client)" 10.201.2.0/24
    host server 10.201.2.2 10.201.2.1 "$(port_mac server)" 10.201.1.0/24
    local fw
    for fw in $(firewalls); do firewall "$fw"; done
    if [ "$MODE" = ha ]; then
        # The conntrackd sync link: no forwarder on it, only the pair.
        ip -n "$PREFIX-fwa" link add sync type veth peer name sync netns "$PREFIX-fwb"
        ip -n "$PREFIX-fwa" addr add 192.168.201.1/24 dev sync
        ip -n "$PREFIX-fwb" addr add 192.168.201.2/24 dev sync
        ip -n "$PREFIX-fwa" link set sync up
        ip -n "$PREFIX-fwb" link set sync up
    fi
}

down() {
    local n all=()
    for n in client server sff fw1 fw2 fw3 fwa fwb; do all+=("$PREFIX-$n"); done
    delete_namespaces "${all[@]}"
}

case "${1:-}" in
    up)    PREFIX=${2:?usage: fwlb-topology.sh up PREFIX [xdp] [ha]}; shift 2; up "$@" ;;
    down)  PREFIX=${2:?usage: fwlb-topology.sh down PREFIX}; down ;;
    kill)  PREFIX=${2:?usage: fwlb-topology.sh kill PREFIX FIREWALL}; kill_fw "${3:?firewall}" ;;
    revive) PREFIX=${2:?usage: fwlb-topology.sh revive PREFIX FIREWALL}; revive_fw "${3:?firewall}" ;;
    stale) stale ;;
    *)     echo "usage: fwlb-topology.sh up PREFIX [xdp] [ha] | down PREFIX | kill PREFIX FW | revive PREFIX FW | stale" >&2; exit 2 ;;
esac
