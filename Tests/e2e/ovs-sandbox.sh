#!/usr/bin/env bash
# A private Open vSwitch for one test: its own database, sockets, pid and log
# files in DIR (nothing under /var/run/openvswitch, /etc/openvswitch or
# /var/log/openvswitch is read or written), both daemons inside network
# namespace NS, one bridge on the userspace datapath.
#
#   ovs-sandbox.sh start NS DIR BRIDGE IFACE...  start ovsdb-server and ovs-vswitchd in NS,
#                                                create BRIDGE (datapath_type=netdev,
#                                                OpenFlow 1.3, fail_mode=secure, no
#                                                flows) with IFACE... as OpenFlow ports
#                                                1, 2, ... in that order
#   ovs-sandbox.sh stop DIR                      stop both daemons (ovs-appctl exit, then
#                                                TERM, then KILL), remove DIR; idempotent
#   ovs-sandbox.sh env DIR                       the environment for ovs-ofctl/-appctl
#                                                (eval it; ovs-vsctl takes --db=unix:DIR/db.sock)
#
# The userspace ("netdev") datapath reads and writes each veth through an
# AF_PACKET socket of the namespace it runs in, which is why the daemons are
# started inside NS with `ip netns exec` and the ports are NS's interfaces.
# fail_mode=secure: without flows the bridge forwards nothing (no NORMAL
# learning switch behind the test's back).
set -euo pipefail

# Runs "$@" as a daemon would want to start: no file descriptor of ours
# above stderr (a daemon would otherwise hold our caller's pipes and sockets
# open for its lifetime: the test's process runner sees a child end only
# when such a socket closes), and SIGTERM and SIGINT unblocked (Foundation's
# Process starts its children with both blocked, and exec keeps the mask).
as_daemon() {
    local fd closes=()
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && closes+=("$fd>&-")
    done
    eval 'python3 -c "$unblock_and_exec" "$@"' "${closes[*]}"
}
unblock_and_exec='import os, signal, sys
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
os.execvp(sys.argv[1], sys.argv[1:])'

ovs_env() {  # DIR
    export OVS_RUNDIR=$1 OVS_DBDIR=$1 OVS_LOGDIR=$1 OVS_SYSCONFDIR=$1
}

start() {
    local ns=$1 dir=$2 bridge=$3
    shift 3
    mkdir -p "$dir"
    ovs_env "$dir"
    local schema=${OVS_PKGDATADIR:-/usr/share/openvswitch}/vswitch.ovsschema
    ovsdb-tool create "$dir/conf.db" "$schema"
    as_daemon ip netns exec "$ns" ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --pidfile="$dir/ovsdb-server.pid" --log-file="$dir/ovsdb-server.log" --unixctl="$dir/ovsdb-server.ctl" \
        --detach --no-chdir
    local vsctl=(ovs-vsctl --db="unix:$dir/db.sock" --timeout=20)
    "${vsctl[@]}" --no-wait init
    as_daemon ip netns exec "$ns" ovs-vswitchd "unix:$dir/db.sock" \
        --pidfile="$dir/ovs-vswitchd.pid" --log-file="$dir/ovs-vswitchd.log" --unixctl="$dir/ovs-vswitchd.ctl" \
        --detach --no-chdir
    "${vsctl[@]}" add-br "$bridge" -- set bridge "$bridge" datapath_type=netdev \
        protocols=OpenFlow13 fail_mode=secure
    local n=1 iface
    for iface in "$@"; do
        "${vsctl[@]}" add-port "$bridge" "$iface" -- set interface "$iface" ofport_request=$n
        n=$((n + 1))
    done
    # Every port up and numbered as asked, or the test's flows would not apply.
    n=1
    for iface in "$@"; do
        local ofport
        ofport=$("${vsctl[@]}" get interface "$iface" ofport)
        if [ "$ofport" != "$n" ]; then
            echo "ovs-sandbox.sh: $iface has OpenFlow port $ofport, not $n:" >&2
            "${vsctl[@]}" get interface "$iface" error >&2 || true
            exit 1
        fi
        n=$((n + 1))
    done
}

alive() {  # PID: running, not a zombie waiting for its reaper
    [ -r "/proc/$1/stat" ] && ! sed -E 's/^.*\) //' "/proc/$1/stat" | grep -q '^Z'
}

# ovs-appctl exit (a clean shutdown: the bridge's ports released), then
# SIGTERM, then SIGKILL.
stop_daemon() {  # DIR NAME
    local pid i signal
    [ -f "$1/$2.pid" ] || return 0
    pid=$(cat "$1/$2.pid" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    ovs-appctl -t "$1/$2.ctl" --timeout=5 exit >/dev/null 2>&1 || true
    for signal in NONE TERM KILL; do
        [ "$signal" = NONE ] || kill -"$signal" "$pid" 2>/dev/null || true
        for i in $(seq 1 30); do
            alive "$pid" || return 0
            sleep 0.1
        done
    done
}

stop() {
    local dir=$1
    [ -d "$dir" ] || return 0
    stop_daemon "$dir" ovs-vswitchd
    stop_daemon "$dir" ovsdb-server
    rm -rf "$dir"
}

case "${1:-}" in
    start) [ $# -ge 4 ] || { echo "usage: ovs-sandbox.sh start NS DIR BRIDGE IFACE..." >&2; exit 2; }
           shift; start "$@" ;;
    stop)  stop "${2:?usage: ovs-sandbox.sh stop DIR}" ;;
    env)   echo "export OVS_RUNDIR=$2 OVS_DBDIR=$2 OVS_LOGDIR=$2 OVS_SYSCONFDIR=$2" ;;
    *)     echo "usage: ovs-sandbox.sh start NS DIR BRIDGE IFACE... | stop DIR | env DIR" >&2; exit 2 ;;
esac
