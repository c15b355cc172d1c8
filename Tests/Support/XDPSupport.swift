// The XDP dataplane in the end-to-end tests: the compiled object, a chain
// file copy with a node name of this run (the pins live under
// /sys/fs/bpf/sfc/<node name>, one directory for the whole machine, so two
// runs must not share a name), and what the kernel says about a port: the
// XDP program attached to it and its packet counters.
import Foundation
import Testing

enum XDPSupport {
    static let pinRoot = "/sys/fs/bpf/sfc"
    static let objectName = "sfc_xdp.o"

    /// Where `make bpf` writes the object, or SFC_BPF_OBJECT_DIR when set
    /// (the forwarder looks there first, then walks up from its working
    /// directory, the repository, to .build/bpf).
    static var objectPath: String {
        if let dir = ProcessInfo.processInfo.environment["SFC_BPF_OBJECT_DIR"], !dir.isEmpty { return dir + "/" + objectName }
        return Forwarder.repositoryRoot + "/.build/bpf/" + objectName
    }

    /// True when the XDP object is built and bpffs is mounted; otherwise
    /// records what to do (unless SFC_ALLOW_MISSING_TOOLS=1) and returns false.
    static func ready(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var missing: [String] = []
        if !FileManager.default.fileExists(atPath: objectPath) {
            missing.append("the XDP object \(objectPath) (run `make bpf`)")
        }
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        if !mounts.split(separator: "\n").contains(where: { $0.split(separator: " ").dropFirst().first == "/sys/fs/bpf" && $0.contains(" bpf ") }) {
            missing.append("bpffs on /sys/fs/bpf (run `make deps`, or `mount -t bpf bpf /sys/fs/bpf`)")
        }
        let tshark = E2ECommand.run(["tshark", "--version"], timeout: 20)
        if tshark.status != 0 { missing.append("`tshark` (Debian package tshark)") }
        if E2ECommand.run(["nsenter", "--version"], timeout: 10).status != 0 { missing.append("`nsenter` (Debian package util-linux)") }
        if missing.isEmpty { return true }
        if ProcessInfo.processInfo.environment["SFC_ALLOW_MISSING_TOOLS"] != "1" {
            Issue.record(Comment(rawValue: "the XDP end-to-end tests need " + missing.joined(separator: ", ")
                                 + "; or set SFC_ALLOW_MISSING_TOOLS=1 to skip them"), sourceLocation: sourceLocation)
        }
        return false
    }

    /// Writes `path` to `directory` with its node renamed to `node`; returns the copy's path.
    static func chainFile(_ path: String, node: String, in directory: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let range = text.range(of: #"(?m)^node:\n  name: [A-Za-z0-9_.-]+$"#, options: .regularExpression) else {
            throw E2EError("\(path): no `node:` followed by `  name:` to rename")
        }
        let copy = directory + "/" + (path as NSString).lastPathComponent
        try text.replacingCharacters(in: range, with: "node:\n  name: \(node)").write(toFile: copy, atomically: true, encoding: .utf8)
        return copy
    }

    static func pinDirectory(node: String) -> String { pinRoot + "/" + node }

    /// Removes the pins of `node` (after a forwarder that was killed or left them).
    static func removePins(node: String) { try? FileManager.default.removeItem(atPath: pinDirectory(node: node)) }

    /// The XDP program attached to a link: the attach mode as the kernel
    /// reports it (1 native/driver, 2 generic/skb, 3 offloaded) and its id.
    struct Attachment: Equatable, CustomStringConvertible {
        var mode: Int
        var program: Int
        var name: String
        var isNative: Bool { mode == 1 }
        var description: String {
            "\(name) id \(program) " + (mode == 1 ? "native" : mode == 2 ? "generic" : mode == 3 ? "offloaded" : "mode \(mode)")
        }
    }

    /// What `ip -details link show` says of IFACE in namespace `name`; nil: no XDP program.
    static func attachment(_ network: E2ENetwork, _ name: String, _ interface: String) throws -> Attachment? {
        let link = try linkJSON(network, name, interface, ["-details"])
        guard let xdp = link["xdp"] as? [String: Any] else { return nil }
        let mode = xdp["mode"] as? Int ?? 0
        if let prog = xdp["prog"] as? [String: Any] {
            return Attachment(mode: mode, program: prog["id"] as? Int ?? 0, name: prog["name"] as? String ?? "?")
        }
        // Several programs (multi-attach): the first.
        let first = (xdp["attached"] as? [[String: Any]])?.first
        let prog = first?["prog"] as? [String: Any]
        return Attachment(mode: first?["mode"] as? Int ?? mode, program: prog?["id"] as? Int ?? 0, name: prog?["name"] as? String ?? "?")
    }

    /// The kernel's packet counters of IFACE in namespace `name`.
    static func packets(_ network: E2ENetwork, _ name: String, _ interface: String) throws -> (rx: Int, tx: Int) {
        let link = try linkJSON(network, name, interface, ["-statistics"])
        let stats = try #require(link["stats64"] as? [String: Any], "no stats64 for \(interface): \(link)")
        let rx = (stats["rx"] as? [String: Any])?["packets"] as? Int ?? -1
        let tx = (stats["tx"] as? [String: Any])?["packets"] as? Int ?? -1
        return (rx, tx)
    }

    private static func linkJSON(_ network: E2ENetwork, _ name: String, _ interface: String, _ options: [String]) throws -> [String: Any] {
        let r = E2ECommand.run(["ip", "-json"] + options + ["-netns", network.namespace(name), "link", "show", "dev", interface], timeout: 15)
        guard r.status == 0,
              let links = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]],
              let link = links.first else {
            throw E2EError("ip link show dev \(interface) in \(network.namespace(name)): status \(r.status)\n\(r.stderr)\(r.stdout.prefix(400))")
        }
        return link
    }

    /// Waits until every interface in `interfaces` (namespace `name`) has an
    /// XDP program, while `forwarder` keeps running; returns the attachments.
    static func waitForAttachments(_ network: E2ENetwork, _ name: String, _ interfaces: [String],
                                   forwarder: E2EProcess, timeout: Double) throws -> [String: Attachment] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var found: [String: Attachment] = [:]
            for interface in interfaces { if let a = try attachment(network, name, interface) { found[interface] = a } }
            if found.count == interfaces.count { return found }
            if !forwarder.isRunning || Date() > deadline {
                throw E2EError("\(forwarder.name): XDP attached to \(found.keys.sorted()) of \(interfaces) "
                               + (forwarder.isRunning ? "after \(timeout) s" : "and it exited with status \(forwarder.status)")
                               + "\nstderr: \(forwarder.stderr.suffix(4000))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// tshark's fields of every frame of a capture, one array per frame
    /// (`-T fields`, tab-separated; several values of one field joined by ",").
    /// The tests' TCP payload (tcp_transfer.py on ports 5201-5209) is random
    /// bytes: decoded as data, not as whatever protocol owns the client's
    /// ephemeral port (34980 is EtherCAT's, and tshark calls random bytes a
    /// malformed EtherCAT frame). Wireshark tries the lower port first.
    static let opaqueTestPayload = ["-d", "tcp.port==5201-5209,data"]

    static func tsharkFields(_ path: String, _ fields: [String], filter: String? = nil, options: [String] = []) throws -> [[String]] {
        var argv = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "aggregator=,"] + opaqueTestPayload + options
        if let filter { argv += ["-Y", filter] }
        for field in fields { argv += ["-e", field] }
        let r = E2ECommand.run(argv, timeout: 60)
        guard r.status == 0 else { throw E2EError("tshark -r \(path): status \(r.status)\n\(r.stderr)") }
        return r.stdout.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
