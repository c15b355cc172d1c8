// sfc-bench --dataplane xdp: BPF_PROG_RUN nanoseconds per packet
// of the XDP program (BPF/sfc_xdp.c) on one of the DPDK bench's cases,
// against the trivial XDP_TX program (BPF/xdp_tx.c, xdp_tx_baseline) in the
// same process, alternating rounds. Run by scripts/bench-xdp.sh, which adds
// the live veth measurement and writes bench/results/xdp.json.
//
// Why one packet per BPF_PROG_RUN call, not the kernel's repeat loop: without
// BPF_F_TEST_XDP_LIVE_FRAMES the kernel runs the program `repeat` times on
// the same buffer, each run on the previous run's output (net/bpf/test_run.c,
// bpf_test_run), and live-frames mode recycles its pages without restoring
// their bytes either. Our program rewrites every packet (NSH TTL, pushed
// headers, SRv6 Segments Left), so from the second repetition on it would
// measure some other packet: an NSH packet after an encap, a routed IPv6
// packet after H.Encaps, and soon a TTL or hop-limit drop. So every call
// copies the case's template in afresh and runs it once; the kernel times
// that one run (ktime around the run, bottom halves off and on). That
// figure includes a fixed test-run overhead (the clock read, the bottom-half
// toggles, the XDP dispatcher) which the baseline pays identically; its own
// in-kernel repeat loop (the MAC swap is the same work on every repetition)
// shows how large it is, and the derived `*_loop_equivalent` figures take
// the difference out. libbpf is reached through SFCXDP (BenchRun.swift) only.
import Foundation
import Logging
import SFCCore
import SFCRuntime
import SFCXDP

public struct XDPBenchOptions: Sendable {
    public var caseName: String
    /// The template's size on the wire (BenchCase.make(_:frameSize:)).
    public var frameSize: Int
    /// Alternating rounds (baseline, ours) of `runs` single-packet runs each.
    public var rounds: Int
    public var runs: Int
    /// Repetitions of the in-kernel loop figures (informational).
    public var repeatCount: UInt32
    /// sfc_xdp.o (xdp_tx.o is beside it); nil: ObjectLocator.
    public var objectPath: String?
    public init(caseName: String, frameSize: Int = 64, rounds: Int = 9, runs: Int = 20_000, repeatCount: UInt32 = 1_000_000,
                objectPath: String? = nil) {
        self.caseName = caseName; self.frameSize = frameSize; self.rounds = rounds; self.runs = runs; self.repeatCount = repeatCount
        self.objectPath = objectPath
    }
}

public enum XDPBenchCommand {
    public static let baselineObject = "xdp_tx.o"
    public static let baselineProgram = "xdp_tx_baseline"

    public static func run(_ options: XDPBenchOptions, logger: Logger) -> CommandResult {
        BenchCommand.jsonResult { try measure(options, logger: logger) }
    }

    /// The program as loaded, for the instruction-count guard: verified
    /// instructions (the verifier's work), instructions kept and JIT bytes.
    /// The same object whatever the case (its tables do not change it).
    public static func programInfo(objectPath: String?) -> CommandResult {
        BenchCommand.jsonResult {
            let bench = try BenchCase.make("nsh-sff-forward")
            let path = try ObjectLocator.locate(explicit: objectPath)
            let dataplane = try XDPDataplane(config: bench.config, options: .init(mode: .test, objectPath: path))
            var o: [String: Any] = ["object": path, "verified_insns": Int(dataplane.object.verifiedInstructions)]
            if let size = dataplane.object.programSize { o["xlated_insns"] = size.instructions; o["jited_bytes"] = size.jitedBytes }
            return o
        }
    }

    /// The mean of the durations below the 99th percentile: a timer
    /// interrupt inside one timed run adds microseconds to that run only.
    static func trimmedMean(_ durations: [UInt32]) -> Double {
        let sorted = durations.sorted()
        let keep = max(1, sorted.count * 99 / 100)
        return Double(sorted[..<keep].reduce(UInt64(0)) { $0 + UInt64($1) }) / Double(keep)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    /// The CPU clock from /proc/cpuinfo (the TSC rate on this VM), in MHz.
    static func cpuMHz() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            if let v = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) { return v }
        }
        return nil
    }

    static func measure(_ options: XDPBenchOptions, logger: Logger) throws -> [String: Any] {
        guard options.rounds > 0, options.runs > 0 else { throw BenchError("--rounds and --runs must be positive") }
        let bench = try BenchCase.make(options.caseName, frameSize: options.frameSize)
        let ours = try ObjectLocator.locate(explicit: options.objectPath)
        let baselinePath = (ours as NSString).deletingLastPathComponent + "/" + baselineObject
        let dataplane = try XDPDataplane(config: bench.config, options: .init(mode: .test, objectPath: ours), logger: logger)
        let baseline = try XDPBaselineProgram(path: baselinePath, program: baselineProgram)

        // The template must be forwarded by the program as the reference pipeline forwards it.
        let ingress = 0
        let reference = try BenchCase.run(bench.config, bench.template, expect: bench.step, ingress: ingress, name: bench.name)
        let first = try dataplane.run(bench.template, ingress: ingress)
        guard case .forward = first.outcome(ingress: ingress), let action = first.action else {
            throw BenchError("case \(bench.name): the XDP program did not forward the template (\(first.action.map { "\($0)" } ?? "\(first.rawAction)"), "
                             + "drop reason \(first.dropReason.map { "\($0)" } ?? "-"))")
        }
        let matches = first.output == reference
        // A many-flow case's packets in turn, made before timing starts.
        let input = XDPBenchInput(frames: (0..<bench.flows).map { bench.packet($0) }, ingress: ingress)
        let programs: [(name: String, fd: Int32, expected: UInt32)] = [
            ("baseline", baseline.fd, XDPAction.tx.rawValue), ("ours", dataplane.object.programFD, action.rawValue),
        ]

        // Warm-up: caches, branch predictors, the maps' pages.
        var durations: [UInt32] = []
        durations.reserveCapacity(options.runs)
        for p in programs { _ = try input.single(p.fd, count: min(options.runs, 5_000), expected: p.expected, into: &durations) }

        var means: [String: [Double]] = ["baseline": [], "ours": []]
        var medians: [String: [Double]] = ["baseline": [], "ours": []]
        var unexpected: [String: Int] = ["baseline": 0, "ours": 0]
        for round in 0..<options.rounds {
            // Alternate which program goes first, so neither always follows the other.
            for p in round % 2 == 0 ? programs : programs.reversed() {
                unexpected[p.name]! += try input.single(p.fd, count: options.runs, expected: p.expected, into: &durations)
                means[p.name]!.append(trimmedMean(durations))
                medians[p.name]!.append(Double(durations.sorted()[durations.count / 2]))
            }
        }
        // The program's floor: a 60-byte ARP request, which dispatch hands to
        // the kernel (XDP_PASS, not-for-us) before any table but the port's.
        var arp = [UInt8](repeating: 0xff, count: 6) + [0x02, 0, 0, 0, 0xaa, 0x01, 0x08, 0x06]
        arp += [0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0xaa, 0x01, 10, 1, 0, 5, 0, 0, 0, 0, 0, 0, 10, 1, 0, 1]
        arp += [UInt8](repeating: 0, count: 60 - arp.count)
        let floorInput = XDPBenchInput(frame: arp, ingress: ingress)
        var floorMeans: [Double] = []
        var floorUnexpected = 0
        for _ in 0..<max(1, options.rounds / 3) {
            floorUnexpected += try floorInput.single(dataplane.object.programFD, count: options.runs,
                                                     expected: XDPAction.pass.rawValue, into: &durations)
            floorMeans.append(trimmedMean(durations))
        }

        // The kernel's own per-program accounting (BPF_ENABLE_STATS, held only
        // for this phase: it adds two clock reads to every run): the program
        // alone, without the test run's dispatch and timing.
        var programOnly: [String: Double] = [:]
        if let stats = XDPRunStats.enable() {
            for p in programs {
                let before = XDPRunStats.of(p.fd)
                _ = try input.single(p.fd, count: options.runs, expected: p.expected, into: &durations)
                let after = XDPRunStats.of(p.fd)
                if let b = before, let a = after, a.count > b.count {
                    programOnly[p.name] = Double(a.ns - b.ns) / Double(a.count - b.count)
                }
            }
            XDPRunStats.disable(stats)
        }
        let trace = try traceCost(dataplane, input: input, expected: action.rawValue, rounds: max(1, options.rounds / 3), runs: options.runs)
        let oursLoop = try input.loop(dataplane.object.programFD, repeat: options.repeatCount)
        let baselineLoop = try input.loop(baseline.fd, repeat: options.repeatCount)

        let ns = median(means["ours"]!), baseNs = median(means["baseline"]!)
        // The single-run overhead the baseline shows over its own loop, taken out of both.
        let overhead = max(0, baseNs - Double(baselineLoop.ns))
        let loopEquivalent = ns - overhead
        let mhz = cpuMHz()
        var result: [String: Any] = [
            "case": bench.name, "summary": bench.summary, "template_bytes": bench.template.count, "frame_size": options.frameSize,
            "output_bytes": first.output.count, "action": "\(action)", "egress_port": first.egressPort ?? -1,
            "output_matches_reference": matches,
            "runs_per_round": options.runs, "rounds": options.rounds,
            "ns_per_packet": ns, "baseline_ns_per_packet": baseNs,
            "ns_rounds": means["ours"]!, "baseline_ns_rounds": means["baseline"]!,
            "median_run_ns": median(medians["ours"]!), "baseline_median_run_ns": median(medians["baseline"]!),
            "unexpected_verdicts": unexpected["ours"]!, "baseline_unexpected_verdicts": unexpected["baseline"]!,
            "baseline_loop_ns_per_run": Int(baselineLoop.ns), "baseline_loop_action": Int(baselineLoop.action),
            "in_place_loop_ns_per_run": Int(oursLoop.ns), "in_place_loop_final_action": Int(oursLoop.action),
            "loop_repeat": Int(options.repeatCount),
            "single_run_overhead_ns": overhead,
            "ns_per_packet_loop_equivalent": loopEquivalent,
        ]
        for (k, v) in trace { result[k] = v }
        if let mhz { result["cpu_mhz"] = mhz }
        if floorUnexpected == 0 { result["floor_ns_per_packet"] = median(floorMeans) }
        if let v = programOnly["ours"] { result["program_only_ns"] = v }
        if let v = programOnly["baseline"] { result["baseline_program_only_ns"] = v }
        return result
    }

    /// The live trace's cost per packet, alternating rounds: off (one map
    /// read), armed with a filter no packet matches (the filter runs on every
    /// packet), and armed with one every packet matches (each run also copies
    /// the frame and emits a ring-buffer event; batches of 256, drained
    /// between batches so the ring never fills).
    static func traceCost(_ dataplane: XDPDataplane, input: XDPBenchInput, expected: UInt32, rounds: Int, runs: Int) throws -> [String: Any] {
        let fd = dataplane.object.programFD
        let never = try TraceFilter.parse("spi=16777215", ports: dataplane.tables.ports.map(\.name))
        let always = TraceFilter()
        var durations: [UInt32] = [], off: [Double] = [], miss: [Double] = [], hit: [Double] = []
        var unexpected = 0
        for _ in 0..<rounds {
            try dataplane.disarmTrace()
            unexpected += try input.single(fd, count: runs, expected: expected, into: &durations)
            off.append(trimmedMean(durations))
            try dataplane.armTrace(filter: never, count: Int(Int32.max))
            unexpected += try input.single(fd, count: runs, expected: expected, into: &durations)
            miss.append(trimmedMean(durations))
            var all: [UInt32] = []
            for _ in 0..<max(1, runs / 256) {
                try dataplane.armTrace(filter: always, count: 256)
                unexpected += try input.single(fd, count: 256, expected: expected, into: &durations)
                all += durations
                _ = dataplane.drainTrace()
            }
            hit.append(trimmedMean(all))
        }
        try dataplane.disarmTrace()
        return ["trace_off_ns_per_packet": median(off), "trace_armed_no_match_ns_per_packet": median(miss),
                "trace_armed_recording_ns_per_packet": median(hit), "trace_unexpected_verdicts": unexpected,
                "trace_records_dropped": Int(dataplane.traceRecordsDropped)]
    }
}
