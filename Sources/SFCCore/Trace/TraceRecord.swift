// One packet a live trace followed, as the running dataplane saw it: where
// it came in and the frame as it arrived, what the dataplane decided (chain,
// instance, verdict, drop reason, egress port) and the frame as it left.
// Both dataplanes produce these (DPDK from the lcore loop, XDP from a BPF
// ring buffer); the daemon serves them to `chain-trace live`.

public struct TraceRecord: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable { case forward, drop, pass }

    /// How many bytes of each frame a record keeps (headers, not payload).
    public static let frameBytes = 256

    /// Per trace session, from 0.
    public var sequence: UInt64
    /// The table generation that handled the packet.
    public var generation: UInt64
    public var ingress: Int
    /// The first `frameBytes` bytes as the packet arrived.
    public var ingressFrame: [UInt8]
    /// The arriving frame's full length.
    public var ingressLength: Int
    public var verdict: Verdict
    public var dropReason: DropReason?
    /// Chain index in the generation's tables, when the packet was on one.
    public var chain: Int?
    /// Instance (index within its function's instances) chosen, when one was.
    public var function: Int?
    public var instance: Int?
    /// Where it left, and the first `frameBytes` bytes as it left.
    public var egress: Int?
    public var egressFrame: [UInt8]
    public var egressLength: Int
    /// The steps the dataplane recorded for the packet (its PacketMeta
    /// trace), when it keeps them; nil: not recorded.
    public var steps: [Step]? = nil

    public init(sequence: UInt64, generation: UInt64, ingress: Int, ingressFrame: [UInt8], ingressLength: Int,
                verdict: Verdict, dropReason: DropReason? = nil, chain: Int? = nil, function: Int? = nil, instance: Int? = nil,
                egress: Int? = nil, egressFrame: [UInt8] = [], egressLength: Int = 0) {
        self.sequence = sequence; self.generation = generation; self.ingress = ingress
        self.ingressFrame = ingressFrame; self.ingressLength = ingressLength; self.verdict = verdict
        self.dropReason = dropReason; self.chain = chain; self.function = function; self.instance = instance
        self.egress = egress; self.egressFrame = egressFrame; self.egressLength = egressLength
    }
}
