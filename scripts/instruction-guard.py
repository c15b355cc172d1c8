#!/usr/bin/env python3
"""The deterministic regression guard of `make test` (issue 14, part 2).

For every benchmark case, the reference pipeline's instructions per packet,
counted by valgrind's callgrind around the pipeline's own work
(`sfc-bench --dataplane reference`); and the XDP program's verified
instructions and loaded size (`sfc-bench --dataplane xdp --program-info`).
Counts, not durations: the same binary gives the same figures whatever else
the machine does. They go to bench/results/instructions.json and are held to
bench/budget.json: a figure more than TOLERANCE over its budget fails (the
code got slower), and one more than TOLERANCE under it fails too (it got
cheaper: lower the budget in the same commit, with --write-budget).

The budget names the toolchain and kernel it was measured with: compiler
output and the verifier's count depend on them, so on another toolchain
(instructions) or kernel (BPF figures) those figures are reported, not
judged.

usage: instruction-guard.py SFC_BENCH [--write-budget] [--packets N]
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGET = os.path.join(ROOT, "bench", "budget.json")
RESULTS = os.path.join(ROOT, "bench", "results", "instructions.json")
TOLERANCE = 0.03


def fail(message):
    print(f"instruction-guard: {message}", file=sys.stderr)
    sys.exit(2)


def run(args, env=None):
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail(f"`{' '.join(args)}` exited {p.returncode}:\n{p.stderr.strip()[-2000:]}")
    return p.stdout


def toolchain():
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    out = subprocess.run([swift, "--version"], capture_output=True, text=True).stdout.strip()
    return out.splitlines()[0] if out else "unknown"


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:"):
                return int(line.split()[1])
    fail(f"{path}: no totals line (did callgrind run?)")


def measure(bench, packets, work):
    # valgrind 3.19 cannot read the DWARF 5 the Swift toolchain writes:
    # count a copy without debug information (the code is the same).
    stripped = os.path.join(work, "sfc-bench")
    objcopy = shutil.which("objcopy") or "/opt/swift/usr/bin/llvm-objcopy"
    run([objcopy, "--strip-debug", bench, stripped])
    cases = json.loads(run([stripped, "--list-cases"]))
    # SFC_SHA256_PORTABLE: the HMAC cases count the portable SHA-256 (Swift),
    # whatever the CPU: valgrind knows no SHA-NI, and a count must not
    # depend on the machine (make bench times the accelerated blocks).
    env = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1", SFC_SHA256_PORTABLE="1")
    per_packet = {}
    for case in cases:
        out = os.path.join(work, f"callgrind.{case}")
        report = json.loads(run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
                                 f"--callgrind-out-file={out}", stripped, "--dataplane", "reference",
                                 "--case", case, "--packets", str(packets)], env=env))
        if not report.get("under_callgrind"):
            fail(f"{case}: sfc-bench did not see valgrind (built without valgrind/callgrind.h?)")
        per_packet[case] = round(callgrind_total(out) / report["packets"], 1)
    program = json.loads(run([bench, "--dataplane", "xdp", "--program-info"]))
    return {
        "toolchain": toolchain(),
        "kernel": platform.release(),
        "reference_instructions_per_packet": per_packet,
        "bpf": {k: program[k] for k in ("verified_insns", "xlated_insns") if k in program},
        "bpf_jited_bytes": program.get("jited_bytes"),
    }


def judge(measured, budget):
    """Lines of the report and the list of failures."""
    lines, failures = [], []
    same_toolchain = budget.get("toolchain") == measured["toolchain"]
    same_kernel = budget.get("kernel") == measured["kernel"]
    groups = [("reference_instructions_per_packet", "instructions/packet", same_toolchain,
               f"toolchain {measured['toolchain']!r}, budget's {budget.get('toolchain')!r}"),
              ("bpf", "", same_kernel, f"kernel {measured['kernel']}, budget's {budget.get('kernel')}")]
    for group, unit, comparable, why in groups:
        want = budget.get(group, {})
        got = measured[group]
        for name in sorted(set(want) | set(got)):
            if name not in got:
                failures.append(f"{group}.{name}: in the budget but not measured (a case was removed? update the budget)")
                continue
            if name not in want:
                failures.append(f"{group}.{name}: measured {got[name]} but has no budget: add it (--write-budget)")
                continue
            ratio = got[name] / want[name] if want[name] else float("inf")
            verdict = "ok"
            if not comparable:
                verdict = f"not judged ({why})"
            elif ratio > 1 + TOLERANCE:
                verdict = "GREW"
                failures.append(f"{group}.{name}: {got[name]} against a budget of {want[name]} "
                                f"(+{(ratio - 1) * 100:.1f} %, more than {TOLERANCE * 100:.0f} %)")
            elif ratio < 1 - TOLERANCE:
                verdict = "CHEAPER"
                failures.append(f"{group}.{name}: {got[name]}, {(1 - ratio) * 100:.1f} % under its budget of {want[name]}: "
                                f"lower the budget in this commit (scripts/instruction-guard.py SFC_BENCH --write-budget)")
            lines.append(f"  {name:<28} {got[name]:>12} {unit:<20} budget {want[name]:>12}  {ratio:6.3f}  {verdict}")
    return lines, failures


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        fail("usage: instruction-guard.py SFC_BENCH [--write-budget] [--packets N]")
    bench = args[0]
    packets = int(args[args.index("--packets") + 1]) if "--packets" in args else 4096
    if not shutil.which("valgrind"):
        fail("valgrind is not installed (make deps installs it)")
    with tempfile.TemporaryDirectory(prefix="sfc-guard-") as work:
        measured = measure(bench, packets, work)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(measured, f, indent=2, sort_keys=True)
        f.write("\n")
    if "--write-budget" in args:
        budget = {k: measured[k] for k in ("toolchain", "kernel", "reference_instructions_per_packet", "bpf")}
        with open(BUDGET, "w") as f:
            json.dump(budget, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"instruction-guard: wrote {os.path.relpath(BUDGET, ROOT)}")
        return
    if not os.path.exists(BUDGET):
        fail(f"no {os.path.relpath(BUDGET, ROOT)}: write one with --write-budget")
    with open(BUDGET) as f:
        budget = json.load(f)
    lines, failures = judge(measured, budget)
    print(f"instruction-guard: {len(measured['reference_instructions_per_packet'])} cases (callgrind, release build), "
          f"XDP program; {os.path.relpath(RESULTS, ROOT)}")
    print("\n".join(lines))
    if failures:
        print("\n".join("instruction-guard: " + f for f in failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
