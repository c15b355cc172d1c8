#!/usr/bin/env bash
# The DPDK benchmark (`make bench`): every case of `sfc-bench` on
# net_null and net_ring devices with 1 lcore and then 2, against
# dpdk-testpmd in io and macswap modes on the same devices in the same run.
# Writes a JSON array (bench/results/dpdk.json) and prints a table.
#
#   scripts/bench-dpdk.sh PATH/TO/sfc-bench [OUTPUT.json]
#
# BENCH_SECONDS (default 2) and BENCH_WARMUP (1) set each measurement's
# window; BENCH_LCORES ("1 2"), BENCH_DEVICES ("net_null net_ring"),
# BENCH_FRAME_SIZES ("64 512": bytes on the wire, FCS included; testpmd runs
# at each size too) and BENCH_CASES narrow the run. Goals come from
# bench/goals.json (BENCH_GOALS). Instructions per packet are callgrind's
# count of the reference pipeline (no CPU PMU on the VM this was written
# on): BENCH_INSTRUCTIONS=auto (default) reuses the 64-byte figures of
# bench/results/instructions.json (scripts/instruction-guard.py, make test)
# when that file is newer than the binary and counts the rest with valgrind;
# "count" counts every size; "off" prints none. Needs root, dpdk-testpmd
# (Debian dpdk-dev), valgrind and objcopy (unless off) and python3. Every
# DPDK process runs with --no-huge and its own --file-prefix; its runtime
# directory is removed afterwards.
set -euo pipefail

bench=${1:?usage: $0 PATH/TO/sfc-bench [OUTPUT.json]}
output=${2:-bench/results/dpdk.json}
seconds=${BENCH_SECONDS:-2}
warmup=${BENCH_WARMUP:-1}
lcore_counts=${BENCH_LCORES:-1 2}
devices=${BENCH_DEVICES:-net_null net_ring}
# Every case sfc-bench has (its --list-cases, the one list), unless named.
cases=${BENCH_CASES:-$("$bench" --list-cases | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))')}
frame_sizes=${BENCH_FRAME_SIZES:-64 512}
repo=$(cd "$(dirname "$0")/.." && pwd)
goals=${BENCH_GOALS:-$repo/bench/goals.json}
instructions=${BENCH_INSTRUCTIONS:-auto}
guard_results=$repo/bench/results/instructions.json
case $instructions in auto|count|off) ;; *) echo "bench: BENCH_INSTRUCTIONS must be auto, count or off" >&2; exit 1 ;; esac
[ -f "$goals" ] || { echo "bench: no goals file $goals" >&2; exit 1; }
for fs in $frame_sizes; do
    case $fs in *[!0-9]*|'') echo "bench: BENCH_FRAME_SIZES: '$fs' is not a number" >&2; exit 1 ;; esac
    [ "$fs" -ge 64 ] && [ "$fs" -le 516 ] || { echo "bench: frame size $fs: 64 to 516 bytes on the wire" >&2; exit 1; }
done
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
    echo "frame_sizes=$frame_sizes"
    echo "goals=$goals"
} > "$work/meta"
: > "$work/runs.jsonl"
: > "$work/instructions.jsonl"

# Instructions per packet: callgrind around the reference pipeline's own
# work on the case's template (sfc-bench --dataplane reference, the method of
# scripts/instruction-guard.py), per case and frame size. DPDK runs this
# Pipeline; its I/O (the driver, the mbufs, the source) is not in the count.
if [ "$instructions" != off ]; then
    for tool in valgrind objcopy; do
        command -v "$tool" >/dev/null || { echo "bench: $tool not found (make deps; or BENCH_INSTRUCTIONS=off)" >&2; exit 1; }
    done
    stripped=
    for fs in $frame_sizes; do
        if [ "$instructions" = auto ] && [ "$fs" = 64 ] && [ -f "$guard_results" ] && [ "$guard_results" -nt "$bench" ]; then
            echo "== instructions/packet at 64 bytes: reusing $guard_results (make test's instruction guard, newer than $bench)"
            python3 - "$guard_results" "$cases" >> "$work/instructions.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in sys.argv[2].split():
    v = d.get("reference_instructions_per_packet", {}).get(c)
    if v is not None:
        print(json.dumps({"case": c, "frame_size": 64, "instructions_per_packet": v,
                          "instructions_from": "bench/results/instructions.json (scripts/instruction-guard.py)"}))
PY
            # Every case found there: done; otherwise count them all (a later line replaces a reused one).
            [ "$(grep -c '"frame_size": 64,' "$work/instructions.jsonl")" -ge "$(echo $cases | wc -w)" ] && continue
            echo "   not every case is in it: counting at 64 bytes"
        fi
        if [ -z "$stripped" ]; then
            # valgrind 3.19 cannot read the Swift toolchain's DWARF 5: a copy without it (same code).
            stripped=$work/sfc-bench-stripped
            objcopy --strip-debug "$bench" "$stripped"
        fi
        for c in $cases; do
            echo "== instructions/packet (callgrind, reference pipeline) $c, ${fs}-byte frames"
            SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
                --callgrind-out-file="$work/callgrind.$c.$fs" "$stripped" --dataplane reference --case "$c" \
                --frame-size "$fs" --packets 4096 > "$work/reference.$c.$fs.json" 2> "$work/callgrind.$c.$fs.log" \
                || { tail -20 "$work/callgrind.$c.$fs.log" >&2; echo "bench: callgrind failed on $c at $fs bytes" >&2; exit 1; }
            python3 - "$work/reference.$c.$fs.json" "$work/callgrind.$c.$fs" >> "$work/instructions.jsonl" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if not r.get("under_callgrind"):
    raise SystemExit(f"bench: {r['case']}: sfc-bench did not see valgrind")
total = next(int(l.split()[1]) for l in open(sys.argv[2]) if l.startswith("totals:"))
print(json.dumps({"case": r["case"], "frame_size": r["frame_size"], "instructions_per_packet": round(total / r["packets"], 1),
                  "instructions_from": "callgrind, this run"}))
PY
        done
    done
fi

echo "== allocation counter self-check (the traffic source mallocs once per packet on purpose)"
"$bench" --self-check --case nsh-sff-forward --device net_ring --lcores "$(echo $lcore_counts | awk '{print $NF}')" \
    --warmup "$warmup" --seconds 1 > "$work/self-check.json"
cat "$work/self-check.json"

# testpmd on the same devices: 2 ports per forwarding lcore, as the forwarder
# gets. Its main lcore shares CPU 0 (it sleeps between stats prints); the
# forwarding lcores sit on CPU 0 (and CPU 1), where the forwarder's are.
# At frame size F every packet is F - 4 bytes (F on the wire): net_null's RX
# makes them that long (size=), net_ring's seed burst is that long (--txpkts).
run_testpmd() { # device lcores mode frame-size
    local device=$1 n=$2 mode=$3 fs=$4 vdevs=() i prefix len=$(($4 - 4))
    for ((i = 0; i < 2 * n; i++)); do
        if [ "$device" = net_null ]; then vdevs+=("--vdev=${device}${i},size=$len"); else vdevs+=("--vdev=${device}${i}"); fi
    done
    local lcores_map="0@0,1@0"
    [ "$n" = 2 ] && lcores_map="0@0,1@0,2@1"
    local extra=()
    [ "$device" = net_ring ] && extra+=(--tx-first)   # loopback rings start empty: seed one burst per port
    prefix="sfcbench-tp-$$-$device-$n-$mode-$fs"
    prefixes+=("$prefix")
    local run_for
    run_for=$(python3 -c "import math; print(math.ceil($warmup + $seconds) + 3)")
    timeout -s INT "$run_for" "$testpmd" --no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=notice \
        --file-prefix="$prefix" "${vdevs[@]}" --lcores="$lcores_map" -- \
        --forward-mode="$mode" --nb-cores="$n" --total-num-mbufs=16384 --burst=32 --stats-period=1 \
        --txpkts="$len" --record-core-cycles --auto-start "${extra[@]}" > "$work/testpmd-$device-$n-$mode-$fs.txt" 2>&1 || true
    rm -rf "/var/run/dpdk/$prefix"
}

for fs in $frame_sizes; do
    for n in $lcore_counts; do
        for device in $devices; do
            for mode in io macswap; do
                echo "== ${fs}B lcores=$n $device dpdk-testpmd $mode"
                run_testpmd "$device" "$n" "$mode" "$fs"
            done
            for c in $cases; do
                echo "== ${fs}B lcores=$n $device $c"
                "$bench" --case "$c" --device "$device" --lcores "$n" --frame-size "$fs" --warmup "$warmup" \
                    --seconds "$seconds" >> "$work/runs.jsonl"
            done
        done
    done
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/meta"

python3 - "$work" "$output" <<'PY'
import json, os, re, sys

work, output = sys.argv[1], sys.argv[2]
meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(work, "meta")))
goals = json.load(open(meta["goals"]))["dpdk"]
hz = None
runs = [json.loads(l) for l in open(os.path.join(work, "runs.jsonl")) if l.strip()]
if runs:
    hz = runs[0]["tsc_hz"]
insns = {}
for l in open(os.path.join(work, "instructions.jsonl")):
    if l.strip():
        x = json.loads(l)
        insns[(x["case"], x["frame_size"])] = x

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
baselines = {}   # (device, lcores, mode, frame size)
for name in sorted(os.listdir(work)):
    m = re.match(r"testpmd-(net_\w+?)-(\d)-(io|macswap)-(\d+)\.txt$", name)
    if not m:
        continue
    device, lcores, mode, fs = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
    baselines[(device, lcores, mode, fs)] = testpmd(os.path.join(work, name), lcores)

for device, lcores, mode, fs in sorted(baselines, key=lambda k: (k[3], k[1], k[0], k[2])):
    mpps, cpp, reported, periods = baselines[(device, lcores, mode, fs)]
    macswap = baselines.get((device, lcores, "macswap", fs), (None,))[0]
    rows.append({"case": f"testpmd-{mode}", "device": device, "lcores": lcores, "frame_size": fs, "mpps": round(mpps, 3),
                 "cycles_per_packet": round(cpp, 1) if cpp else None, "instructions_per_packet": None,
                 "baseline": "testpmd-macswap",
                 "baseline_mpps": round(macswap, 3) if macswap else None,
                 "ratio": round(mpps / macswap, 3) if macswap else None, "allocations_per_packet": None,
                 "testpmd_reported_cycles_per_packet": reported, "mpps_periods": periods,
                 "template_bytes": fs - 4, "goal": None, "goal_met": None})

one_lcore = {(r["case"], r["device"], r["frame_size"]): r["mpps"] for r in runs if r["lcores"] == 1}
for r in runs:
    fs = r["frame_size"]
    macswap = baselines.get((r["device"], r["lcores"], "macswap", fs), (None,))[0]
    io = baselines.get((r["device"], r["lcores"], "io", fs), (None,))[0]
    ins = insns.get((r["case"], fs))
    row = {"case": r["case"], "device": r["device"], "lcores": r["lcores"], "frame_size": fs, "mpps": round(r["mpps"], 3),
           "cycles_per_packet": round(r["cycles_per_packet"], 1),
           "instructions_per_packet": ins["instructions_per_packet"] if ins else None,
           "instructions_counted": ("callgrind, reference pipeline (Pipeline.process on the template batch, "
                                    "no driver or mbuf work); from " + ins["instructions_from"]) if ins else None,
           "baseline": "testpmd-macswap",
           "baseline_mpps": round(macswap, 3) if macswap else None,
           "ratio": round(r["mpps"] / macswap, 3) if macswap else None,
           "allocations_per_packet": r["allocations_per_packet"],
           "ratio_to_io": round(r["mpps"] / io, 3) if io else None,
           "source_cycles_per_packet": round(r["source_cycles_per_packet"], 1),
           "gross_mpps": round(r["gross_mpps"], 3), "mpps_windows": [round(x, 3) for x in r["mpps_windows"]],
           "packets": r["packets"], "dropped": r["dropped"],
           "template_bytes": r["template_bytes"]}
    if r["lcores"] > 1 and (r["case"], r["device"], fs) in one_lcore:
        row["scaling_vs_1_lcore"] = round(r["mpps"] / one_lcore[(r["case"], r["device"], fs)], 3)
    # The goal of this row (bench/goals.json), if one applies, and whether it was met.
    g, value = None, None
    ratio_goal, scaling_goal = goals["ratio_to_baseline"], goals["scaling"]
    if r["lcores"] == ratio_goal["lcores"] and r["device"] in ratio_goal["devices"]:
        g = {"metric": "ratio", "min": ratio_goal["min"].get(r["case"], ratio_goal["default_min"]),
             "text": f"mpps >= {ratio_goal['min'].get(r['case'], ratio_goal['default_min'])}x testpmd macswap"}
        value = row["ratio"]
    elif r["lcores"] == scaling_goal["lcores"] and r["device"] in scaling_goal["devices"]:
        g = {"metric": "scaling_vs_1_lcore", "min": scaling_goal["min_vs_1_lcore"],
             "text": f"mpps >= {scaling_goal['min_vs_1_lcore']}x the same case on 1 lcore"}
        value = row.get("scaling_vs_1_lcore")
    row["goal"] = g
    row["goal_met"] = (value >= g["min"]) if g and value is not None else None
    if g and value is not None:
        row["goal_margin"] = round(value / g["min"] - 1, 3)   # the figure relative to the goal's: + over it, - short of it
    rows.append(row)

rows.sort(key=lambda r: (r["frame_size"], r["lcores"], r["device"], 0 if r["case"].startswith("testpmd") else 1))
with open(output, "w") as f:
    json.dump(rows, f, indent=1)
    f.write("\n")

def verdict(r):
    if r.get("goal") is None:
        return "-"
    if r["goal_met"] is None:
        return "no figure"
    v = r["ratio"] if r["goal"]["metric"] == "ratio" else r["scaling_vs_1_lcore"]
    return f"{'met' if r['goal_met'] else 'MISSED'}: {v:.2f} vs >= {r['goal']['min']:g} ({r['goal_margin'] * 100:+.0f}%)"

def f(v, fmt):
    """v formatted, or "-" in the same width."""
    width = fmt.split(".")[0]
    return format(v, fmt) if v is not None else "-".rjust(int(width) if width.isdigit() else 1)

self_check = json.load(open(os.path.join(work, "self-check.json")))
print()
print(f"DPDK benchmark, {meta['date']}: {meta['cpus']} CPUs ({meta['cpu']}), TSC {hz/1e9 if hz else 0:.2f} GHz, "
      f"load average before {meta['load_before']}, after {meta['load_after']}")
print(f"window {meta['seconds']} s after {meta['warmup']} s warm-up; frame = bytes on the wire with the FCS (the template is 4 shorter;")
print("  at 64 a case that arrives encapsulated keeps its longer template: 'tmpl' is its size); testpmd runs at each frame size")
print("Mpps and cyc/pkt (TSC cycles per packet per lcore) exclude the traffic source (its cost is the src column);")
print("  ratio = Mpps / testpmd macswap Mpps (same device, lcores and frame size, this run); x1 = Mpps / the same case on 1 lcore")
print("insn/pkt: instructions per packet counted by callgrind, reference pipeline: Pipeline.process on a batch of the")
print("  template, without the driver, mbuf and source work of the DPDK loop (no CPU PMU here: no hardware counts of the loop)")
print("each figure is the median of 5 windows (forwarder) or of the 1-s stats periods after the first (testpmd)")
print(f"goal: from {os.path.relpath(meta['goals'])}; result: met/MISSED, the row's figure vs the goal's, and how far from it (%)")
print()
head = (f"{'frame':>5} {'lc':>2} {'device':<8} {'case':<26} {'tmpl':>4} {'Mpps':>6} {'cyc/pkt':>7} {'insn/pkt':>8} {'src':>5} "
        f"{'macswap':>7} {'ratio':>5} {'x1':>5} {'alloc':>6}  {'goal':<14} result")
print(head)
print("-" * (len(head) + 12))
for r in rows:
    g = r.get("goal")
    gtext = "-" if not g else (f"ratio >= {g['min']}" if g["metric"] == "ratio" else f"x1 >= {g['min']}")
    print(f"{r['frame_size']:>5} {r['lcores']:>2} {r['device']:<8} {r['case']:<26} {r['template_bytes']:>4} {f(r['mpps'], '6.2f')} "
          f"{f(r['cycles_per_packet'], '7.1f')} {f(r['instructions_per_packet'], '8.1f')} "
          f"{f(r.get('source_cycles_per_packet'), '5.1f')} {f(r['baseline_mpps'], '7.2f')} {f(r['ratio'], '5.2f')} "
          f"{f(r.get('scaling_vs_1_lcore'), '5.2f')} {f(r['allocations_per_packet'], '6.4f')}  {gtext:<14} {verdict(r)}")

print()
print("goals:")
def goal(text, ok):
    print(f"  [{'met' if ok else 'MISSED'}] {text}")
ours = [r for r in rows if not r["case"].startswith("testpmd")]
judged = [r for r in ours if r.get("goal") is not None]
for metric, what in (("ratio", "Mpps / testpmd macswap"), ("scaling_vs_1_lcore", "2 lcores / 1 lcore")):
    for fs in sorted({r["frame_size"] for r in judged}):
        js = [r for r in judged if r["goal"]["metric"] == metric and r["frame_size"] == fs]
        if js:
            missed = [r for r in js if r["goal_met"] is False]
            print(f"  {what}, {fs}-byte frames: {sum(1 for r in js if r['goal_met'])} of {len(js)} rows met their goal"
                  + (f"; missed: " + ", ".join(f"{r['case']} {r['device']} ({r['goal_margin'] * 100:+.0f}%)" for r in missed)
                     if missed else ""))
scal = [r for r in ours if "scaling_vs_1_lcore" in r]
if scal:
    tp = [(d, fs, baselines[(d, 2, "macswap", fs)][0] / baselines[(d, 1, "macswap", fs)][0])
          for d, fs in sorted({(k[0], k[3]) for k in baselines})
          if (d, 1, "macswap", fs) in baselines and (d, 2, "macswap", fs) in baselines]
    for d, fs, sc in tp:
        print(f"  for scale: testpmd macswap itself scales {sc:.2f}x from 1 to 2 lcores on {d} at {fs} bytes on this machine "
              "(2 CPUs in all, shared with the OS and this script)")
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
