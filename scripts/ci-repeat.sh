#!/usr/bin/env bash
# Runs CI (.ci/run, i.e. `make test`) N times, each from a fresh clone of
# this repository's HEAD, one of them with a CPU kept busy by a spinning
# process, and reports each run's result and duration. A flaky test shows
# up here before it rejects a submission.
#
#   scripts/ci-repeat.sh [N]          N runs (default 5)
#   CI_REPEAT_LOADED=K                the run with the busy CPU (default 1; 0: none)
#   CI_REPEAT_KEEP=1                  keep the clones (the logs are always kept)
#
# Logs go to ${CI_REPEAT_DIR:-/tmp/sfc-ci-repeat}/run-K.log. Exits 1 when a
# run failed. Needs what `make test` needs (root on a Debian 12 machine).
set -uo pipefail

runs=${1:-5}
loaded=${CI_REPEAT_LOADED:-1}
out=${CI_REPEAT_DIR:-/tmp/sfc-ci-repeat}
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse --short HEAD)
case $runs in ''|*[!0-9]*) echo "usage: $0 [N]" >&2; exit 2 ;; esac
mkdir -p "$out"

spinner=
cleanup() { [ -z "$spinner" ] || kill "$spinner" 2>/dev/null; }
trap cleanup EXIT INT TERM

summary=()
failed=0
for i in $(seq 1 "$runs"); do
    clone="$out/clone-$i"
    rm -rf "$clone"
    git clone --quiet "$repo" "$clone"
    at=$(git -C "$clone" rev-parse --short HEAD)
    load=no
    if [ "$i" = "$loaded" ]; then
        sh -c 'while :; do :; done' & spinner=$!
        load=yes
    fi
    start=$(date +%s)
    (cd "$clone" && CI=true timeout 5400 bash .ci/run < /dev/null) > "$out/run-$i.log" 2>&1
    status=$?
    seconds=$(( $(date +%s) - start ))
    if [ -n "$spinner" ]; then kill "$spinner" 2>/dev/null; wait "$spinner" 2>/dev/null; spinner=; fi
    tests=$(grep -aE "Test run with [0-9]+ tests" "$out/run-$i.log" | tail -1 | sed 's/^[^A-Za-z]*//')
    result=PASS
    if [ $status -ne 0 ]; then
        result="FAIL (exit $status)"
        failed=$((failed + 1))
    fi
    line=$(printf 'run %d  %s  %-15s %4d s  cpu busy: %-3s  %s' "$i" "$at" "$result" "$seconds" "$load" "${tests:-no test summary}")
    echo "$line"
    summary+=("$line")
    if [ $status -ne 0 ]; then
        grep -aE "^✘ Test .*(recorded an issue|failed)" "$out/run-$i.log" | head -5 | sed 's/^/    /'
    fi
    [ "${CI_REPEAT_KEEP:-0}" = 1 ] || rm -rf "$clone"
done

echo
echo "ci-repeat of $commit (each run clones HEAD as it starts) on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ): $((runs - failed)) of $runs passed"
printf '%s\n' "${summary[@]}"
[ $failed -eq 0 ]
