// The end-to-end tests' namespaces (built by Tests/e2e/topology.sh, or
// another script with the same commands such as Tests/e2e/srv6-topology.sh),
// the tools they need, and readers for what their helpers leave behind:
// nftables counters and the captures of what the hosts received.
import Foundation
import SFCCapture
import Testing

struct E2ENetwork {
    static let scripts = Forwarder.repositoryRoot + "/Tests/e2e"
    static let python = "/usr/bin/python3"

    /// Namespaces are PREFIX-client, -server, -sff, -sfa, -fw (topology.sh).
    let prefix: String
    /// The script that builds and removes them: `up PREFIX [OPTION]`, `down PREFIX`, `stale`.
    let script: String

    init(prefix: String = "sfc-e2e-\(getpid())", script: String = Self.scripts + "/topology.sh") {
        self.prefix = prefix
        self.script = script
    }

    func namespace(_ name: String) -> String { "\(prefix)-\(name)" }

    /// Removes namespaces left by an earlier run that crashed (its pid is gone).
    func removeStale() throws { try run(script: ["stale"]) }

    /// `options`: e.g. ["xdp"] (hosts ready for the XDP dataplane's redirects).
    func up(_ options: [String] = []) throws { try run(script: ["up", prefix] + options) }

    /// Stops every process in the namespaces and deletes them; idempotent.
    /// Once more if any is left (a loaded machine can outlast the script's
    /// waits: a namespace was once found left over in CI).
    func down() {
        _ = E2ECommand.run([script, "down", prefix], timeout: 60)
        if !leftovers().isEmpty { _ = E2ECommand.run([script, "down", prefix], timeout: 60) }
    }

    /// The namespaces of this run that still exist.
    func leftovers() -> [String] {
        let list = E2ECommand.run(["ip", "netns", "list"], timeout: 10).stdout
        return list.split(separator: "\n").compactMap { line in
            let name = String(line.split(separator: " ").first ?? "")
            return name.hasPrefix(prefix + "-") ? name : nil
        }
    }

    /// argv run inside namespace `name`.
    func inNamespace(_ name: String, _ argv: [String]) -> [String] { ["ip", "netns", "exec", namespace(name)] + argv }

    /// Runs argv in namespace `name`, bounded by `timeout`.
    func run(_ name: String, _ argv: [String], timeout: Double = 30) -> ProcessResult {
        E2ECommand.run(inNamespace(name, argv), timeout: timeout)
    }

    /// Starts a long-running argv in namespace `name`.
    func start(_ label: String, in name: String, _ argv: [String]) throws -> E2EProcess {
        try E2EProcess(name: label, argv: inNamespace(name, argv))
    }

    private func run(script arguments: [String]) throws {
        let r = E2ECommand.run([script] + arguments, timeout: 60)
        guard r.status == 0 else {
            let name = script.hasPrefix(Forwarder.repositoryRoot + "/") ? String(script.dropFirst(Forwarder.repositoryRoot.count + 1)) : script
            throw E2EError("\(name) \(arguments.joined(separator: " ")) failed (status \(r.status)):\n\(r.stderr)\(r.stdout)")
        }
    }

    /// ip, nft, ping, ethtool, sysctl and the system Python. A missing one
    /// fails the test with the package to install, unless SFC_ALLOW_MISSING_TOOLS=1.
    static func toolsReady(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        toolsReady([
            (["ip", "-V"], "iproute2"), (["nft", "--version"], "nftables"), (["ping", "-V"], "iputils-ping"),
            (["ethtool", "--version"], "ethtool"), (["sysctl", "--version"], "procps"), ([python, "--version"], "python3"),
        ], for: "the end-to-end test", sourceLocation: sourceLocation)
    }

    /// True when every probe runs; otherwise records, for `what`, each missing
    /// tool with its Debian package (unless SFC_ALLOW_MISSING_TOOLS=1).
    static func toolsReady(_ tools: [(probe: [String], package: String)], for what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let missing = tools.filter { E2ECommand.run($0.probe, timeout: 20).status != 0 }
        if missing.isEmpty { return true }
        if ProcessInfo.processInfo.environment["SFC_ALLOW_MISSING_TOOLS"] != "1" {
            let message = what + " needs " + missing.map { "`\($0.probe[0])` (Debian package \($0.package))" }
                .joined(separator: ", ") + ": run `make deps`, or set SFC_ALLOW_MISSING_TOOLS=1 to skip it"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        return false
    }
}

/// nftables named counters of one table: name -> packets.
enum NFTCounters {
    static func parse(_ json: String, table: String) throws -> [String: Int] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                                  "nft -j printed no JSON object: \(json.prefix(400))")
        let items = try #require(object["nftables"] as? [[String: Any]], "no \"nftables\" array: \(json.prefix(400))")
        var counters: [String: Int] = [:]
        for item in items {
            guard let counter = item["counter"] as? [String: Any], counter["table"] as? String == table,
                  let name = counter["name"] as? String, let packets = counter["packets"] as? Int else { continue }
            counters[name] = packets
        }
        return counters
    }
}

/// What a host received, from a capture written by Tests/e2e/capture.py.
struct Deliveries {
    var frames = 0
    var icmpEchoRequests = 0
    var icmpEchoReplies = 0
    var tcp = 0
    var largestFrame = 0
    /// One line per frame that is not a plain, well-formed IPv4 packet from
    /// the forwarder port to the host (an NSH or VLAN header left on, a wrong
    /// MAC, a bad IPv4 header checksum, a bad TCP, UDP or ICMP checksum).
    var problems: [String] = []

    init(path: String, from portMAC: [UInt8], to hostMAC: [UInt8]) throws {
        for (i, packet) in try CaptureReader.read(path: path).enumerated() {
            frames += 1
            let b = packet.bytes
            largestFrame = max(largestFrame, b.count)
            func problem(_ what: String) {
                if problems.count < 20 { problems.append("frame \(i + 1) (\(b.count) bytes): \(what)") }
            }
            guard b.count >= 34 else { problem("shorter than Ethernet + IPv4"); continue }
            let ethertype = Int(b[12]) << 8 | Int(b[13])
            guard ethertype == 0x0800 else {
                let note = ethertype == 0x894F ? " (NSH still on)" : ethertype == 0x8100 ? " (VLAN tag)" : ""
                problem(String(format: "ethertype 0x%04x, not IPv4", ethertype) + note)
                continue
            }
            if Array(b[0..<6]) != hostMAC { problem("destination MAC \(Self.mac(b[0..<6])), not the host's \(Self.mac(hostMAC[...]))") }
            if Array(b[6..<12]) != portMAC { problem("source MAC \(Self.mac(b[6..<12])), not the forwarder port's \(Self.mac(portMAC[...]))") }
            let ihl = Int(b[14] & 0x0F) * 4
            guard b[14] >> 4 == 4, ihl >= 20, b.count >= 14 + ihl else { problem("not an IPv4 header"); continue }
            var sum = 0
            for k in stride(from: 14, to: 14 + ihl, by: 2) { sum += Int(b[k]) << 8 | Int(b[k + 1]) }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            if sum != 0xFFFF { problem("bad IPv4 header checksum") }
            if let bad = Self.badTransportChecksum(b, ihl: ihl) { problem(bad) }
            switch b[23] {
            case 1 where b.count > 14 + ihl:
                if b[14 + ihl] == 8 { icmpEchoRequests += 1 }
                if b[14 + ihl] == 0 { icmpEchoReplies += 1 }
            case 6: tcp += 1
            default: break
            }
        }
    }

    /// A description of the TCP, UDP or ICMP checksum of an unfragmented
    /// IPv4 packet at offset 14 when it does not verify (an XDP redirect of a
    /// packet whose checksum the sender left to offload would show here).
    static func badTransportChecksum(_ b: [UInt8], ihl: Int) -> String? {
        let total = Int(b[16]) << 8 | Int(b[17])
        let fragment = (Int(b[20]) << 8 | Int(b[21])) & 0x3FFF
        let proto = b[23]
        guard fragment == 0, total >= ihl, 14 + total <= b.count, [1, 6, 17].contains(proto) else { return nil }
        let start = 14 + ihl, end = 14 + total
        if proto == 17, end - start >= 8, b[start + 6] == 0, b[start + 7] == 0 { return nil }  // UDP without a checksum
        var sum = 0
        if proto != 1 {  // the pseudo-header: addresses, protocol, length
            for k in stride(from: 26, to: 34, by: 2) { sum += Int(b[k]) << 8 | Int(b[k + 1]) }
            sum += Int(proto) + (end - start)
        }
        var k = start
        while k + 1 < end { sum += Int(b[k]) << 8 | Int(b[k + 1]); k += 2 }
        if k < end { sum += Int(b[k]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return sum == 0xFFFF ? nil : "bad \(proto == 6 ? "TCP" : proto == 17 ? "UDP" : "ICMP") checksum"
    }

    static func mac(_ bytes: ArraySlice<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: ":") }

    static func mac(_ text: String) -> [UInt8] { text.split(separator: ":").compactMap { UInt8($0, radix: 16) } }
}
