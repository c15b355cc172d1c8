#!/usr/bin/env bash
# Builds the tests with a sanitizer in its own build directory and runs them;
# any report fails the run (README "Sanitizers").
#   scripts/sanitize.sh address   AddressSanitizer + UBSan (C shims), every
#                                 test target that does not link DPDK
#                                 (Package.swift, SFC_SANITIZE), .build-asan
#   scripts/sanitize.sh thread    ThreadSanitizer over what runs on more than
#                                 one thread: the control API in process and
#                                 the forwarder's DPDK lcores beside the
#                                 control API, reloads and counter reads;
#                                 .build-tsan
# First the canary (Tests/SFCForwarderTests/Control/SanitizerCanaryTests):
# the mistake the sanitizer exists to catch, which must abort with its
# report, so a build that lost its instrumentation fails here rather than
# passing. Extra arguments go to `swift test` (e.g. --filter). Needs root for
# the DPDK tests, like `make test`.
set -euo pipefail
mode=${1:?usage: sanitize.sh address|thread [swift test arguments]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift=${SWIFT:-swift}

# detect_leaks=0: Swift keeps an enum's case in the spare bits of its
# payload's pointer, which LeakSanitizer cannot follow (scripts/fuzz.sh); it
# also applies to the build, whose spec generator runs instrumented.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=0:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1"
export SWIFT_BACKTRACE=enable=no

case "$mode" in
    address)
        build=.build-asan
        flags=(--sanitize=address)
        # Not here: what needs DPDK (ASan aborts when its libraries load).
        tests=()
        canary=aHeapOverflowIsReportedUnderAddressSanitizer
        report="ERROR: AddressSanitizer: heap-buffer-overflow"
        ;;
    thread)
        build=.build-tsan
        flags=(--sanitize=thread)
        # The threaded suites only, as Tests/ThreadSanitizerSuites lists them
        # (Package.swift builds the same list's test targets): `Target` or
        # `Target.Suite`, matched from the start of swift test's names.
        filter=$(grep -v -e '^#' -e '^[[:space:]]*$' Tests/ThreadSanitizerSuites | sed 's/\./\\./g; s/^/^/; s/$/([.\/]|$)/' | paste -sd '|')
        [ -n "$filter" ] || { echo "sanitize.sh: Tests/ThreadSanitizerSuites lists nothing" >&2; exit 2; }
        tests=(--filter "$filter")
        canary=aDataRaceIsReportedUnderThreadSanitizer
        report="WARNING: ThreadSanitizer: data race"
        ;;
    *) echo "sanitize.sh: unknown mode $mode (address or thread)" >&2; exit 2 ;;
esac

SFC_SANITIZE=$mode "$swift" build --build-tests --build-path "$build" "${flags[@]}"

log=$(mktemp /tmp/sfc-sanitize-canary.XXXXXX)
trap 'rm -f "$log"' EXIT
if SFC_SANITIZER_CANARY=$mode SFC_SANITIZE=$mode "$swift" test --skip-build --build-path "$build" "${flags[@]}" \
    --filter "SanitizerCanaryTests/$canary" >"$log" 2>&1; then
    echo "sanitize.sh $mode: the canary passed: the build does not catch what it should" >&2
    tail -20 "$log" >&2
    exit 1
fi
if ! grep -q "$report" "$log"; then
    echo "sanitize.sh $mode: the canary failed without \"$report\"" >&2
    tail -20 "$log" >&2
    exit 1
fi
echo "sanitize.sh $mode: the canary's report came and aborted the run, as it must"

SFC_SANITIZE=$mode "$swift" test --skip-build --build-path "$build" "${flags[@]}" "${tests[@]}" "$@"
