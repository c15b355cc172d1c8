// Open vSwitch as an independent NSH peer in the end-to-end tests: a private
// OVS (Tests/e2e/ovs-sandbox.sh: its own database, sockets and logs in a
// temporary directory, both daemons inside one namespace of the run, a
// bridge on the userspace datapath), its OpenFlow flows and their counters;
// and whole-link captures (dumpcap in a namespace) that tshark must decode
// with no malformed packet and no expert finding above a note.
import Foundation
import Testing

/// One OpenFlow flow of the test, told apart in `ovs-ofctl dump-flows` by its cookie.
struct OVSFlow {
    var cookie: UInt64
    /// `ovs-ofctl add-flows` syntax without the cookie (`priority=...,match,actions=...`).
    var text: String
    var line: String { String(format: "cookie=0x%llx,", cookie) + text }
}

/// A private ovsdb-server + ovs-vswitchd in namespace `namespace`, files in `directory`.
final class OVSSandbox {
    static let script = E2ENetwork.scripts + "/ovs-sandbox.sh"
    let namespace: String
    let directory: String
    let bridge: String
    private var started = false

    init(namespace: String, directory: String, bridge: String = "br0") {
        self.namespace = namespace
        self.directory = directory
        self.bridge = bridge
    }

    /// ovsdb-tool, ovsdb-server, ovs-vswitchd, ovs-vsctl, ovs-ofctl and dumpcap are
    /// installed; otherwise records what to install (unless SFC_ALLOW_MISSING_TOOLS=1).
    static func ready(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        E2ENetwork.toolsReady([
            (["ovsdb-tool", "--version"], "openvswitch-common"), (["ovs-ofctl", "--version"], "openvswitch-common"),
            (["ovs-vsctl", "--version"], "openvswitch-switch"), (["ovsdb-server", "--version"], "openvswitch-switch"),
            (["ovs-vswitchd", "--version"], "openvswitch-switch"), (["dumpcap", "--version"], "wireshark-common"),
        ], for: "the Open vSwitch interop test", sourceLocation: sourceLocation)
    }

    /// "ovs-vswitchd (Open vSwitch) 3.1.0" -> "3.1.0".
    static func version() -> String {
        let out = E2ECommand.run(["ovs-vswitchd", "--version"], timeout: 20).stdout
        return String(out.split(separator: "\n").first?.split(separator: " ").last ?? "?")
    }

    /// Starts both daemons and the bridge; `ports` become OpenFlow ports 1, 2, ... in order.
    func start(ports: [String]) throws {
        started = true  // from here on, stop() has something to clean up, even if this fails half way
        let r = E2ECommand.run([Self.script, "start", namespace, directory, bridge] + ports, timeout: 60)
        guard r.status == 0 else {
            throw E2EError("ovs-sandbox.sh start failed (status \(r.status)):\n\(r.stderr)\(r.stdout)\n\(log())")
        }
    }

    /// Stops both daemons (by their pid files) and removes the directory; idempotent.
    func stop() {
        guard started else { return }
        _ = E2ECommand.run([Self.script, "stop", directory], timeout: 30)
        started = false
    }

    /// The pids in ovsdb-server.pid and ovs-vswitchd.pid (those that exist).
    func daemonPIDs() -> [Int32] {
        ["ovsdb-server", "ovs-vswitchd"].compactMap { name in
            (try? String(contentsOfFile: "\(directory)/\(name).pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// True while `pid` runs (a zombie waiting for its reaper does not count).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ") ", options: .backwards) else { return false }
        return !stat[close.upperBound...].hasPrefix("Z")
    }

    /// Makes ovs-vswitchd account every datapath flow to its OpenFlow rules
    /// (the revalidators otherwise push n_packets every half second or so).
    func flushFlowStatistics() {
        _ = E2ECommand.run(environment + ["ovs-appctl", "-t", directory + "/ovs-vswitchd.ctl", "revalidator/purge"], timeout: 30)
    }

    /// The tools' environment: the sandbox's directory for every OVS path.
    private var environment: [String] {
        ["env", "OVS_RUNDIR=\(directory)", "OVS_DBDIR=\(directory)", "OVS_LOGDIR=\(directory)", "OVS_SYSCONFDIR=\(directory)"]
    }

    /// `ovs-ofctl -O OpenFlow13 ARGS` against the sandbox's bridge (its management socket).
    func ofctl(_ arguments: [String]) -> ProcessResult {
        E2ECommand.run(environment + ["ovs-ofctl", "-O", "OpenFlow13"] + arguments, timeout: 30)
    }

    /// Replaces the bridge's flows with `flows` (ovs-ofctl checks their syntax and prerequisites).
    func setFlows(_ flows: [OVSFlow]) throws {
        let file = directory + "/flows.txt"
        try (flows.map(\.line).joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let r = ofctl(["replace-flows", bridge, file])
        guard r.status == 0 else { throw E2EError("ovs-ofctl replace-flows refused the flows:\n\(r.stderr)\(r.stdout)") }
    }

    /// n_packets of every flow, by cookie (`ovs-ofctl dump-flows`), all datapath flows accounted.
    func packetsByCookie() throws -> [UInt64: Int] {
        flushFlowStatistics()
        let r = ofctl(["dump-flows", bridge])
        guard r.status == 0 else { throw E2EError("ovs-ofctl dump-flows: status \(r.status)\n\(r.stderr)") }
        return try Self.parsePacketsByCookie(r.stdout)
    }

    /// ` cookie=0x2, duration=1.2s, table=0, n_packets=3, n_bytes=366, priority=...` -> [2: 3].
    static func parsePacketsByCookie(_ dump: String) throws -> [UInt64: Int] {
        var counters: [UInt64: Int] = [:]
        for line in dump.split(separator: "\n") where line.contains("cookie=") {
            var cookie: UInt64?, packets: Int?
            for field in line.split(whereSeparator: { $0 == "," || $0 == " " }) {
                if field.hasPrefix("cookie=0x") { cookie = UInt64(field.dropFirst("cookie=0x".count), radix: 16) }
                if field.hasPrefix("n_packets=") { packets = Int(field.dropFirst("n_packets=".count)) }
            }
            guard let cookie, let packets else { throw E2EError("unreadable flow: \(line)") }
            counters[cookie] = (counters[cookie] ?? 0) + packets
        }
        return counters
    }

    /// Frames the kernel dropped because one of ovs-vswitchd's AF_PACKET
    /// sockets was full (sk_drops, `ss -0 -m`: skmem d), by interface. The
    /// userspace datapath reads each port through such a socket, with the
    /// default receive buffer; a frame lost there never reaches a flow.
    func socketDrops() throws -> [String: Int] {
        let r = E2ECommand.run(["ip", "netns", "exec", namespace, "ss", "-0", "-a", "-n", "-m", "-p"], timeout: 20)
        guard r.status == 0 else { throw E2EError("ss -0 in \(namespace): status \(r.status)\n\(r.stderr)") }
        // p_raw UNCONN 0 0 *:nsh * users:(("ovs-vswitchd",pid=721,fd=44)) skmem:(r0,rb212992,...,bl0,d0)
        // (skmem on a line of its own when ss writes to a terminal).
        var drops: [String: Int] = [:]
        var interface: String?
        for line in r.stdout.split(separator: "\n") {
            if line.hasPrefix("p_raw") || line.hasPrefix("p_dgr") {
                interface = line.contains("\"ovs-vswitchd\"")
                    ? line.split(separator: " ").first { $0.hasPrefix("*:") }.map { String($0.dropFirst(2)) } : nil
            }
            if let name = interface, let range = line.range(of: #",d[0-9]+\)"#, options: .regularExpression) {
                drops[name, default: 0] += Int(line[range].dropFirst(2).dropLast()) ?? 0
                interface = nil
            }
        }
        return drops
    }

    /// The end of ovs-vswitchd's log, for failure messages.
    func log(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: directory + "/ovs-vswitchd.log", encoding: .utf8)) ?? "(no ovs-vswitchd.log)"
        return "ovs-vswitchd.log:\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Everything that crosses one link, in both directions: dumpcap on one end of it.
struct LinkCapture {
    var link: String
    var path: String
    var process: E2EProcess

    /// Starts dumpcap on `interface` in namespace `name` of `run`; returns once it captures.
    static func start(_ link: String, run: XDPRun, in name: String, interface: String) throws -> LinkCapture {
        let path = run.directory + "/link-\(link).pcapng"
        let p = try run.start("dumpcap \(link)", in: name, unblockingSignals(["dumpcap", "-q", "-i", interface, "-w", path]))
        try p.waitFor("File:", inStderr: true, timeout: 20)
        return LinkCapture(link: link, path: path, process: p)
    }

    /// argv with SIGTERM and SIGINT unblocked: Foundation's Process starts
    /// children with both blocked, exec keeps the mask, and dumpcap (unlike
    /// the Python helpers) does not unblock them, so SIGTERM would never stop it.
    static func unblockingSignals(_ argv: [String]) -> [String] {
        [E2ENetwork.python, "-c", "import os, signal, sys; "
            + "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT}); os.execvp(sys.argv[1], sys.argv[1:])"] + argv
    }

    /// SIGTERM: dumpcap finishes the file and exits 0.
    func stop() -> Bool { process.stop(timeout: 10) && process.status == 0 }
}

/// tshark's verdict on a capture: every frame decoded, checksums verified
/// (IPv4, TCP, UDP; ICMP always), and what it flags.
struct WireCheck {
    var frames = 0
    /// frame.protocols -> frames (e.g. "eth:ethertype:nsh:ip:tcp" -> 1234).
    var stacks: [String: Int] = [:]
    /// One line per frame that tshark finds malformed or gives an expert
    /// finding above a note outside TCP's sequence analysis: a bad checksum,
    /// a truncated header, an NSH length that does not fit...
    var problems: [String] = []
    /// TCP sequence analysis above a note (expert group "Sequence"), by
    /// message: what the conversation did (a full receive window, a segment
    /// lost before this link and retransmitted), not how a frame is built.
    var sequence: [String: Int] = [:]
    /// TCP checksums of 0xffff where tshark computes 0x0000: the same value in
    /// ones' complement (RFC 1624 s3). Linux writes it so: with checksum
    /// offload off, skb_checksum_help() stores a folded 0 as CSUM_MANGLED_0.
    /// About one segment in 65536 of a host's own; reported, not a fault.
    var negativeZeroChecksums = 0

    /// Wireshark's expert severities and groups (epan/proto.h).
    static let note = 0x0040_0000
    static let sequenceGroup = 0x0200_0000

    /// `tcpStreams` false: for a link that carries the same TCP segment
    /// twice by design (out to a function and back, each copy under its own
    /// NSH), where tshark's TCP sequence analysis would call every second
    /// copy out of order and its stream reassembly (tcp_transfer.py's port
    /// 5201 is iperf3's, whose dissector reassembles) overlapping data.
    init(path: String, tcpStreams: Bool = true) throws {
        let streams = tcpStreams ? "TRUE" : "FALSE"
        let argv = ["tshark", "-n", "-r", path] + XDPSupport.opaqueTestPayload + ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                    "-o", "udp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:\(streams)",
                    "-o", "tcp.desegment_tcp_streams:\(streams)", "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|",
                    "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.malformed", "-e", "_ws.expert.severity",
                    "-e", "_ws.expert.group", "-e", "_ws.expert.message"]
        let r = E2ECommand.run(argv, timeout: 120)
        guard r.status == 0 else { throw E2EError("tshark -r \(path): status \(r.status)\n\(r.stderr)") }
        for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6 else { problems.append("unreadable tshark line: \(line)"); continue }
            frames += 1
            stacks[f[1], default: 0] += 1
            let severities = f[3].split(separator: "|").map { Int($0) ?? Int.max }
            let groups = f[4].split(separator: "|").map { Int($0) ?? 0 }
            let messages = f[5].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if !f[2].isEmpty {
                if problems.count < 20 { problems.append("frame \(f[0]) (\(f[1])): malformed: \(f[5])") }
                continue
            }
            for (k, severity) in severities.enumerated() where severity > Self.note {
                let message = k < messages.count ? messages[k] : "?"
                let tcp = f[1].hasSuffix(":tcp") || f[1].contains(":tcp:")
                if tcp && message.hasPrefix("TCP Checksum 0xffff instead of 0x0000") { negativeZeroChecksums += 1; continue }
                if tcp && k < groups.count && groups[k] == Self.sequenceGroup { sequence[message, default: 0] += 1; continue }
                if problems.count < 20 { problems.append("frame \(f[0]) (\(f[1])): severity \(String(format: "0x%x", severity)): \(message)") }
            }
        }
    }
}
