// Walks one packet through the whole path: the forwarder's pipeline, then
// the function it reached (emulated), back to the forwarder, and so on until
// the packet is delivered, leaves for another SFF, or is dropped.
import SFCCore

public struct SimulatedHop: Sendable {
    public var node: String
    public var behavior: String
    /// Port the hop sent the packet out of (forwarder hops), or the port it
    /// came back on (function hops).
    public var egressPort: String?
    public var before: HeaderSummary
    public var after: HeaderSummary
    public var frame: [UInt8]
}

public struct SimulationResult: Sendable {
    public var delivered: Bool
    public var dropReason: DropReason?
    /// Why the walk stopped when it did not end in a drop or a delivery.
    public var note: String?
    public var input: [UInt8]
    public var ingressPort: String
    public var hops: [SimulatedHop]
    /// Where it was delivered: "port servers", "remote SFF edge-2".
    public var deliveredTo: String?
}

public struct Simulator {
    public let tables: ForwardingTables
    static let maxSteps = 64

    public init(tables: ForwardingTables) { self.tables = tables }

    public func run(frame input: [UInt8], ingress: Int) -> SimulationResult {
        let config = tables.config
        let pipeline = Pipeline(tables: tables)
        let emulator = FunctionEmulator(config: config)
        var result = SimulationResult(delivered: false, input: input, ingressPort: config.ports[ingress].name, hops: [])
        var frame = input, port = ingress
        for _ in 0..<Simulator.maxSteps {
            let before = HeaderSummary(frame: frame)
            let (meta, out) = pipeline.process(frame, ingress: port)
            let steps = meta.trace.all.map(\.description).joined(separator: ", ")
            if meta.verdict != .forward {
                result.hops.append(SimulatedHop(node: config.node.name, behavior: steps.isEmpty ? "drop" : steps + ", drop",
                                                egressPort: nil, before: before, after: before, frame: []))
                result.dropReason = meta.dropReason
                return result
            }
            let egress = Int(meta.egressPort)
            result.hops.append(SimulatedHop(node: config.node.name, behavior: steps, egressPort: config.ports[egress].name,
                                            before: before, after: HeaderSummary(frame: out), frame: out))
            guard let target = emulator.target(of: out, egressPort: egress) else {
                result.delivered = true
                if let peer = config.peers.first(where: { $0.port == egress && out.count >= 6 && MACAddress(out[0], out[1], out[2], out[3], out[4], out[5]) == $0.mac }) {
                    result.deliveredTo = "remote SFF \(peer.name) (\(peer.address)) over VXLAN-GPE"
                } else {
                    result.deliveredTo = "port \(config.ports[egress].name)"
                }
                return result
            }
            let instance = config.functions[target.function].instances[target.instance]
            switch emulator.respond(target, frame: out, egressPort: egress) {
            case .failure(let error):
                result.note = error.description
                return result
            case .success(let back):
                result.hops.append(SimulatedHop(node: instance.name, behavior: back.behavior,
                                                egressPort: config.ports[back.ingress].name, before: HeaderSummary(frame: out),
                                                after: HeaderSummary(frame: back.frame), frame: back.frame))
                frame = back.frame
                port = back.ingress
            }
        }
        result.note = "stopped after \(Simulator.maxSteps) steps: the path loops"
        return result
    }
}
