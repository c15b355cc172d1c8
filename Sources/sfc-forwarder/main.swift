// sfc-forwarder: the service function chaining daemon. `run` forwards on
// DPDK or XDP; `replay` runs a capture through the reference, the DPDK or
// the XDP dataplane; `fixtures` (hidden) checks a dataplane against the shared
// fixture tables. DPDK's EAL starts at most once in this process.
import ArgumentParser
import Foundation
import Logging
import SFCCore
import SFCForwarder
import SFCRuntime

extension DataplaneKind: ExpressibleByArgument {}
extension DPDKConfig.Hugepages: ExpressibleByArgument {}

struct Forwarder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfc-forwarder",
        abstract: "Service function chaining forwarder (NSH / SRv6).",
        subcommands: [Run.self, Replay.self, Fixtures.self, BenchControl.self, DPDKSelfTestCommand.self]
    )
}

func finish(_ result: CommandResult) -> Never { CommandMain.finish(result) }

func makeLogger(verbose: Bool) -> Logger { CommandMain.makeLogger(label: "sfc-forwarder", verbose: verbose) }

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward on a dataplane until SIGINT/SIGTERM (SIGHUP reloads), serving the control API; then print the counters.")
    @Option(help: "Chain file.") var config: String
    @Option(help: "dpdk | xdp | auto (dpdk when ports have DPDK devices, else xdp)") var dataplane: DataplaneKind = .dpdk
    @Option(name: .customLong("device"), help: "PORT=DEVICE: the DPDK device of a port (overrides the dpdk section; repeatable).")
    var devices: [String] = []
    @Option(help: "Comma-separated lcores (CPU numbers), overriding the dpdk section.") var lcores: String?
    @Option(help: "auto | on | off, overriding the dpdk section.") var hugepages: DPDKConfig.Hugepages?
    @Option(help: "EAL memory in MiB, overriding the dpdk section.") var memory: Int?
    @Flag(help: "Print the final counters as one JSON object.") var json = false
    @Flag(name: .customLong("leave-running"),
          help: "xdp: on stop, leave the program attached and pinned (/sys/fs/bpf/sfc/<node>) so forwarding goes on; the next run adopts it.")
    var leaveRunning = false
    @Option(name: .customLong("bpf-object"), help: "xdp: the BPF object to load (default: sfc_xdp.o where `make bpf` or an install put it beside this binary; it must belong to root and be writable by no one else).")
    var bpfObject: String?
    @Option(help: "The control API's Unix socket (default /run/sfc/<node>.sock, mode 0600).") var control: String?
    @Option(name: .customLong("control-group"), help: "Let this group use the control socket too (mode 0660).")
    var controlGroup: String?
    @Option(help: "Serve Prometheus metrics on ADDRESS:PORT (e.g. 127.0.0.1:9469); off unless given.") var metrics: String?
    @Flag(help: "Log start-up details.") var verbose = false

    func run() throws {
        var cores: [Int]?
        if let lcores {
            cores = lcores.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard cores?.count == lcores.split(separator: ",").count else {
                throw ValidationError("--lcores \(lcores): expected CPU numbers separated by commas, e.g. 0,1")
            }
        }
        let options = RunOptions(config: config, dataplane: dataplane, devices: devices, lcores: cores,
                                 hugepages: hugepages, memoryMB: memory, json: json, leaveRunning: leaveRunning, bpfObject: bpfObject,
                                 control: control, controlGroup: controlGroup, metrics: metrics)
        finish(RunCommand.run(options, logger: makeLogger(verbose: verbose)))
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every packet of a capture, as if received on one port, through a dataplane; write DIR/<egress-port>.pcap.")
    @Option(help: "Chain file.") var config: String
    @Option(help: "reference | dpdk | xdp | auto") var dataplane: DataplaneKind = .reference
    @Option(help: "Logical port the packets arrive on.") var ingress: String
    @Option(help: "Input pcap or pcapng.") var input: String
    @Option(name: .customLong("output-dir"), help: "Directory for the per-port output captures.") var outputDir: String
    @Flag(help: "Print one JSON object.") var json = false
    @Option(name: .customLong("bpf-object"), help: "xdp: the BPF object to load (default: sfc_xdp.o where `make bpf` or an install put it beside this binary; it must belong to root and be writable by no one else).")
    var bpfObject: String?
    @Flag(help: "Log start-up details.") var verbose = false

    func run() throws {
        let result = ReplayCommand.run(ReplayOptions(config: config, dataplane: dataplane, ingress: ingress, input: input,
                                                     outputDirectory: outputDir, json: json, bpfObject: bpfObject),
                                       allowEAL: true, logger: makeLogger(verbose: verbose))
        finish(result)
    }
}

struct Fixtures: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run shared fixture files through a dataplane; print mismatches as JSON.", shouldDisplay: false)
    @Option(help: "reference | dpdk | xdp") var dataplane: DataplaneKind = .reference
    @Option(name: .customLong("repo-root"), help: "Directory the fixture files' config paths are relative to.")
    var repoRoot: String = FileManager.default.currentDirectoryPath
    @Argument(help: "Fixture files (JSON).") var files: [String]
    @Option(name: .customLong("bpf-object"), help: "xdp: the BPF object to load (default: sfc_xdp.o where `make bpf` or an install put it beside this binary; it must belong to root and be writable by no one else).")
    var bpfObject: String?
    @Flag(help: "Log start-up details.") var verbose = false

    func run() throws {
        finish(FixturesCommand.run(FixturesOptions(dataplane: dataplane, files: files, repositoryRoot: repoRoot, bpfObject: bpfObject),
                                   allowEAL: true, logger: makeLogger(verbose: verbose)))
    }
}

/// Hidden: a measurement for `make bench`.
struct BenchControl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-control",
        abstract: "Time steering and reloads through the daemon at N classifier rules; print JSON.", shouldDisplay: false)
    @Option(help: "Comma-separated rule counts.") var rules = "1000,10000,100000"
    @Option(name: .customLong("repeat"), help: "Repetitions per count (the median is reported).") var repeats = 3
    @Option(name: .customLong("xdp-config"), help: "Also time reloads of this chain file on XDP in test mode (root).") var xdpConfig: String?
    @Option(name: .customLong("bpf-object"), help: "xdp: the BPF object.") var bpfObject: String?
    func run() throws {
        let counts = rules.split(separator: ",").compactMap { Int($0) }
        finish(ControlBench.run(rules: counts, repeats: max(1, repeats), xdpConfig: xdpConfig, bpfObject: bpfObject))
    }
}

extension DPDKSelfTestOptions.Mode: ExpressibleByArgument {}

struct DPDKSelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpdk-selftest", abstract: "Reload / live trace of the DPDK dataplane on ring ports; prints JSON.", shouldDisplay: false)
    @Argument(help: "reload | trace") var mode: DPDKSelfTestOptions.Mode
    @Option(help: "Chain file (generation A).") var config: String
    @Option(name: .customLong("config-b"), help: "reload: the chain file applied every other time.") var configB: String?
    @Option(name: .customLong("config-ports"), help: "reload: a chain file with other ports (must be refused).") var configPorts: String?
    @Option(help: "reload: how many times to apply.") var generations: Int = 6
    @Option(help: "Packets per generation (reload) or per kind (trace).") var packets: Int = 300
    @Option(help: "trace: the filter spec.") var filter: String?
    @Option(help: "trace: the record count.") var count: Int = 10
    @Flag(help: "reload: hold the lcore inside a poll during one more apply (it must time out).") var stall = false
    @Flag(help: "Log start-up details.") var verbose = false

    func run() throws {
        let options = DPDKSelfTestOptions(mode: mode, config: config, configB: configB, configPorts: configPorts,
                                          generations: generations, packetsPerStep: packets, filter: filter, count: count,
                                          stall: stall)
        finish(DPDKSelfTest.run(options, logger: makeLogger(verbose: verbose)))
    }
}

Forwarder.main()
