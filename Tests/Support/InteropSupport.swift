// Helpers of the interoperability tests: captures of both directions of a
// link (dumpcap in the namespace of the link's far end), tshark as the
// oracle that every frame on every link is well-formed, and a summary of a
// capture by header signature, so that what one link carried can be
// compared with the next link and with the forwarder's counters.
import Foundation
import Testing

enum InteropCapture {
    /// tshark's checksum checks, so a bad IPv4, TCP or UDP checksum is an
    /// expert error (ICMP and ICMPv6 checksums are always checked).
    static let checksumOptions = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                  "-o", "udp.check_checksum:TRUE"]
    /// Wireshark's expert severities (epan/proto.h): PI_NOTE is 0x00400000;
    /// warnings (0x00600000) and errors (0x00800000) are above it.
    static let noteSeverity = 0x0040_0000

    /// Foundation's Process starts children with SIGTERM and SIGINT blocked,
    /// and dumpcap does not unblock them (it would never stop): this
    /// unblocks them, then execs argv[1...] (the mask survives exec).
    static let unblockingExec = "import os, signal, sys; "
        + "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT}); os.execvp(sys.argv[1], sys.argv[1:])"

    /// Starts dumpcap on IFACE in namespace `name` of `run` (frames in both
    /// directions unless a capture `filter` says otherwise, pcap format)
    /// and waits until it captures. SIGTERM (E2EProcess.stop) ends it cleanly.
    static func start(_ run: XDPRun, in name: String, _ interface: String, _ path: String, filter: String? = nil) throws -> E2EProcess {
        var argv = [E2ENetwork.python, "-c", unblockingExec, "dumpcap", "-q", "-P", "-i", interface, "-w", path]
        if let filter { argv += ["-f", filter] }
        let p = try run.start("\(name) \(interface) capture", in: name, argv)
        try p.waitFor("Capturing on", inStderr: true, timeout: 15)
        return p
    }

    /// True when dumpcap is installed (Debian package wireshark-common, with tshark).
    static func ready(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if E2ECommand.run(["dumpcap", "--version"], timeout: 20).status == 0 { return true }
        if ProcessInfo.processInfo.environment["SFC_ALLOW_MISSING_TOOLS"] != "1" {
            let message = "the interoperability tests need `dumpcap` (Debian package wireshark-common); "
                + "or set SFC_ALLOW_MISSING_TOOLS=1 to skip them"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        return false
    }
}

/// TCP findings above a note that describe the endpoints, not the path:
/// the receiver's window filled up, or the sender retransmitted a segment
/// that had arrived (a D-SACK: a retransmission timer or tail-loss probe ran
/// out while the ACK was on its way), or a checksum of 0xffff where 0x0000
/// is due (equal in one's complement: Linux's software checksum,
/// skb_checksum_help, writes a zero result as 0xffff, about one segment in
/// 65536). Lost, unseen or reordered segments and bad checksums are not
/// among them.
let tolerableTCPFindings = ["TCP window specified by the receiver is now completely full", "TCP Zero Window",
                            "D-SACK Sequence", "TCP Checksum 0xffff instead of 0x0000"]

/// Expects tshark to find, in the capture at `path`, at least
/// `minimumFrames` frames, no malformed packet and no expert finding above
/// a note (a bad IPv4, TCP, UDP or ICMP checksum, a bad header length,
/// segments lost or reordered between the two ends of a TCP connection...),
/// except the endpoint findings in `tolerating`, which it returns counted
/// by message.
@discardableResult
func expectCleanCapture(_ path: String, minimumFrames: Int = 1, tolerating: [String] = tolerableTCPFindings,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (frames: Int, tolerated: [String: Int]) {
    // Several findings of one frame are joined by "|", severities and messages in the same order.
    var argv = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|"] + InteropCapture.checksumOptions
        + XDPSupport.opaqueTestPayload
    for field in ["frame.number", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message", "frame.protocols"] { argv += ["-e", field] }
    let r = E2ECommand.run(argv, timeout: 60)
    guard r.status == 0 else { throw E2EError("tshark -r \(path): status \(r.status)\n\(r.stderr)") }
    let rows = r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    let name = (path as NSString).lastPathComponent
    #expect(rows.count >= minimumFrames, "\(name): \(rows.count) frames, expected at least \(minimumFrames)", sourceLocation: sourceLocation)
    var findings: [String] = [], tolerated: [String: Int] = [:]
    for row in rows where row.count >= 5 {
        let severities = row[2].split(separator: "|").map { Int($0) ?? Int.max }
        let messages = row[3].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        var bad = row[1].isEmpty ? [] : ["malformed"]
        for (k, severity) in severities.enumerated() where severity > InteropCapture.noteSeverity {
            let message = k < messages.count && severities.count == messages.count ? messages[k] : row[3]
            if let known = tolerating.first(where: { message.hasPrefix($0) }) {
                tolerated[known, default: 0] += 1
            } else {
                bad.append(String(format: "0x%x ", severity) + message)
            }
        }
        if !bad.isEmpty { findings.append("frame \(row[0]) (\(row[4])): \(bad.joined(separator: "; "))") }
    }
    #expect(findings.isEmpty, "\(name): tshark finds \(findings.count) bad frame(s):\n\(findings.prefix(10).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    return (rows.count, tolerated)
}

/// A capture summarized by header signature: the Ethernet addresses (by
/// name), the IPv6 header with its SRH when there is one (an inner IPv6
/// header's fields follow the outer's, comma-separated, as tshark gives
/// them), and the IPv4 addresses (outer or inner), with how many frames had
/// each. L4 and the IPv4 TTL are left out, so one flow direction through
/// one hop has one signature.
struct CaptureSignatures {
    static let fields = ["eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.nxt", "ipv6.routing.type",
                         "ipv6.routing.segleft", "ipv6.routing.srh.last_entry", "ipv6.routing.srh.addr",
                         "ip.src", "ip.dst", "icmp.type", "icmpv6.type"]
    var counts: [String: Int] = [:]
    /// ICMP and ICMPv6 echo requests (types 8, 128) per signature.
    var echoRequests: [String: Int] = [:]
    var total: Int { counts.values.reduce(0, +) }

    /// `names`: MAC address -> a name for it in the signatures.
    init(_ paths: [String], names: [String: String]) throws {
        for path in paths { try add(path, names: names) }
    }

    mutating func add(_ path: String, names: [String: String]) throws {
        for row in try XDPSupport.tsharkFields(path, Self.fields) {
            var f = row + Array(repeating: "", count: max(0, Self.fields.count - row.count))
            f = f.map { $0.trimmingCharacters(in: .whitespaces) }
            let signature = Self.signature(f, names: names)
            counts[signature, default: 0] += 1
            if f[12] == "8" || f[13] == "128" { echoRequests[signature, default: 0] += 1 }
        }
    }

    static func signature(_ f: [String], names: [String: String]) -> String {
        var s = "\(names[f[0]] ?? f[0]) > \(names[f[1]] ?? f[1])"
        if !f[2].isEmpty {
            s += " | ipv6 \(f[2]) > \(f[3]) hlim \(f[4]) nxt \(f[5])"
            if !f[6].isEmpty { s += " rt \(f[6]) sl \(f[7]) le \(f[8]) [\(f[9])]" }
        }
        if !f[10].isEmpty { s += " | ipv4 \(f[10]) > \(f[11])" }
        return s
    }

    /// Frames with exactly this signature.
    subscript(_ signature: String) -> Int { counts[signature] ?? 0 }

    /// The signatures other than `expected`, with their counts, for a message.
    func unexpected(_ expected: Set<String>) -> [String] {
        counts.filter { !expected.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
    }

    var description: String { counts.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: "\n") }
}
