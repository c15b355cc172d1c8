#!/usr/bin/env bash
# The DPDK benchmark (`make bench`): every case of `sfc-bench` on
# net_null and net_ring devices with 1 lcore and then 2, against
# dpdk-testpmd in io and macswap modes on the same devices in the same run.
# Writes a JSON array (bench/results/dpdk.json) and prints a table.
#
#   scripts/bench-dpdk.sh PATH/TO/sfc-bench [OUTPUT.json]
#
# BENCH_SECONDS (default 2) and BENCH_WARMUP (1) set each measurement's
# window; BENCH_LCORES ("1 2"), BENCH_DEVICES ("net_null net_ring") and
# BENCH_CASES narrow the run. Needs root, dpdk-testpmd (Debian dpdk-dev)
# and python3. Every DPDK process runs with --no-huge and its own
# --file-prefix; its runtime directory is removed afterwards.
set -euo pipefail

bench=${1:?usage: $0 PATH/TO/sfc-bench [OUTPUT.json]}
output=${2:-bench/results/dpdk.json}
seconds=${BENCH_SECONDS:-2}
warmup=${BENCH_WARMUP:-1}
lcore_counts=${BENCH_LCORES:-1 2}
devices=${BENCH_DEVICES:-net_null net_ring}
cases=${BENCH_CASES:-nsh-sff-forward classify-1k-nsh-encap classify-100k-nsh-encap classify-srv6-encaps-3sids srv6-end srv6-end-as}
testpmd=$(command -v dpdk-testpmd || true)
[ -n "$testpmd" ] || { echo "bench: dpdk-testpmd not found (Debian package dpdk-dev; make deps installs it)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: DPDK needs root" >&2; exit 1; }

work=$(mktemp -d /tmp/sfc-bench.XXXXXX)
prefixes=()
cleanup() {
    for p in "${prefixes[@]}"; do rm -rf "/var/run/dpdk/$p"; done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$(dirname "$output")"
{
    echo "cpus=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$seconds"
    echo "warmup=$warmup"
} > "$work/meta"

echo "== allocation counter self-check (the traffic source mallocs once per packet on purpose)"
"$bench" --self-check --case nsh-sff-forward --device net_ring --lcores "$(echo $lcore_counts | awk '{print $NF}')" \
    --warmup "$warmup" --seconds 1 > "$work/self-check.json"
cat "$work/self-check.json"

# testpmd on the same devices: 2 ports per forwarding lcore, as the forwarder
# gets. Its main lcore shares CPU 0 (it sleeps between stats prints); the
# forwarding lcores sit on CPU 0 (and CPU 1), where the forwarder's are.
run_testpmd() { # device lcores mode
    local device=$1 n=$2 mode=$3 vdevs=() i prefix
    for ((i = 0; i < 2 * n; i++)); do vdevs+=("--vdev=${device}${i}"); done
    local lcores_map="0@0,1@0"
    [ "$n" = 2 ] && lcores_map="0@0,1@0,2@1"
    local extra=()
    [ "$device" = net_ring ] && extra+=(--tx-first)   # loopback rings start empty: seed one burst per port
    prefix="sfcbench-tp-$$-$device-$n-$mode"
    prefixes+=("$prefix")
    local run_for
    run_for=$(python3 -c "import math; print(math.ceil($warmup + $seconds) + 3)")
    timeout -s INT "$run_for" "$testpmd" --no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=notice \
        --file-prefix="$prefix" "${vdevs[@]}" --lcores="$lcores_map" -- \
        --forward-mode="$mode" --nb-cores="$n" --total-num-mbufs=16384 --burst=32 --stats-period=1 \
        --record-core-cycles --auto-start "${extra[@]}" > "$work/testpmd-$device-$n-$mode.txt" 2>&1 || true
    rm -rf "/var/run/dpdk/$prefix"
}

for n in $lcore_counts; do
    for device in $devices; do
        for mode in io macswap; do
            echo "== lcores=$n $device dpdk-testpmd $mode"
            run_testpmd "$device" "$n" "$mode"
        done
        for c in $cases; do
            echo "== lcores=$n $device $c"
            "$bench" --case "$c" --device "$device" --lcores "$n" --warmup "$warmup" --seconds "$seconds" \
                >> "$work/runs.jsonl"
        done
    done
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/meta"

python3 - "$work" "$output" <<'PY'
import json, os, re, sys

work, output = sys.argv[1], sys.argv[2]
meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(work, "meta")))
hz = None
runs = [json.loads(l) for l in open(os.path.join(work, "runs.jsonl")) if l.strip()]
if runs:
    hz = runs[0]["tsc_hz"]

def testpmd(path, lcores):
    """Sum of every port's Rx-pps per stats period, averaged over the periods
    after the first (which includes start-up); testpmd's own cycles/packet."""
    text = open(path).read()
    blocks = re.split(r"NIC statistics for port 0 ", text)[1:]
    totals = []
    for b in blocks:
        pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", b)]
        if pps:
            totals.append(sum(pps))
    steady = totals[1:] if len(totals) > 1 else totals
    if not steady:
        raise SystemExit(f"bench: no throughput in {path}:\n{text[-2000:]}")
    mpps = sorted(steady)[len(steady) // 2] / 1e6   # the median period, as the forwarder's median window
    m = re.search(r"CPU cycles/packet=([\d.]+)", text)
    reported = float(m.group(1)) if m else None
    # Same definition as the forwarder's: lcore cycles over packets, in that period.
    cpp = hz * lcores / (mpps * 1e6) if hz else reported
    return mpps, cpp, reported, [round(t / 1e6, 3) for t in steady]

rows = []
baselines = {}
for name in sorted(os.listdir(work)):
    m = re.match(r"testpmd-(net_\w+?)-(\d)-(io|macswap)\.txt$", name)
    if not m:
        continue
    device, lcores, mode = m.group(1), int(m.group(2)), m.group(3)
    baselines[(device, lcores, mode)] = testpmd(os.path.join(work, name), lcores)

order = {}
for device, lcores, mode in sorted(baselines, key=lambda k: (k[1], k[0], k[2])):
    mpps, cpp, reported, periods = baselines[(device, lcores, mode)]
    macswap = baselines.get((device, lcores, "macswap"), (None,))[0]
    rows.append({"case": f"testpmd-{mode}", "device": device, "lcores": lcores, "mpps": round(mpps, 3),
                 "cycles_per_packet": round(cpp, 1) if cpp else None, "baseline": "testpmd-macswap",
                 "baseline_mpps": round(macswap, 3) if macswap else None,
                 "ratio": round(mpps / macswap, 3) if macswap else None, "allocations_per_packet": None,
                 "testpmd_reported_cycles_per_packet": reported, "mpps_periods": periods})

one_lcore = {(r["case"], r["device"]): r["mpps"] for r in runs if r["lcores"] == 1}
for r in runs:
    macswap = baselines.get((r["device"], r["lcores"], "macswap"), (None,))[0]
    io = baselines.get((r["device"], r["lcores"], "io"), (None,))[0]
    row = {"case": r["case"], "device": r["device"], "lcores": r["lcores"], "mpps": round(r["mpps"], 3),
           "cycles_per_packet": round(r["cycles_per_packet"], 1), "baseline": "testpmd-macswap",
           "baseline_mpps": round(macswap, 3) if macswap else None,
           "ratio": round(r["mpps"] / macswap, 3) if macswap else None,
           "allocations_per_packet": r["allocations_per_packet"],
           "ratio_to_io": round(r["mpps"] / io, 3) if io else None,
           "source_cycles_per_packet": round(r["source_cycles_per_packet"], 1),
           "gross_mpps": round(r["gross_mpps"], 3), "mpps_windows": [round(x, 3) for x in r["mpps_windows"]],
           "packets": r["packets"], "dropped": r["dropped"],
           "template_bytes": r["template_bytes"]}
    if r["lcores"] > 1 and (r["case"], r["device"]) in one_lcore:
        row["scaling_vs_1_lcore"] = round(r["mpps"] / one_lcore[(r["case"], r["device"])], 3)
    rows.append(row)

rows.sort(key=lambda r: (r["lcores"], r["device"], 0 if r["case"].startswith("testpmd") else 1))
with open(output, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")

self_check = json.load(open(os.path.join(work, "self-check.json")))
print()
print(f"DPDK benchmark, {meta['date']}: {meta['cpus']} CPUs ({meta['cpu']}), TSC {hz/1e9 if hz else 0:.2f} GHz, "
      f"load average before {meta['load_before']}, after {meta['load_after']}")
print(f"window {meta['seconds']} s after {meta['warmup']} s warm-up; 64-byte frames (60 + FCS) unless the case's template is longer")
print("mpps and cycles/packet exclude the traffic source (its cost is the src column); ratio = mpps / testpmd macswap mpps")
print("each figure is the median of 5 windows (forwarder) or of the 1-s stats periods after the first (testpmd)")
print()
head = f"{'lcores':>6} {'device':<9} {'case':<27} {'Mpps':>7} {'cyc/pkt':>8} {'src cyc':>8} {'macswap':>8} {'ratio':>6} {'x1 lcore':>8} {'alloc/pkt':>9}"
print(head)
print("-" * len(head))
for r in rows:
    def f(v, fmt):
        return format(v, fmt) if v is not None else "-"
    print(f"{r['lcores']:>6} {r['device']:<9} {r['case']:<27} {f(r['mpps'], '7.2f')} {f(r['cycles_per_packet'], '8.1f')} "
          f"{f(r.get('source_cycles_per_packet'), '8.1f')} {f(r['baseline_mpps'], '8.2f')} {f(r['ratio'], '6.2f')} "
          f"{f(r.get('scaling_vs_1_lcore'), '8.2f')} {f(r['allocations_per_packet'], '9.4f')}")

print()
print("goals:")
def goal(text, ok):
    print(f"  [{'met' if ok else 'MISSED'}] {text}")
ours = [r for r in rows if not r["case"].startswith("testpmd")]
for r in ours:
    if r["lcores"] == 1 and r["case"] == "nsh-sff-forward" and r["ratio"] is not None:
        goal(f"NSH SFF forward >= 0.9x macswap on {r['device']}: {r['ratio']:.2f}x", r["ratio"] >= 0.9)
for r in ours:
    if r["lcores"] == 1 and r["case"] == "classify-100k-nsh-encap" and r["ratio"] is not None:
        goal(f"classify 100k rules + NSH encap >= 0.6x macswap on {r['device']}: {r['ratio']:.2f}x", r["ratio"] >= 0.6)
scal = [r for r in ours if "scaling_vs_1_lcore" in r]
if scal:
    worst = min(scal, key=lambda r: r["scaling_vs_1_lcore"])
    best = max(scal, key=lambda r: r["scaling_vs_1_lcore"])
    goal(f"2 lcores >= 1.8x one lcore: {worst['scaling_vs_1_lcore']:.2f}x ({worst['case']}, {worst['device']}) to "
         f"{best['scaling_vs_1_lcore']:.2f}x ({best['case']}, {best['device']}); 2 CPUs in all, shared with the OS and this script",
         worst["scaling_vs_1_lcore"] >= 1.8)
    tp = [(d, baselines[(d, 2, "macswap")][0] / baselines[(d, 1, "macswap")][0]) for d in sorted({k[0] for k in baselines})
          if (d, 1, "macswap") in baselines and (d, 2, "macswap") in baselines]
    for d, s in tp:
        print(f"         testpmd macswap itself scales {s:.2f}x from 1 to 2 lcores on {d} on this machine")
allocs = max((r["allocations_per_packet"] for r in ours), default=0)
goal(f"0 heap allocations per packet: at most {allocs:g} per packet over {sum(r['packets'] for r in ours)} packets", allocs == 0)
fr = self_check["forwarding_run"]
if not self_check["swift_ok"] or fr["allocations_per_packet"] < 0.99:
    raise SystemExit("bench: the allocation counter failed its self-check: the zero above proves nothing")
print(f"  allocation counter self-check: {self_check['swift_allocations_counted']} of {self_check['swift_allocations_made']} "
      f"deliberate Swift allocations counted ({self_check['counted_while_off']} while off); a forwarding run whose source "
      f"mallocs once per packet counted {fr['allocations_per_packet']:.4f} per packet over {fr['lcores']} lcore(s)")
dropped = sum(r["dropped"] for r in ours)
if dropped:
    print(f"  WARNING: {dropped} packets were dropped in the forwarding runs: the cases did not all measure forwarding")
print(f"\nwritten to {output}")
PY
