// What a chain file says about a function's liveness (its `health:` key)
// and how long a flow keeps the instance it chose (`affinity-idle:`).
// The daemon probes (SFCDaemon/Liveness); the dataplanes only
// read the outcome as table data (docs/PIPELINE.md "Instance choice").

/// What a function does for a packet when none of its instances is up.
public enum FailMode: String, Sendable, Equatable, CaseIterable {
    /// Drop, counted as `instance-down` (the default: a firewall that is
    /// gone must not be skipped).
    case closed
    /// Skip the hop, doing for the packet what the function would (NSH:
    /// SI - 1, RFC 8300 s2.2; an SR proxy SID: End, the next segment),
    /// counted as the `hop-bypassed` event.
    case open

    public var wireCode: UInt32 { self == .open ? UInt32(SharedSpec.SFC_FAIL_OPEN) : UInt32(SharedSpec.SFC_FAIL_CLOSED) }
}

/// A heartbeat packet's flow: what the daemon sends through an instance
/// (IPv4; the payload carries the probe's token and sequence).
public struct ProbeTuple: Sendable, Equatable {
    public var proto: UInt8
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public init(proto: UInt8, source: IPv4Address, destination: IPv4Address, sourcePort: UInt16 = 0, destinationPort: UInt16 = 0) {
        self.proto = proto; self.source = source; self.destination = destination
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
    }

    /// `icmp 198.18.0.1 -> 198.18.0.2`, `tcp 10.0.0.1:49152 -> 10.0.0.2:23`.
    public var text: String {
        let name = proto == IPProtocolNumber.tcp ? "tcp" : proto == IPProtocolNumber.udp ? "udp" : "icmp"
        guard proto != IPProtocolNumber.icmp else { return "\(name) \(source) -> \(destination)" }
        return "\(name) \(source):\(sourcePort) -> \(destination):\(destinationPort)"
    }

    /// ICMP echo from 198.18.0.1 to 198.18.0.2 (RFC 2544's benchmarking
    /// range): what an inline function that passes ping lets through.
    public static let defaultPositive = ProbeTuple(proto: IPProtocolNumber.icmp, source: IPv4Address(raw: 0xC612_0001),
                                                   destination: IPv4Address(raw: 0xC612_0002))
}

public struct HealthConfig: Sendable, Equatable {
    /// Time between two probes of one instance, in milliseconds (10...10000).
    public var intervalMilliseconds: Int
    /// Probes missed in a row before an instance is marked down.
    public var misses: Int
    /// Good probes in a row before a down instance is up again.
    public var rise: Int
    /// A heartbeat the function must pass.
    public var probe: ProbeTuple
    /// A heartbeat the function must drop (a firewall's negative heartbeat);
    /// seen back, the function has failed open and is marked down.
    public var negative: ProbeTuple?

    public init(intervalMilliseconds: Int = 100, misses: Int = 3, rise: Int = 3,
                probe: ProbeTuple = .defaultPositive, negative: ProbeTuple? = nil) {
        self.intervalMilliseconds = intervalMilliseconds; self.misses = misses; self.rise = rise
        self.probe = probe; self.negative = negative
    }
}
