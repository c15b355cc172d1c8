// sfc-bench: one measurement per process, one JSON object on stdout: the
// DPDK forwarding loop on net_null / net_ring (BenchCommand.swift), or the
// XDP program under BPF_PROG_RUN against the XDP_TX baseline (XDPBench.swift).
// scripts/bench-dpdk.sh and scripts/bench-xdp.sh (`make bench`) run them all.
import ArgumentParser
import Foundation
import Logging
import SFCRuntime

enum BenchDataplane: String, ExpressibleByArgument {
    case dpdk, xdp
    /// The reference pipeline alone, for instructions per packet under callgrind.
    case reference
}

struct SFCBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfc-bench",
        abstract: "Measure the DPDK forwarding loop, or the XDP program under BPF_PROG_RUN, on one case (one JSON object); `make bench` runs them all with baselines.")
    @Option(name: .customLong("case"), help: "\(BenchCase.names.joined(separator: " | "))") var caseName: String = "nsh-sff-forward"
    @Option(help: "dpdk | xdp (BPF_PROG_RUN ns per packet against xdp_tx_baseline) | reference (the pipeline alone, counted under callgrind: scripts/instruction-guard.py)")
    var dataplane: BenchDataplane = .dpdk
    @Option(help: "reference: packets counted.") var packets: Int = 4096
    @Option(name: .customLong("frame-size"), help: "The template's size on the wire, FCS included (64 ... 516): the innermost UDP payload is padded; at 64 a case that arrives encapsulated keeps its longer template.")
    var frameSize: Int = 64
    @Flag(name: .customLong("program-info"), help: "xdp: load the program and print its verified instructions and size instead of timing it.")
    var programInfo = false
    @Option(help: "xdp: alternating rounds of baseline and program.") var rounds: Int = 9
    @Option(help: "xdp: single-packet BPF_PROG_RUN calls per program per round.") var runs: Int = 20_000
    @Option(help: "net_null | net_ring") var device: String = "net_ring"
    @Option(help: "Forwarding lcores (each gets its own pair of devices).") var lcores: Int = 1
    @Option(help: "Seconds of warm-up before the windows.") var warmup: Double = 1
    @Option(help: "Seconds measured.") var seconds: Double = 2
    @Option(name: .customLong("bpf-object"), help: "xdp: the BPF object to load (default: sfc_xdp.o where `make bpf` or an install put it beside this binary; it must belong to root and be writable by no one else).")
    var bpfObject: String?
    @Flag(name: .customLong("self-check"), help: "Check the allocation counter: it must count deliberate allocations from Swift, and one per packet when the traffic source mallocs on every packet of a forwarding run.")
    var selfCheck = false
    @Flag(help: "Log start-up details.") var verbose = false
    @Flag(name: .customLong("list-cases"), help: "Print the case names (a JSON array) and exit.") var listCases = false

    func run() throws {
        let logger = CommandMain.makeLogger(label: "sfc-bench", verbose: verbose)
        if listCases {
            CommandMain.finish(CommandResult(stdout: "[" + BenchCase.names.map { "\"\($0)\"" }.joined(separator: ", ") + "]\n"))
        }
        if dataplane == .reference { CommandMain.finish(InstructionCount.run(caseName: caseName, frameSize: frameSize, packets: packets)) }
        if dataplane == .xdp && programInfo { CommandMain.finish(XDPBenchCommand.programInfo(objectPath: bpfObject)) }
        if dataplane == .xdp {
            CommandMain.finish(XDPBenchCommand.run(XDPBenchOptions(caseName: caseName, frameSize: frameSize, rounds: rounds, runs: runs, objectPath: bpfObject), logger: logger))
        }
        guard selfCheck else {
            CommandMain.finish(BenchCommand.run(BenchOptions(caseName: caseName, frameSize: frameSize, device: device, lcores: lcores, warmup: warmup, seconds: seconds),
                                                logger: logger))
        }
        let swift = BenchCommand.selfCheckSwift()
        var result = BenchCommand.run(BenchOptions(caseName: caseName, frameSize: frameSize, device: device, lcores: lcores,
                                                   warmup: warmup, seconds: seconds, allocateInSource: true), logger: logger)
        let swiftOK = swift.counted >= UInt64(swift.made) && swift.countedWhileOff == 0
        result.stdout = "{\"swift_allocations_made\": \(swift.made), \"swift_allocations_counted\": \(swift.counted), "
            + "\"counted_while_off\": \(swift.countedWhileOff), \"swift_ok\": \(swiftOK), \"forwarding_run\": "
            + result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "}\n"
        if !swiftOK { result.exitCode = 1 }
        CommandMain.finish(result)
    }
}

SFCBench.main()
