// chain-trace simulate: load a chain file, build or parse a packet, walk it
// through the path and print every hop (text or JSON), optionally writing
// the packet as it looks on each link to numbered pcap files.
import Foundation
import SFCCapture
import SFCConfig
import SFCCore
import SFCRuntime

public struct SimulateOptions: Sendable {
    public var config: String
    public var chain: String?
    public var ingress: String?
    public var packet: String?
    public var json: Bool
    public var pcapDirectory: String?
    /// Steering rules (chain-trace steer's syntax) applied on top of the file, as a running forwarder would.
    public var steering: [String] = []
    public init(config: String, chain: String? = nil, ingress: String? = nil, packet: String? = nil,
                json: Bool = false, pcapDirectory: String? = nil, steering: [String] = []) {
        self.steering = steering
        self.config = config; self.chain = chain; self.ingress = ingress; self.packet = packet
        self.json = json; self.pcapDirectory = pcapDirectory
    }
}

public enum SimulateCommand {
    /// The MAC the simulated client sends from.
    static let clientMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0xFE)

    public static func run(_ options: SimulateOptions) -> CommandResult {
        var (loaded, diagnostics) = ChainFile.load(path: options.config)
        if !options.steering.isEmpty, loaded != nil, let text = try? String(contentsOfFile: options.config, encoding: .utf8) {
            let rules = options.steering.enumerated().map { SteeringRuleText(source: "steer:\($0.offset + 1)", text: $0.element) }
            (loaded, diagnostics) = ChainFile.parse(text: text, file: options.config, steering: rules)
        }
        guard let config = loaded else {
            return CommandResult(stderr: diagnostics.map(\.rendered).joined(separator: "\n"), exitCode: 1)
        }
        let tables = ForwardingTables(config)
        let spec: PacketSpec, ingress: Int, origin: String
        do {
            if let chain = options.chain {
                let choice = try PacketForChain.build(chain: chain, tables: tables)
                (spec, ingress, origin) = (choice.spec, choice.ingress, "built from rule '\(choice.rule)' of chain '\(chain)'")
            } else {
                guard let portName = options.ingress, let port = config.portIndex(named: portName) else {
                    let known = config.ports.map(\.name).joined(separator: ", ")
                    let given = Diagnostic.escaped(options.ingress ?? "")
                    return CommandResult(stderr: "unknown ingress port '\(given)' (ports: \(known))", exitCode: 1)
                }
                spec = try PacketSpec(parsing: options.packet ?? "")
                (ingress, origin) = (port, "given")
            }
        } catch {
            return CommandResult(stderr: "\(error)", exitCode: 1)
        }
        let frame = PacketBuilder.frame(source: clientMAC, destination: config.ports[ingress].mac,
                                        endpoints: spec.endpoints, transport: spec.transport, dscp: spec.dscp)
        let result = Simulator(tables: tables).run(frame: frame, ingress: ingress)

        var stderr = ""
        if let directory = options.pcapDirectory {
            do { try writePcaps(result, to: directory) } catch { stderr = "could not write pcaps to \(directory): \(error)" }
        }
        let stdout = options.json ? json(result) : text(result, spec: spec, origin: origin, node: config.node.name)
        return CommandResult(stdout: stdout, stderr: stderr, exitCode: stderr.isEmpty ? 0 : 1)
    }

    static func text(_ r: SimulationResult, spec: PacketSpec, origin: String, node: String) -> String {
        var lines = ["\(spec.description) enters \(node) on port \(r.ingressPort) (\(origin))"]
        for (index, hop) in r.hops.enumerated() {
            let out = hop.egressPort.map { " -> \($0)" } ?? ""
            lines.append(String(format: "%3d. %@ [%@]%@", index + 1, hop.node, hop.behavior, out))
            lines.append("       before: \(hop.before.text)")
            if !hop.frame.isEmpty { lines.append("       after:  \(hop.after.text)") }
        }
        if r.delivered {
            lines.append("verdict: delivered to \(r.deliveredTo ?? "?")")
        } else if let reason = r.dropReason {
            lines.append("verdict: dropped (\(reason.name): \(reason.explanation))")
        } else {
            lines.append("verdict: dropped (\(r.note ?? "unknown"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ r: SimulationResult) -> String {
        var object: [String: Any] = ["verdict": r.delivered ? "delivered" : "dropped"]
        if let reason = r.dropReason { object["drop_reason"] = reason.name }
        else if !r.delivered { object["drop_reason"] = "simulation-stopped"; object["note"] = r.note ?? "" }
        if let to = r.deliveredTo { object["delivered_to"] = to }
        object["ingress_port"] = r.ingressPort
        object["hops"] = r.hops.map { hop -> [String: Any] in
            var h = (hop.frame.isEmpty ? hop.before : hop.after).fields
            h["node"] = hop.node
            h["behavior"] = hop.behavior
            if let port = hop.egressPort { h["egress_port"] = port }
            return h
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// 00-ingress-PORT.pcap, then NN-NODE.pcap per hop, in order.
    static func writePcaps(_ r: SimulationResult, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func safe(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }) }
        var files: [(String, [UInt8])] = [("00-ingress-\(safe(r.ingressPort))", r.input)]
        for (index, hop) in r.hops.enumerated() where !hop.frame.isEmpty {
            files.append((String(format: "%02d-%@", index + 1, safe(hop.node)), hop.frame))
        }
        for (index, (name, bytes)) in files.enumerated() {
            var writer = try PcapWriter(path: directory + "/" + name + ".pcap")
            try writer.write(bytes, timestampNanoseconds: UInt64(index) * 1_000_000)
            writer.close()
        }
    }
}
