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
        abstract: "Check chain definitions, trace a packet through a chain, decode NSH/SRv6 captures; ask and steer a running forwarder.",
        subcommands: [Check.self, Simulate.self, Decode.self, Status.self, Counters.self, Reload.self, Live.self,
                      Steer.self, Unsteer.self, Instance.self, BenchCompile.self]
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
    @Option(name: .customLong("steer"), help: "A steering rule (as chain-trace steer takes it) on top of the file; repeatable.")
    var steering: [String] = []

    func validate() throws {
        if (chain == nil) == (packet == nil) {
            throw ValidationError("give either --chain NAME or --ingress PORT --packet SPEC")
        }
        if packet != nil && ingress == nil { throw ValidationError("--packet needs --ingress PORT") }
    }

    func run() throws {
        finish(SimulateCommand.run(SimulateOptions(config: config, chain: chain, ingress: ingress, packet: packet,
                                                   json: json, pcapDirectory: pcapDir, steering: steering)))
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

/// --node / --control: which running forwarder to ask.
struct NodeTarget: ParsableArguments {
    @Option(help: "The node (chain file's node.name); its socket is /run/sfc/NODE.sock.") var node: String?
    @Option(help: "The control socket, instead of the node's default.") var control: String?
    func validate() throws {
        if node == nil && control == nil { throw ValidationError("give --node NODE (or --control PATH)") }
    }
    var target: ClientTarget { ClientTarget(node: node, control: control) }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a running forwarder: dataplane, uptime, configuration and generation, ports, workers, steering.")
    @OptionGroup var node: NodeTarget
    @Flag(help: "Print JSON.") var json = false
    func run() throws { finish(ClientCommands.status(node.target, json: json)) }
}

struct Counters: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a running forwarder's counters (per port, chain, hop, instance, drop reason).")
    @OptionGroup var node: NodeTarget
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Print again every SECONDS until interrupted.") var watch: Double?
    func run() throws {
        finish(ClientCommands.counters(node.target, json: json, watch: watch) { _ = OutputWriter.writeAll($0.hasSuffix("\n") ? $0 : $0 + "\n", to: 1) })
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a running forwarder re-read its chain file (or --config FILE): a new table generation, nothing lost; an invalid file is refused with its diagnostics.")
    @OptionGroup var node: NodeTarget
    @Option(help: "Load this chain file instead (it becomes the forwarder's file).") var config: String?
    func run() throws { finish(ClientCommands.reload(node.target, config: config)) }
}

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Follow the next packets matching a filter through the running dataplane: one line each (as simulate prints hops).")
    @OptionGroup var node: NodeTarget
    @Option(help: "KEY=VALUE,... with keys src, dst (prefixes), proto, sport, dport, ingress (port name), spi, si, da (SRv6 DA). Empty: every packet.")
    var filter: String = ""
    @Option(help: "How many packets.") var count = 10
    @Option(help: "Give up after SECONDS.") var timeout = 10.0
    @Flag(help: "One JSON object per packet.") var json = false
    @Option(help: "Also write the traced packets as they left to this pcap file.") var pcap: String?
    @Flag(help: "Run each packet through the simulator too and print where the live path differs.") var compare = false
    func run() throws {
        finish(ClientCommands.live(node.target, .init(filter: filter, count: count, json: json, pcap: pcap, compare: compare, timeout: timeout)))
    }
}

struct Steer: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add a classifier rule (chain-file rule syntax, with a name) to the running configuration, optionally for a while.")
    @OptionGroup var node: NodeTarget
    @Option(help: "The rule in YAML, e.g. '{name: cam-7, priority: 5, chain: dpi, source: 10.1.5.7}'.") var rule: String
    @Option(name: .customLong("for"), help: "Remove it after this long (90, 30s, 5m, 2h).") var duration: String?
    @Option(help: "Remove it once no packet matched it for this long.") var idle: String?
    func run() throws { finish(ClientCommands.steer(node.target, rule: rule, duration: duration, idle: idle)) }
}

struct Unsteer: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a rule added by steer.")
    @OptionGroup var node: NodeTarget
    @Option(help: "The steering rule's name.") var name: String
    func run() throws { finish(ClientCommands.unsteer(node.target, name: name)) }
}

struct Instance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set an instance of a function up, down or drain, or its weight, on a running forwarder (in place, no reload).",
        discussion: "A state set by hand holds until the instance is set up again, which hands it back to its probes (health:). drain: the instance keeps the flows it has until they go idle and takes no new one.")
    @OptionGroup var node: NodeTarget
    @Option(help: "The function's name.") var function: String
    @Option(help: "The instance's name.") var instance: String
    @Argument(help: "up | down | drain | weight W") var action: [String]
    func run() throws { finish(ClientCommands.instance(node.target, function: function, instance: instance, action: action)) }
}

ChainTrace.main()
