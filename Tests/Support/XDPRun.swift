// One XDP scenario of the subprocess tests: its namespaces, the forwarder run
// on them, the chain file and pins, and their removal (end-to-end and interop tests).
import Foundation
import SFCConfig
import SFCLab
import Testing

/// One scenario's network, processes, chain file and pins, and their removal.
final class XDPRun {
    /// What tcpTransfer sends each way.
    static let sendBytes = 2 << 20
    static let replyBytes = 1 << 20

    /// Counters in one line, for a test's message.
    static func summary(_ ports: [String: [String: Int]]) -> String {
        ports.sorted { $0.key < $1.key }.map { "\($0.key) rx \($0.value["rx"] ?? 0) tx \($0.value["tx"] ?? 0)" }.joined(separator: ", ")
    }

    static func summary(_ counters: [String: Int]) -> String {
        counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
    let network: E2ENetwork
    let node: String
    let directory: String
    let chainFile: String
    let sourceChainFile: String
    let dataplane: String
    private(set) var processes: [E2EProcess] = []

    /// Namespaces sfc-xdp-<pid>-<scenario>-*, node (and pin directory) sfc-xdp-<pid>-<scenario>.
    /// SFC_XDP_E2E_DATAPLANE=dpdk runs the NSH and SRv6 scenarios on the DPDK
    /// dataplane instead (the same chain files; the hosts without XDP_PASS),
    /// to tell a problem of the network from one of the XDP program.
    init(scenario: String, script: String, chain: String,
         dataplane: String = ProcessInfo.processInfo.environment["SFC_XDP_E2E_DATAPLANE"] ?? "xdp") throws {
        let name = "sfc-xdp-\(getpid())-\(scenario)"
        network = E2ENetwork(prefix: name, script: E2ENetwork.scripts + "/" + script)
        node = name
        self.dataplane = dataplane
        directory = Forwarder.temporaryDirectory("xdp-\(scenario)")
        sourceChainFile = E2ENetwork.scripts + "/" + chain
        chainFile = try XDPSupport.chainFile(sourceChainFile, node: node, in: directory)
    }

    /// The chain file as the repository has it is clean: no error, no warning.
    func loadConfig() throws -> LoadedChainConfig {
        let (loaded, diagnostics) = ChainFile.load(path: sourceChainFile)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered).joined(separator: "\n"))")
        return LoadedChainConfig(ports: try #require(loaded).ports.map { ($0.name, $0.mac.description) })
    }

    func up() throws {
        try network.removeStale()
        try network.up(dataplane == "xdp" ? ["xdp"] : [])
    }

    func start(_ label: String, in name: String, _ argv: [String]) throws -> E2EProcess {
        let p = try network.start(label, in: name, argv)
        processes.append(p)
        return p
    }

    /// The forwarder in the sff namespace. Entered with `nsenter --net`, not
    /// `ip netns exec`: the latter also gives the process a mount namespace of
    /// its own with a fresh /sys, where /sys/fs/bpf is not the machine's
    /// bpffs, so the pins would go into a bpffs that dies with the process and
    /// the next forwarder would find nothing to adopt.
    func startForwarder(label: String = "sfc-forwarder", configFile: String? = nil, _ options: [String] = []) throws -> E2EProcess {
        let binary = try #require(Forwarder.binary)
        var argv = [binary, "run", "--config", configFile ?? chainFile, "--dataplane", dataplane, "--json", "--verbose"] + options
        if dataplane == "dpdk" { argv += ["--lcores", String(CPUAffinity.allowed().last ?? 0)] }
        let p = try E2EProcess(name: label, argv: ["nsenter", "--net=/run/netns/" + network.namespace("sff")] + argv)
        processes.append(p)
        return p
    }

    /// Waits until the forwarder forwards: XDP attached to every interface and its log says so.
    func waitUntilForwarding(_ forwarder: E2EProcess, interfaces: [String]) throws -> [String: XDPSupport.Attachment] {
        if dataplane == "dpdk" {
            try forwarder.waitFor("forwarding on", inStderr: true, timeout: 60)
            return [:]
        }
        let attached = try XDPSupport.waitForAttachments(network, "sff", interfaces, forwarder: forwarder, timeout: 30)
        try forwarder.waitFor("forwarding on", inStderr: true, timeout: 30)
        return attached
    }

    /// Native XDP on every port (the kernel's word: `ip -details link`), no fallback to generic.
    func expectNative(_ attached: [String: XDPSupport.Attachment], _ forwarder: E2EProcess,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        guard dataplane == "xdp" else { return }
        let generic = attached.filter { !$0.value.isNative }
        #expect(generic.isEmpty, "not native XDP: \(generic)\n\(forwarder.stderr.suffix(3000))", sourceLocation: sourceLocation)
        #expect(Set(attached.values.map(\.program)).count == 1, "one program on every port: \(attached)", sourceLocation: sourceLocation)
    }

    /// The forwarder's own account (--json "xdp"): each port attached to its interface in native mode.
    func expectReportedNative(_ counters: [String: Any], interfaces: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard dataplane == "xdp" else { return }
        let xdp = counters["xdp"] as? [String: Any]
        let attachments = xdp?["attachments"] as? [String: String] ?? [:]
        #expect(attachments == Dictionary(uniqueKeysWithValues: interfaces.map { ($0, "\($0) native") }),
                "the forwarder reports \(xdp ?? [:])", sourceLocation: sourceLocation)
    }

    /// 2 MiB client -> server, 1 MiB back, both checked by SHA-256 (tcp_transfer.py).
    func tcpTransfer(to address: String) throws -> [String: Any]? {
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts
        let server = try start("TCP server", in: "server", [py, scripts + "/tcp_transfer.py", "server", address, "5201",
                                                           "\(XDPRun.replyBytes)", "30"])
        try server.waitFor("listening", timeout: 15)
        let client = network.run("client", [py, scripts + "/tcp_transfer.py", "client", address, "5201",
                                            "\(XDPRun.sendBytes)", "\(XDPRun.replyBytes)", "30"], timeout: 45)
        #expect(client.status == 0, "TCP client: \(client.stdout)\(client.stderr)")
        let transfer = (try? JSONSerialization.jsonObject(with: Data((client.stdout.split(separator: "\n").last ?? "").utf8))) as? [String: Any]
        #expect(transfer?["ok"] as? Bool == true, "TCP transfer: \(client.stdout)")
        #expect(transfer?["server_received"] as? Int == XDPRun.sendBytes
                && transfer?["reply_bytes"] as? Int == XDPRun.replyBytes)
        #expect(server.waitForExit(timeout: 15) && server.status == 0, "TCP server: \(server.stdout)\(server.stderr)")
        return transfer
    }

    /// SIGTERM; the forwarder exits 0, has detached from every interface and
    /// removed its pins. Returns its final counters (--json).
    func stopForwarder(_ forwarder: E2EProcess, interfaces: [String]) throws -> [String: Any] {
        let stoppedCleanly = forwarder.stop(timeout: 30)
        #expect(stoppedCleanly && forwarder.status == 0, "\(forwarder.name): status \(forwarder.status)\n\(forwarder.stderr.suffix(4000))")
        if dataplane == "xdp" {
            for interface in interfaces {
                let left = try XDPSupport.attachment(network, "sff", interface)
                #expect(left == nil, "\(forwarder.name) stopped and left XDP on \(interface): \(left.map(\.description) ?? "")")
            }
            let pins = XDPSupport.pinDirectory(node: node)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: pins)) ?? []
            #expect(!FileManager.default.fileExists(atPath: pins), "\(forwarder.name) stopped and left \(pins): \(left)")
        }
        return try Forwarder.json(forwarder.stdout)
    }

    /// Waits until the kernel's packet counters of these links (namespace,
    /// interface) have not moved for 0.3 s, up to 10 s: what was in flight
    /// (the last ACKs, the last replies) has arrived, however loaded the
    /// machine is, before the forwarder is stopped and the counts compared.
    func waitUntilQuiet(_ links: [(String, String)]) throws {
        let deadline = Date().addingTimeInterval(10)
        var last = try links.map { try XDPSupport.packets(network, $0.0, $0.1) }, still = 0
        while still < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            let now = try links.map { try XDPSupport.packets(network, $0.0, $0.1) }
            still = now.elementsEqual(last, by: { $0.rx == $1.rx && $0.tx == $1.tx }) ? still + 1 : 0
            last = now
        }
    }

    func nftCounters() throws -> [String: Int] {
        let out = network.run("fw", ["nft", "-j", "list", "ruleset"], timeout: 15)
        #expect(out.status == 0, "nft: \(out.stderr)")
        return try NFTCounters.parse(out.stdout, table: "sfc_e2e")
    }

    /// Stops every process (the forwarder detaches and unpins on SIGTERM),
    /// deletes the namespaces, removes pins a killed forwarder left, and the files.
    /// SFC_E2E_KEEP_DIR=DIR keeps each scenario's directory (captures, chain
    /// file) as DIR/<scenario directory>, for a look after the run.
    func tearDown() {
        for p in processes.reversed() { p.stop(timeout: 5); p.removeFiles() }
        network.down()
        XDPSupport.removePins(node: node)
        if let keep = ProcessInfo.processInfo.environment["SFC_E2E_KEEP_DIR"], !keep.isEmpty {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.moveItem(atPath: directory, toPath: keep + "/" + (directory as NSString).lastPathComponent)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The ports of a loaded chain file, by name.
struct LoadedChainConfig {
    var ports: [(name: String, mac: String)]

    func mac(ofPort name: String) throws -> [UInt8] {
        Deliveries.mac(try #require(ports.first { $0.name == name }, "no port \(name)").mac)
    }
}
