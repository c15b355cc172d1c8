#!/usr/bin/env bash
# The XDP benchmark (`make bench`, after the DPDK one), two parts:
#
#  1. BPF_PROG_RUN: `sfc-bench --dataplane xdp` for every case of
#     the DPDK bench (same chain files, same template packets): nanoseconds
#     per packet of BPF/sfc_xdp.c against the trivial XDP_TX program
#     (BPF/xdp_tx.c) timed in the same process, alternating rounds.
#  2. Live: three network namespaces joined by veth pairs, gen -> fwd -> sink.
#     dpdk-testpmd (txonly, net_af_packet on the gen veth, busy-polling)
#     sends 60-byte (64 on the wire) UDP/IPv4 frames from varying source
#     addresses into fwd, which does SRv6 H.Encaps with 3 SIDs to the sink,
#     either by our XDP program (`sfc-forwarder run --dataplane xdp`) or by
#     the kernel (`ip route ... encap seg6 mode encap`, XDP detached), in
#     alternating rounds. The sink's veth runs bench/xdp_sink.c, which counts
#     correctly encapsulated frames and drops everything. A third mode runs
#     bench/xdp_encap_ceiling.c on fwd instead: a constant H.Encaps with no
#     lookups, the most any XDP encapsulation could do on this topology.
#
# Writes a JSON array (bench/results/xdp.json, the DPDK rows' format) and
# prints a table.
#
#   scripts/bench-xdp.sh PATH/TO/sfc-bench PATH/TO/sfc-forwarder [OUTPUT.json]
#
# BENCH_XDP_PARTS ("prog-run live"), BENCH_XDP_CASES, BENCH_XDP_ROUNDS (9)
# and BENCH_XDP_RUNS (20000 calls per program per round) shape part 1;
# BENCH_LIVE_ROUNDS (5), BENCH_SECONDS (2), BENCH_WARMUP (1) and
# BENCH_GEN_LCORES (testpmd's forwarding lcores, one queue each: 1 or 2,
# default 2) part 2;
# BENCH_FRAME_SIZES ("64 512": bytes on the wire, FCS included) both parts:
# the templates are padded (bench/README.md), the generator sends that size;
# goals come from bench/goals.json (BENCH_GOALS);
# BENCH_XDP_KEEP=1 keeps the work directory (logs, raw windows). The BPF
# objects come from SFC_BPF_OBJECT_DIR (default: .build/bpf, `make bpf`),
# handed to sfc-bench and the forwarder as --bpf-object.
# Needs root, bpffs on /sys/fs/bpf, dpdk-testpmd (dpdk-dev), bpftool, clang
# and python3.
#
# The generator is testpmd rather than trafgen (netsniff-ng): with our XDP
# program on the receiving veth, veth's backpressure on its full NAPI ring
# makes trafgen sleep (and on this kernel sometimes stall for good), which
# would slow the generator rather than measure the forwarder; testpmd's
# af_packet TX busy-polls its ring.
set -euo pipefail

usage="usage: $0 PATH/TO/sfc-bench PATH/TO/sfc-forwarder [OUTPUT.json]"
bench=${1:?$usage}
forwarder=${2:?$usage}
output=${3:-bench/results/xdp.json}
repo=$(cd "$(dirname "$0")/.." && pwd)
SFC_BPF_OBJECT_DIR=${SFC_BPF_OBJECT_DIR:-$repo/.build/bpf}
parts=${BENCH_XDP_PARTS:-prog-run live}
# Every case sfc-bench has (its --list-cases, the one list), unless named.
cases=${BENCH_XDP_CASES:-$("$bench" --list-cases | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))')}
rounds=${BENCH_XDP_ROUNDS:-9}
runs=${BENCH_XDP_RUNS:-20000}
live_rounds=${BENCH_LIVE_ROUNDS:-5}
seconds=${BENCH_SECONDS:-2}
warmup=${BENCH_WARMUP:-1}
gen_lcores=${BENCH_GEN_LCORES:-2}
frame_sizes=${BENCH_FRAME_SIZES:-64 512}
goals=${BENCH_GOALS:-$repo/bench/goals.json}
bpf_cc=${BPF_CC:-$(command -v clang || echo /opt/swift/usr/bin/clang)}

fail() { echo "bench-xdp: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (BPF_PROG_RUN, namespaces, XDP attach)"
[ -x "$bench" ] || fail "$bench is not an executable"
[ -x "$forwarder" ] || fail "$forwarder is not an executable"
[ -f "$goals" ] || fail "no goals file $goals"
for fs in $frame_sizes; do
    case $fs in *[!0-9]*|'') fail "BENCH_FRAME_SIZES: '$fs' is not a number" ;; esac
    [ "$fs" -ge 64 ] && [ "$fs" -le 516 ] || fail "frame size $fs: 64 to 516 bytes on the wire"
done
for o in sfc_xdp.o xdp_tx.o; do
    [ -f "$SFC_BPF_OBJECT_DIR/$o" ] || fail "$SFC_BPF_OBJECT_DIR/$o is missing: run \`make bpf\` (or set SFC_BPF_OBJECT_DIR)"
done
case " $parts " in *" live "*)
    for tool in dpdk-testpmd bpftool ip nsenter python3; do
        command -v "$tool" >/dev/null || fail "$tool not found (dpdk-testpmd: Debian dpdk-dev; bpftool: bpftool; nsenter: util-linux)"
    done
    case $gen_lcores in 1|2) ;; *) fail "BENCH_GEN_LCORES must be 1 or 2" ;; esac
    [ -x "$bpf_cc" ] || fail "no clang to build bench/xdp_sink.c (set BPF_CC)"
    [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || fail "/sys/fs/bpf is not a bpf filesystem (scripts/mount-bpffs.sh)"
    ;;
esac

id=$$
work=$(mktemp -d /tmp/sfc-bench-xdp.XXXXXX)
GEN=sfcxb-gen-$id FWD=sfcxb-fwd-$id SINK=sfcxb-sink-$id
node=xdp-bench-$id
pids=()
stats_before=
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for n in "$GEN" "$FWD" "$SINK"; do ip netns del "$n" 2>/dev/null || true; done
    [ -n "$stats_before" ] && sysctl -qw kernel.bpf_stats_enabled="$stats_before"
    rm -rf "/sys/fs/bpf/sfc/$node" /var/run/dpdk/sfcxb-"$id"-*
    if [ -n "${BENCH_XDP_KEEP:-}" ]; then echo "bench-xdp: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$(dirname "$output")"
{
    echo "cpus=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cpu_mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
    echo "kernel=$(uname -r)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "rounds=$rounds"
    echo "runs=$runs"
    echo "live_rounds=$live_rounds"
    echo "seconds=$seconds"
    echo "warmup=$warmup"
    echo "gen_lcores=$gen_lcores"
    echo "frame_sizes=$frame_sizes"
    echo "goals=$goals"
    echo "instructions=$repo/bench/results/instructions.json"
} > "$work/meta"
: > "$work/prog-run.jsonl"
: > "$work/live.jsonl"

# ---- part 1: BPF_PROG_RUN -------------------------------------------------
case " $parts " in *" prog-run "*)
    for fs in $frame_sizes; do
        for c in $cases; do
            echo "== BPF_PROG_RUN $c (and xdp_tx_baseline), ${fs}-byte frames, $rounds rounds x $runs runs each"
            if ! "$bench" --dataplane xdp --bpf-object "$SFC_BPF_OBJECT_DIR/sfc_xdp.o" --case "$c" --frame-size "$fs" \
                    --rounds "$rounds" --runs "$runs" >> "$work/prog-run.jsonl" 2> "$work/prog-run-$c-$fs.err"; then
                cat "$work/prog-run-$c-$fs.err" >&2
                python3 -c 'import json,sys; print(json.dumps({"case": sys.argv[1], "frame_size": int(sys.argv[3]), "error": open(sys.argv[2]).read().strip()[-2000:]}))' \
                    "$c" "$work/prog-run-$c-$fs.err" "$fs" >> "$work/prog-run.jsonl"
            fi
        done
    done
    ;;
esac

# ---- part 2: live, over veth ---------------------------------------------
sink_map=
sink_counts() {  # "srv6 other" frames counted at the sink so far (all CPUs)
    bpftool map dump id "$sink_map" -j | python3 -c '
import json, sys
print(*[sum(v["value"] for v in e["formatted"]["values"]) for e in json.load(sys.stdin)])'
}
link_stat() {  # netns interface field
    ip -n "$1" -s -j link show dev "$2" | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s[sys.argv[1]][sys.argv[2]])' "${3%%.*}" "${3#*.}"
}

# One measurement window with testpmd sending; appends one JSON line.
measure() {  # mode round
    local mode=$1 round=$2 tg lcores=0@0,1@0 prefix=sfcxb-$id-$1-$2-$live_fs
    [ "$gen_lcores" = 2 ] && lcores=0@0,1@0,2@1
    nsenter --net="/run/netns/$GEN" timeout -s INT "$(python3 -c "import math; print(math.ceil($warmup + $seconds) + 6)")" \
        dpdk-testpmd --no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=notice --file-prefix="$prefix" \
        --vdev="net_af_packet0,iface=g0,qpairs=$gen_lcores,blocksz=4096,framesz=2048,framecnt=1024" --lcores="$lcores" -- \
        --forward-mode=txonly --nb-cores="$gen_lcores" --rxq="$gen_lcores" --txq="$gen_lcores" --txpkts=$((live_fs - 4)) \
        --tx-ip=10.1.0.5,10.20.0.9 --tx-udp=40000,5000 --txonly-multi-flow --eth-peer=0,02:00:00:00:00:01 \
        --burst=32 --total-num-mbufs=16384 --auto-start --stats-period=1 > "$work/testpmd-$mode-$round-$live_fs.log" 2>&1 &
    tg=$!
    pids+=("$tg")
    # testpmd takes a moment to start: the warm-up counts from its first frames.
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(link_stat "$GEN" g0 tx.packets)" -gt 1000 ] && break
        kill -0 "$tg" 2>/dev/null || { cat "$work/testpmd-$mode-$round-$live_fs.log" >&2; fail "dpdk-testpmd (the generator) exited"; }
        sleep 0.1
    done
    sleep "$warmup"
    local c0 s0 t0 g0 d0 c1 s1 t1 g1 d1
    g0=$(link_stat "$GEN" g0 tx.packets); d0=$(link_stat "$GEN" g0 tx.dropped)
    s0=$(head -1 /proc/stat); c0=$(sink_counts); t0=$(date +%s.%N)
    sleep "$seconds"
    c1=$(sink_counts); t1=$(date +%s.%N); s1=$(head -1 /proc/stat)
    g1=$(link_stat "$GEN" g0 tx.packets); d1=$(link_stat "$GEN" g0 tx.dropped)
    kill -INT "$tg" 2>/dev/null || true
    wait "$tg" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$prefix"
    python3 - "$mode" "$round" "$t0" "$t1" "$c0" "$c1" "$s0" "$s1" "$g0" "$g1" "$d0" "$d1" "$live_fs" >> "$work/live.jsonl" <<'PY'
import json, sys
mode, rnd, t0, t1, c0, c1, s0, s1, g0, g1, d0, d1, fs = sys.argv[1:]
dt = float(t1) - float(t0)
c0, c1 = [int(x) for x in c0.split()], [int(x) for x in c1.split()]
s0, s1 = [int(x) for x in s0.split()[1:]], [int(x) for x in s1.split()[1:]]
d = [b - a for a, b in zip(s0, s1)]
total = sum(d)
good = c1[0] - c0[0]
print(json.dumps({"mode": mode, "round": int(rnd), "frame_size": int(fs), "seconds": dt, "packets": good, "pps": good / dt,
                  "other_pps": (c1[1] - c0[1]) / dt,
                  "offered_pps": (int(g1) - int(g0)) / dt, "gen_tx_dropped_pps": (int(d1) - int(d0)) / dt,
                  "cpu_busy": 1 - (d[3] + d[4]) / total if total else None,
                  "cpu_softirq": d[6] / total if total else None,
                  "busy_cpu_seconds": (total - d[3] - d[4]) / 100.0 if total else None}))
PY
}

wait_attached() {  # until both fwd interfaces carry an XDP program, or the forwarder died
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        if ip -n "$FWD" link show dev f0 | grep -q 'prog/xdp' && ip -n "$FWD" link show dev f1 | grep -q 'prog/xdp'; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

prog_stats() {  # program id -> "run_time_ns run_cnt" (BPF stats)
    bpftool prog show id "$1" -j | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("run_time_ns", 0), d.get("run_cnt", 0))'
}

live_xdp() {  # round [stats]: with "stats", the window runs with kernel.bpf_stats_enabled
    local round=$1 stats=${2:-} fwd
    nsenter --net="/run/netns/$FWD" "$forwarder" run --config "$work/live.yaml" --dataplane xdp --bpf-object "$SFC_BPF_OBJECT_DIR/sfc_xdp.o" --json \
        > "$work/fwd-$round-$live_fs.json" 2> "$work/fwd-$round-$live_fs.log" &
    fwd=$!
    pids+=("$fwd")
    if ! wait_attached "$fwd"; then
        cat "$work/fwd-$round-$live_fs.log" >&2
        fail "the XDP forwarder did not attach to f0 and f1 in the fwd namespace"
    fi
    if [ -n "$stats" ]; then
        local prog p0 p1 k0 k1
        prog=$(ip -n "$FWD" -j link show dev f0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
        stats_before=$(sysctl -n kernel.bpf_stats_enabled)
        sysctl -qw kernel.bpf_stats_enabled=1
        p0=$(prog_stats "$prog"); k0=$(prog_stats "$sink_prog")
        measure xdp-stats "$round"
        p1=$(prog_stats "$prog"); k1=$(prog_stats "$sink_prog")
        sysctl -qw kernel.bpf_stats_enabled="$stats_before"
        stats_before=
        python3 -c '
import json, sys
p0, p1, k0, k1 = [[int(x) for x in a.split()] for a in sys.argv[1:5]]
def per(a, b): return (b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else None
print(json.dumps({"program_ns_per_packet": per(p0, p1), "program_runs": p1[1] - p0[1],
                  "sink_ns_per_packet": per(k0, k1), "sink_runs": k1[1] - k0[1]}))' "$p0" "$p1" "$k0" "$k1" > "$work/live-stats-$live_fs.json"
    else
        measure xdp "$round"
    fi
    kill -TERM "$fwd"
    wait "$fwd" || { cat "$work/fwd-$round-$live_fs.log" >&2; fail "the XDP forwarder failed"; }
    if ip -n "$FWD" link show dev f0 | grep -q 'prog/xdp'; then fail "the forwarder left XDP attached to f0"; fi
}

live_ceiling() {  # round
    ip -n "$FWD" link set dev f0 xdpdrv obj "$work/xdp_encap_ceiling.o" sec xdp
    measure ceiling "$1"
    ip -n "$FWD" link set dev f0 xdpdrv off
}

live_kernel() {  # round
    ip -n "$FWD" route add 10.20.0.9/32 encap seg6 mode encap segs fc00:2::f1,fc00:2::f2,fc00:2::d dev f1
    measure kernel "$1"
    ip -n "$FWD" route del 10.20.0.9/32
}

case " $parts " in *" live "*)
    echo "== live: namespaces $GEN -> $FWD -> $SINK (veth), testpmd txonly on $gen_lcores lcore(s), $live_rounds alternating rounds of ${seconds}s after ${warmup}s"
    "$bpf_cc" -target bpf -O2 -g -Wall -Werror -I"/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)" \
        -c "$repo/bench/xdp_sink.c" -o "$work/xdp_sink.o"
    sed "s/^  name: xdp-bench\$/  name: $node/" "$repo/bench/xdp-live-srv6.yaml" > "$work/live.yaml"
    grep -q "name: $node" "$work/live.yaml" || fail "bench/xdp-live-srv6.yaml: no 'node: name: xdp-bench' line to make unique"

    for n in "$GEN" "$FWD" "$SINK"; do ip netns add "$n"; ip -n "$n" link set lo up; done
    # Fixed MACs: the chain file's ports and route next hop, so nothing needs ARP or NDP.
    # One queue pair per generator lcore on every veth: each CPU's frames go
    # through their own NAPI context (in XDP mode) as they go through their
    # own CPU's backlog in the kernel's (no XDP, no NAPI on f0).
    q="numtxqueues $gen_lcores numrxqueues $gen_lcores"
    ip link add g0 netns "$GEN" address 02:00:00:aa:00:01 $q type veth peer name f0 netns "$FWD" address 02:00:00:00:00:01 $q
    ip link add f1 netns "$FWD" address 02:00:00:00:00:02 $q type veth peer name s0 netns "$SINK" address 02:00:00:00:30:01 $q
    ip -n "$GEN" link set g0 up
    ip -n "$FWD" link set f0 up
    ip -n "$FWD" link set f1 up
    ip -n "$SINK" link set s0 up
    # The sink: count and drop (its XDP program also gives s0 the NAPI a redirect into a veth needs).
    ip -n "$SINK" link set dev s0 xdpdrv obj "$work/xdp_sink.o" sec xdp
    sink_prog=$(ip -n "$SINK" -j link show dev s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
    sink_map=$(bpftool prog show id "$sink_prog" -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
    # The kernel baseline's side of fwd (harmless to XDP, which sees frames first):
    # forwarding on (seg6 encap of a forwarded packet goes through ip6_forward),
    # the tunnel source, the SIDs' route and a static neighbour for the first SID.
    ip netns exec "$FWD" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.f0.rp_filter=0
    ip -n "$FWD" addr add 10.1.0.1/24 dev f0
    ip -n "$FWD" -6 addr add 2001:db8:100::1/64 dev f1 nodad
    ip -n "$FWD" sr tunsrc set 2001:db8:100::1
    ip -n "$FWD" -6 route add fc00:2::/48 dev f1
    ip -n "$FWD" -6 neigh replace fc00:2::f1 lladdr 02:00:00:00:30:01 dev f1 nud permanent
    f1_ifindex=$(ip -n "$FWD" -j link show dev f1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
    "$bpf_cc" -target bpf -O2 -g -Wall -Werror -DREDIRECT_IFINDEX="$f1_ifindex" \
        -I"/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)" \
        -c "$repo/bench/xdp_encap_ceiling.c" -o "$work/xdp_encap_ceiling.o"
    # The kernel baseline needs CONFIG_IPV6_SEG6_LWTUNNEL: without it, no
    # kernel rows (and no goal against the kernel), the rest still runs.
    kernel_seg6=1
    if ip -n "$FWD" route add 10.20.0.9/32 encap seg6 mode encap segs fc00:2::f1,fc00:2::f2,fc00:2::d dev f1 2> "$work/seg6-probe.err"; then
        ip -n "$FWD" route del 10.20.0.9/32
    else
        kernel_seg6=0
        echo "bench-xdp: WARNING: this kernel cannot do seg6 encap ($(head -1 "$work/seg6-probe.err"); CONFIG_IPV6_SEG6_LWTUNNEL): no kernel baseline" >&2
    fi
    echo "kernel_seg6=$kernel_seg6" >> "$work/meta"
    for live_fs in $frame_sizes; do
        echo "   ${live_fs}-byte frames from the generator"
        for ((r = 1; r <= live_rounds; r++)); do
            case $((r % 3)) in   # each mode goes first, second and third in turn
                1) order="xdp kernel ceiling" ;;
                2) order="kernel ceiling xdp" ;;
                0) order="ceiling xdp kernel" ;;
            esac
            for mode in $order; do
                [ "$mode" = kernel ] && [ "$kernel_seg6" = 0 ] && continue
                echo "   round $r: $mode"
                "live_$mode" "$r"
            done
        done
        # One more XDP window, not part of the ratio: with the kernel's BPF run-time
        # statistics on (they cost two clock reads per program run), for the
        # program's own nanoseconds per live packet.
        echo "   extra window: xdp with kernel.bpf_stats_enabled=1"
        live_xdp 0 stats
    done
    ;;
esac
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/meta"

python3 - "$work" "$output" <<'PY'
import json, os, statistics, sys

work, output = sys.argv[1], sys.argv[2]
meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(work, "meta")))
goals = json.load(open(meta["goals"]))["xdp"]
mhz = float(meta["cpu_mhz"]) if meta.get("cpu_mhz") else None
ghz = mhz / 1000 if mhz else None
rows = []
# The XDP program's static figures, if make test's instruction guard left them (not per packet).
bpf_static = None
try:
    bpf_static = json.load(open(meta["instructions"])).get("bpf")
except (OSError, ValueError):
    pass
NO_INSN = "no per-packet instruction count for BPF code: no CPU PMU on this machine, and callgrind cannot run kernel code"

def r(v, n=3):
    return round(v, n) + 0.0 if v is not None else None   # + 0.0: no -0.0

def judge(row, goal, value, higher_is_better):
    """Sets goal, goal_met and goal_margin (the figure relative to the goal's: value / limit - 1)."""
    row["goal"] = goal
    if value is None:
        row["goal_met"] = None
        return
    limit = goal.get("min", goal.get("max"))
    row["goal_met"] = value >= limit if higher_is_better else value <= limit
    row["goal_margin"] = r(value / limit - 1)

# ---- BPF_PROG_RUN rows
runs = [json.loads(l) for l in open(os.path.join(work, "prog-run.jsonl")) if l.strip()]
pr_goal = goals["prog_run"]
for fs in sorted({x.get("frame_size", 64) for x in runs}):
    good = [x for x in runs if "error" not in x and x["frame_size"] == fs]
    if good:
        base = statistics.median(x["baseline_ns_per_packet"] for x in good)
        loop = statistics.median(x["baseline_loop_ns_per_run"] for x in good)
        rows.append({"case": "xdp-tx-baseline", "device": "bpf_prog_run", "lcores": 1, "frame_size": fs, "mpps": r(1e3 / base),
                     "ns_per_packet": r(base, 1), "cycles_per_packet": r(base * ghz, 1) if ghz else None,
                     "instructions_per_packet": None, "instructions_note": NO_INSN,
                     "baseline": "xdp-tx-baseline", "baseline_mpps": r(1e3 / base), "baseline_ns_per_packet": r(base, 1),
                     "ratio": 1.0, "loop_ns_per_packet": loop, "goal": None, "goal_met": None,
                     "ns_rounds_per_case": {x["case"]: r(x["baseline_ns_per_packet"], 1) for x in good},
                     "program_only_ns": r(statistics.median(x["baseline_program_only_ns"] for x in good if "baseline_program_only_ns" in x), 1)
                                        if any("baseline_program_only_ns" in x for x in good) else None})
    for x in [x for x in runs if x.get("frame_size", 64) == fs]:
        if "error" in x:
            rows.append({"case": x["case"], "device": "bpf_prog_run", "lcores": 1, "frame_size": fs, "error": x["error"],
                         "goal": {"metric": "ratio", "max": pr_goal["max_ns_ratio"]}, "goal_met": None})
            continue
        ns, b = x["ns_per_packet"], x["baseline_ns_per_packet"]
        leq = x["ns_per_packet_loop_equivalent"]
        row = {
            "case": x["case"], "device": "bpf_prog_run", "lcores": 1, "frame_size": fs,
            "mpps": r(1e3 / ns), "cycles_per_packet": r(ns * ghz, 1) if ghz else None,
            "instructions_per_packet": None, "instructions_note": NO_INSN,
            "ns_per_packet": r(ns, 1),
            "baseline": "xdp-tx-baseline", "baseline_mpps": r(1e3 / b), "baseline_ns_per_packet": r(b, 1),
            "ratio": r(ns / b), "throughput_ratio": r(b / ns),
            "allocations_per_packet": None,
            "ns_per_packet_loop_equivalent": r(leq, 1), "baseline_loop_ns_per_packet": x["baseline_loop_ns_per_run"],
            "ratio_loop_equivalent": r(leq / x["baseline_loop_ns_per_run"]) if x["baseline_loop_ns_per_run"] else None,
            "single_run_overhead_ns": r(x["single_run_overhead_ns"], 1),
            "program_only_ns": r(x.get("program_only_ns"), 1), "baseline_program_only_ns": r(x.get("baseline_program_only_ns"), 1),
            "floor_ns_per_packet": r(x.get("floor_ns_per_packet"), 1),
            "ns_rounds": [r(v, 1) for v in x["ns_rounds"]], "baseline_ns_rounds": [r(v, 1) for v in x["baseline_ns_rounds"]],
            "median_run_ns": x["median_run_ns"], "baseline_median_run_ns": x["baseline_median_run_ns"],
            "runs": x["runs_per_round"] * x["rounds"], "unexpected_verdicts": x["unexpected_verdicts"],
            "action": x["action"], "output_matches_reference": x["output_matches_reference"],
            "in_place_loop_ns_per_run": x["in_place_loop_ns_per_run"], "in_place_loop_final_action": x["in_place_loop_final_action"],
            "template_bytes": x["template_bytes"], "output_bytes": x["output_bytes"], "summary": x["summary"],
        }
        judge(row, {"metric": "ratio", "max": pr_goal["max_ns_ratio"],
                    "text": f"ns/packet <= {pr_goal['max_ns_ratio']}x xdp_tx_baseline's"}, row["ratio"], False)
        rows.append(row)

# ---- live rows, per frame size
live = [json.loads(l) for l in open(os.path.join(work, "live.jsonl")) if l.strip()]
lg = goals["live"]
def summary(ms):
    med = statistics.median(x["pps"] for x in ms)
    # the window whose rate is the median one gives the other figures
    w = sorted(ms, key=lambda x: x["pps"])[len(ms) // 2]
    busy = w["busy_cpu_seconds"] / w["seconds"] if w["busy_cpu_seconds"] is not None else None
    return {"mpps": med / 1e6, "windows": [r(x["pps"] / 1e6) for x in ms], "w": w,
            "cycles": busy * mhz * 1e6 / w["pps"] if busy and mhz and w["pps"] else None}
for fs in sorted({x["frame_size"] for x in live}):
    by = {m: [x for x in live if x["mode"] == m and x["frame_size"] == fs] for m in ("xdp", "kernel", "ceiling")}
    stats_path = os.path.join(work, f"live-stats-{fs}.json")
    live_stats = json.load(open(stats_path)) if os.path.exists(stats_path) else {}
    stats_window = [x for x in live if x["mode"] == "xdp-stats" and x["frame_size"] == fs]
    if not by["xdp"]:
        continue
    ours = summary(by["xdp"])
    kern = summary(by["kernel"]) if by["kernel"] else None
    ceil = summary(by["ceiling"]) if by["ceiling"] else None
    modes = [(lg["case"], ours, "xdp")]
    if ceil:
        modes.insert(0, (lg["ceiling"], ceil, "ceiling"))
    if kern:
        modes.insert(0, (lg["kernel"], kern, "kernel"))
    mine = []
    for name, s, mode in modes:
        w = s["w"]
        row = {"case": name, "device": "veth", "lcores": int(meta["gen_lcores"]), "frame_size": fs,
               "mpps": r(s["mpps"]), "cycles_per_packet": r(s["cycles"], 1),
               "instructions_per_packet": None, "instructions_note": NO_INSN,
               "baseline": lg["kernel"] if kern else None, "baseline_mpps": r(kern["mpps"]) if kern else None,
               "ratio": r(s["mpps"] / kern["mpps"]) if kern and kern["mpps"] else None,
               "ceiling_mpps": r(ceil["mpps"]) if ceil else None,
               "ratio_to_ceiling": r(s["mpps"] / ceil["mpps"]) if ceil and ceil["mpps"] else None,
               "allocations_per_packet": None,
               "mpps_windows": s["windows"], "offered_mpps": r(w["offered_pps"] / 1e6),
               "gen_tx_dropped_mpps": r(w["gen_tx_dropped_pps"] / 1e6),
               "other_frames_per_second": r(w["other_pps"], 1),
               "cpu_busy": r(w["cpu_busy"]), "cpu_softirq": r(w["cpu_softirq"]),
               "packets": w["packets"], "template_bytes": fs - 4,
               "windows_seconds": r(statistics.median(x["seconds"] for x in by[mode]), 2),
               "goal": None, "goal_met": None,
               "dataplane": {"xdp": "sfc_xdp (native XDP on veth, redirect f0 -> f1)",
                             "kernel": "Linux seg6 lwtunnel (ip route ... encap seg6 mode encap)",
                             "ceiling": "bench/xdp_encap_ceiling.c: constant H.Encaps, no lookups (reference point)"}[mode]}
        mine.append(row)
    # What the forwarding adds to the path: cycles per packet beyond the
    # constant encapsulation's (generator, veth and sink cost the same in every mode).
    if ceil and ceil["cycles"]:
        c0 = ceil["cycles"]
        for x in mine:
            x["cycles_beyond_ceiling"] = r(x["cycles_per_packet"] - c0, 1) if x["cycles_per_packet"] else None
        k = kern and [x for x in mine if x["case"] == lg["kernel"]][0]["cycles_beyond_ceiling"]
        for x in mine:
            if x["cycles_beyond_ceiling"] is not None and k:
                x["cycles_beyond_ceiling_vs_kernel"] = r(x["cycles_beyond_ceiling"] / k)
                if x["cycles_beyond_ceiling"] > 0:
                    x["forwarding_speedup_estimate"] = r(k / x["cycles_beyond_ceiling"], 2)
    o = mine[-1]
    if ceil:
        # Two goals on this row: Mpps against the ceiling, and its own cycles against the kernel's.
        parts = []
        t = lg["min_ratio_to_ceiling"]
        v = o["ratio_to_ceiling"]
        parts.append({"metric": "ratio_to_ceiling", "min": t, "value": v, "met": v is not None and v >= t,
                      "margin": r(v / t - 1) if v is not None else None, "op": ">=",
                      "text": f"Mpps >= {t}x the constant-encapsulation ceiling's, same run"})
        t = lg["max_cycles_beyond_ceiling_vs_kernel"]
        v = o.get("cycles_beyond_ceiling_vs_kernel")
        parts.append({"metric": "cycles_beyond_ceiling_vs_kernel", "max": t, "value": v,
                      "met": v is not None and v <= t, "margin": r(v / t - 1) if v is not None else None, "op": "<=",
                      "text": f"cycles/packet beyond the ceiling's path <= {t:.3g}x the kernel's"})
        o["goal"] = parts
        # Missed if a goal with a figure was missed; met if every goal had one and was met; else unknown.
        figured = [p for p in parts if p["value"] is not None]
        o["goal_met"] = False if any(not p["met"] for p in figured) else (True if len(figured) == len(parts) else None)
    if live_stats:
        o["live_program_ns_per_packet"] = r(live_stats["program_ns_per_packet"], 1)
        o["live_program_cycles_per_packet"] = r(live_stats["program_ns_per_packet"] * ghz, 1) if ghz and live_stats["program_ns_per_packet"] else None
        o["live_sink_ns_per_packet"] = r(live_stats["sink_ns_per_packet"], 1)
        o["stats_window_mpps"] = r(stats_window[0]["pps"] / 1e6) if stats_window else None
    rows.extend(mine)

with open(output, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")

def f(v, fmt):
    """v formatted, or "-" in the same width."""
    width = fmt.split(".")[0]
    return format(v, fmt) if v is not None else "-".rjust(int(width) if width.isdigit() else 1)
def verdict(met, value, op, limit, margin):
    """met/MISSED, the figure vs the goal's, and how far from it."""
    if met is None or value is None:
        return "no figure"
    return f"{'met' if met else 'MISSED'}: {value:.2f} vs {op} {limit:.3g} ({margin * 100:+.0f}%)"
print()
print(f"XDP benchmark, {meta['date']}: {meta['cpus']} CPUs ({meta['cpu']}, {meta['cpu_mhz']} MHz), kernel {meta['kernel']}, "
      f"load average before {meta['load_before']}, after {meta['load_after']}")
print(f"frame = bytes on the wire with the FCS; goals from {os.path.relpath(meta['goals'])}; result: met/MISSED, the row's figure vs the goal's, "
      "and how far from it (%)")
print(f"insn/pkt: {NO_INSN}", end="")
if bpf_static:
    print(f";\n  statically the program is {bpf_static.get('xlated_insns')} BPF instructions loaded, "
          f"{bpf_static.get('verified_insns')} verified (bench/results/instructions.json, make test)")
else:
    print()
bpr = [x for x in rows if x["device"] == "bpf_prog_run" and "error" not in x]
if bpr:
    print()
    print(f"BPF_PROG_RUN: one packet per call, each call on a fresh copy of the case's template; the kernel times each run.")
    print(f"ns = median of {meta['rounds']} rounds of the mean of {meta['runs']} runs (top 1% trimmed), per program, alternating;")
    print("ns includes the test run's own overhead (the clock read and bottom-half toggles, 'ovh'), paid alike by the baseline;")
    print("ratio = our ns / xdp_tx_baseline ns in the same process at the same frame size (the goal's figure); 'loop-eq' takes out the")
    print("single-run overhead the baseline shows over its own in-kernel repeat loop ('base loop'), 'prog' is the kernel's BPF stats")
    print("run time, 'floor' our program on an ARP frame it hands to the kernel at dispatch (its fixed cost, same method as ns/pkt).")
    print()
    head = (f"{'frame':>5} {'case':<27} {'tmpl':>4} {'ns/pkt':>7} {'cyc/pkt':>7} {'insn/pkt':>8} {'Mpps':>6} {'base ns':>7} {'ratio':>5} "
            f"{'ovh':>4} {'loop-eq':>7} {'base loop':>9} {'ratio':>5} {'prog ns':>7} {'floor':>5} {'ref':>4}  {'goal':<11} result")
    print(head)
    print("-" * (len(head) + 12))
    for x in bpr:
        if x["case"] == "xdp-tx-baseline":
            continue
        print(f"{x['frame_size']:>5} {x['case']:<27} {x['template_bytes']:>4} {f(x['ns_per_packet'], '7.1f')} {f(x['cycles_per_packet'], '7.0f')} "
              f"{'n/a':>8} {f(x['mpps'], '6.2f')} "
              f"{f(x['baseline_ns_per_packet'], '7.1f')} {f(x['ratio'], '5.2f')} {f(x['single_run_overhead_ns'], '4.0f')} "
              f"{f(x['ns_per_packet_loop_equivalent'], '7.1f')} {f(x['baseline_loop_ns_per_packet'], '9.0f')} "
              f"{f(x['ratio_loop_equivalent'], '5.2f')} {f(x['program_only_ns'], '7.1f')} {f(x['floor_ns_per_packet'], '5.0f')} "
              f"{'ok' if x['output_matches_reference'] else 'DIFF':>4}  {'ratio <= ' + format(x['goal']['max'], 'g'):<11} "
              f"{verdict(x['goal_met'], x['ratio'], '<=', x['goal']['max'], x.get('goal_margin'))}")
errs = [x for x in rows if "error" in x]
for x in errs:
    print(f"{x['frame_size']:>5} {x['case']:<27} FAILED: {x['error'].splitlines()[-1] if x['error'] else '?'}")
lv = [x for x in rows if x["device"] == "veth"]
if lv:
    print()
    print(f"live over veth: dpdk-testpmd txonly ({meta['gen_lcores']} lcore(s), net_af_packet) -> fwd -> XDP_DROP sink counting valid SRv6 (3 SIDs) frames;")
    print(f"Mpps received at the sink, median of {meta['live_rounds']} alternating {meta['seconds']}-s windows after {meta['warmup']} s, per frame size;")
    print("everything (generator, forwarding, sink) shares the machine's CPUs: cyc/pkt is all CPUs' busy cycles per delivered packet,")
    print("'beyond' is that less the constant-encap ceiling's (an estimate of the forwarding's own cycles), 'b/kern' ours / the kernel's;")
    print("'x ceil' = Mpps / the ceiling's Mpps, 'x kern' = Mpps / the kernel's, same run and frame size")
    print()
    head = (f"{'frame':>5} {'case':<26} {'Mpps':>6} {'cyc/pkt':>7} {'insn/pkt':>8} {'beyond':>6} {'b/kern':>6} {'offered':>7} "
            f"{'x ceil':>6} {'x kern':>6} {'busy':>4}  windows")
    print(head)
    print("-" * len(head))
    for x in lv:
        print(f"{x['frame_size']:>5} {x['case']:<26} {f(x['mpps'], '6.3f')} {f(x['cycles_per_packet'], '7.0f')} {'n/a':>8} "
              f"{f(x.get('cycles_beyond_ceiling'), '6.0f')} {f(x.get('cycles_beyond_ceiling_vs_kernel'), '6.2f')} "
              f"{f(x['offered_mpps'], '7.3f')} {f(x.get('ratio_to_ceiling'), '6.2f')} {f(x['ratio'], '6.2f')} "
              f"{f(x['cpu_busy'], '4.2f')}  {x['mpps_windows']}")
        if isinstance(x.get("goal"), list):
            for p in x["goal"]:
                v = p["value"]
                print(f"{'':>5}   goal: {p['text']}: {verdict(p['met'], v, p['op'], p.get('min', p.get('max')), p['margin'])}")
    for x in lv:
        if x.get("live_program_ns_per_packet"):
            print(f"{x['frame_size']:>5}B: in an extra window with BPF stats on ({f(x['stats_window_mpps'], '.3f')} Mpps), sfc_xdp ran "
                  f"{x['live_program_ns_per_packet']:.0f} ns ({f(x['live_program_cycles_per_packet'], '.0f')} cycles) per packet, "
                  f"the sink's counter {f(x['live_sink_ns_per_packet'], '.0f')} ns (kernel accounting, clock reads included)")

print()
print("goals:")
judged = []
for x in rows:
    g = x.get("goal")
    if isinstance(g, list):
        judged += [(f"{x['case']} {x['frame_size']}B: {p['text']}", p["met"] if p["value"] is not None else None,
                    p["value"], p["op"], p.get("min", p.get("max")), p["margin"]) for p in g]
    elif g and "error" in x:
        judged.append((f"{x['case']} {x['frame_size']}B: failed to run", None, None, "", 0, None))
    elif g:
        judged.append((f"{x['case']} {x['frame_size']}B: {g.get('text', '')}", x["goal_met"], x.get("ratio"), "<=",
                       g["max"], x.get("goal_margin")))
met = [j for j in judged if j[1]]
print(f"  {len(met)} of {len(judged)} goals met" + (f" ({sum(1 for j in judged if j[1] is None)} without a figure)"
                                                   if any(j[1] is None for j in judged) else ""))
for text, ok, value, op, limit, margin in judged:
    print(f"  {text}: {verdict(ok, value, op, limit, margin)}")
if meta.get("kernel_seg6") == "0":
    print("  WARNING: this kernel has no seg6 lwtunnel (CONFIG_IPV6_SEG6_LWTUNNEL): no kernel seg6 encap baseline, "
          "so no 'x kern' and no goal against the kernel's cycles")
bad = [x["case"] for x in bpr if x.get("unexpected_verdicts")]
if bad:
    print(f"  WARNING: some timed runs did not return the forwarding verdict: {', '.join(bad)}")
diff = [x["case"] for x in bpr if x.get("output_matches_reference") is False]
if diff:
    print(f"  WARNING: the program's output differs from the reference pipeline's for: {', '.join(diff)}")
other = [x for x in lv if x["other_frames_per_second"] and x["other_frames_per_second"] > 100]
for x in other:
    print(f"  WARNING: {x['case']} {x['frame_size']}B: {x['other_frames_per_second']:.0f} frames/s at the sink were not the expected SRv6 encapsulation")
print(f"\nwritten to {output}")
if errs:
    sys.exit(1)
PY
