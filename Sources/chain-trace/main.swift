// chain-trace: check chain files, simulate a packet's path, decode captures.
import ArgumentParser
import SFCRuntime
import SFCTrace
#if canImport(Glibc)
import Glibc
#endif

struct ChainTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain-trace",
        abstract: "Check chain definitions, trace a packet through a chain, decode NSH/SRv6 captures.",
        subcommands: [Check.self, Simulate.self, Decode.self, BenchCompile.self]
    )
}

/// Prints a subcommand's result and exits with its status.
func finish(_ result: CommandResult) -> Never {
    // Unbuffered writes of every byte, stdout first, so the two streams
    // never interleave mid-line and a NUL in the text cuts nothing.
    // (No FileHandle / stdio: Glibc's stdout and stderr globals are not
    // concurrency-safe in Swift 6.)
    if !result.stdout.isEmpty {
        OutputWriter.writeAll(result.stdout.hasSuffix("\n") ? result.stdout : result.stdout + "\n", to: 1)
    }
    if !result.stderr.isEmpty {
        OutputWriter.writeAll(result.stderr.hasSuffix("\n") ? result.stderr : result.stderr + "\n", to: 2)
    }
    exit(result.exitCode)
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate chain files: exit 0 with a summary, or 1 with FILE:LINE:COL diagnostics.")
    @Flag(help: "Print the compiled view as JSON.") var json = false
    @Argument(help: "Chain files (YAML).") var files: [String]
    func run() throws { finish(CheckCommand.run(files: files, json: json)) }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one packet through the whole path, every function simulated, and print each hop.")
    @Option(help: "Chain file.") var config: String
    @Option(help: "Build a packet that the classifier maps to this chain.") var chain: String?
    @Option(help: "Ingress port of --packet.") var ingress: String?
    @Option(help: "Packet, e.g. 'tcp 10.1.0.5:40000 -> 10.20.0.9:104', 'udp [2001:db8::1]:5000 -> [2001:db8::2]:53', 'icmp 10.1.0.5 -> 10.20.0.9'.")
    var packet: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Option(name: .customLong("pcap-dir"), help: "Write the packet as it looks on each link, one pcap per hop.")
    var pcapDir: String?

    func validate() throws {
        if (chain == nil) == (packet == nil) {
            throw ValidationError("give either --chain NAME or --ingress PORT --packet SPEC")
        }
        if packet != nil && ingress == nil { throw ValidationError("--packet needs --ingress PORT") }
    }

    func run() throws {
        finish(SimulateCommand.run(SimulateOptions(config: config, chain: chain, ingress: ingress, packet: packet,
                                                   json: json, pcapDirectory: pcapDir)))
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode every packet of a pcap/pcapng file down to the inner transport header and flag RFC violations.")
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "A pcap or pcapng file.") var file: String
    func run() throws { finish(DecodeCommand.run(file: file, json: json)) }
}

/// Hidden: a measurement for `make bench`, not a debugging tool.
struct BenchCompile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-compile",
        abstract: "Time compiling a generated chain file with N classifier rules; print JSON.",
        shouldDisplay: false)
    @Option(help: "Number of rules in the generated file.") var rules = 100_000
    @Option(name: .customLong("repeat"), help: "Compile this many times; report the best and the median.") var repeats = 3
    func run() throws { finish(CompileBench.run(rules: rules, repeats: repeats)) }
}

ChainTrace.main()
