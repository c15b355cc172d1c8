// sfc-forwarder: the service function chaining daemon. This build has the
// reference dataplane for `replay`; the DPDK and XDP dataplanes plug in here.
import ArgumentParser
import SFCForwarder
import SFCTrace
#if canImport(Glibc)
import Glibc
#endif

extension DataplaneKind: ExpressibleByArgument {}

struct Forwarder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfc-forwarder",
        abstract: "Service function chaining forwarder (NSH / SRv6).",
        subcommands: [Replay.self]
    )
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

    func run() throws {
        let result = ReplayCommand.run(ReplayOptions(config: config, dataplane: dataplane, ingress: ingress, input: input,
                                                     outputDirectory: outputDir, json: json))
        if !result.stdout.isEmpty { print(result.stdout, terminator: "") }
        if !result.stderr.isEmpty {
            let text = result.stderr.hasSuffix("\n") ? result.stderr : result.stderr + "\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
        Glibc.exit(result.exitCode)
    }
}

Forwarder.main()
