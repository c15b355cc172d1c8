#!/usr/bin/env bash
# Runs every fuzz target of sfc-fuzz (built with -sanitize=fuzzer,address,
# see the Makefile's fuzz-build) from its seed corpus (Tests/Fuzz/<target>,
# plus Chains/ for the chain files) into a working corpus under the fuzz
# build directory, and prints what each did.
#   scripts/fuzz.sh SFC_FUZZ SECONDS [TARGET...]
#                                           `make fuzz`: for a time budget
#   scripts/fuzz.sh SFC_FUZZ runs=N         `make test`: N inputs, seed 1
#                                           (the same inputs every run), at
#                                           most FUZZ_TEST_SECONDS (45) each:
#                                           the control-api and steer-rule
#                                           targets, the slowest, may stop
#                                           at a prefix of the same
#                                           sequence
# ASAN_OPTIONS is passed through (detect_leaks=0 added): for a long run,
# malloc_context_size=0 skips the stack trace of every allocation.
# FUZZ_FLAGS adds libFuzzer flags: a long run that may be paused (SIGSTOP)
# for longer than the 1,200 s -timeout needs FUZZ_FLAGS=-timeout=0, since
# libFuzzer's watchdog counts wall time.
# With TARGETs named, only those run (a long run of one target: e.g.
# `scripts/fuzz.sh .build-fuzz/release/sfc-fuzz runs=10000000 chain-file`
# with FUZZ_TEST_SECONDS raised, on a `make fuzz-build FUZZ_CONFIG=release`).
# A crash leaves its input as BUILD/crashes/<target>-crash-*; add it to
# Tests/Fuzz/<target>/ with the fix. Exit 1 when any target crashed.
set -uo pipefail
bin=${1:?usage: fuzz.sh SFC_FUZZ SECONDS|runs=N}
budget=${2:?usage: fuzz.sh SFC_FUZZ SECONDS|runs=N}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(dirname "$(dirname "$bin")")
mkdir -p "$work/crashes"
case "$budget" in
    runs=*) limit=(-runs="${budget#runs=}" -seed=1 -max_total_time="${FUZZ_TEST_SECONDS:-45}") ;;
    *)      limit=(-max_total_time="$budget") ;;
esac
status=0
# The targets: one seed corpus directory each (FuzzCorpusTests checks that
# they are exactly SFCFuzz's FuzzTargets.all).
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$root/Tests/Fuzz" && ls -d */ | tr -d /))
for target in "${targets[@]}"; do
    [ -d "$root/Tests/Fuzz/$target" ] || { echo "fuzz.sh: no target $target (Tests/Fuzz/<target>)" >&2; exit 2; }
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    seeds=("$root/Tests/Fuzz/$target")
    [ "$target" = chain-file ] && seeds+=("$root/Chains")
    # xdp-diff reads its input as the pipeline target does: it replays the
    # pipeline seeds and what the pipeline run found. It loads the XDP
    # object (make bpf's, unless SFC_BPF_OBJECT names one) and needs root.
    if [ "$target" = xdp-diff ]; then
        export SFC_BPF_OBJECT=${SFC_BPF_OBJECT:-$root/.build/bpf/sfc_xdp.o}
        if [ "$(id -u)" != 0 ] || [ ! -f "$SFC_BPF_OBJECT" ]; then
            echo "fuzz xdp-diff: skipped (needs root and $SFC_BPF_OBJECT, built by make bpf)"
            continue
        fi
        seeds+=("$root/Tests/Fuzz/pipeline")
        [ -d "$work/corpus/pipeline" ] && seeds+=("$work/corpus/pipeline")
    fi
    log="$work/fuzz-$target.log"
    # -rss_limit_mb: the pipeline target holds every shipped chain file's tables.
    # -detect_leaks=0: Swift keeps an enum's case in the spare bits of its
    # payload's pointer (NSHMetadata's arrays), which LeakSanitizer cannot
    # follow, so it reports memory that is still referenced as leaked.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 SWIFT_BACKTRACE=enable=no SFC_FUZZ_TARGET=$target SFC_ROOT=$root "$bin" "$corpus" "${seeds[@]}" "${limit[@]}" ${FUZZ_FLAGS:-} -max_len=4096 \
        -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$work/crashes/$target-" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz $target: ${execs:-?} inputs (${speed:-?}/s), corpus $files, no crash"
    else
        echo "fuzz $target: CRASH after ${execs:-?} inputs (exit $rc); see $log and $work/crashes/" >&2
        grep -m5 -E "ERROR|invariant|Fatal|SUMMARY" "$log" >&2
        status=1
    fi
done
exit $status
