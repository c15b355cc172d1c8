// The fields the classifier matches on, extracted once per packet, and the
// masked form of them that indexes one tuple's hash table.

/// What the classifier reads from a packet. IPv4 addresses sit in the low
/// 32 bits of `lo` with `hi` == 0.
public struct FlowFields: Sendable, Equatable {
    public var family: ClassifierRule.Family
    public var source: IPv6Address
    public var destination: IPv6Address
    public var proto: UInt8
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var dscp: UInt8
    public var ingress: UInt16

    public init(family: ClassifierRule.Family, source: IPv6Address, destination: IPv6Address, proto: UInt8,
                sourcePort: UInt16, destinationPort: UInt16, dscp: UInt8, ingress: UInt16) {
        self.family = family; self.source = source; self.destination = destination; self.proto = proto
        self.sourcePort = sourcePort; self.destinationPort = destinationPort; self.dscp = dscp; self.ingress = ingress
    }

    public init(ipv4 source: IPv4Address, _ destination: IPv4Address, proto: UInt8, sourcePort: UInt16,
                destinationPort: UInt16, dscp: UInt8, ingress: UInt16) {
        self.init(family: .ipv4, source: IPv6Address(hi: 0, lo: UInt64(source.raw)),
                  destination: IPv6Address(hi: 0, lo: UInt64(destination.raw)), proto: proto,
                  sourcePort: sourcePort, destinationPort: destinationPort, dscp: dscp, ingress: ingress)
    }
}

/// A port field of a rule: not matched, one value (part of the hash key), or
/// a range (checked on the candidates the hash finds).
public enum PortMatch: Hashable, Sendable {
    case any, exact, range
    public init(_ range: ClosedRange<UInt16>) {
        if range == 0...65535 { self = .any } else if range.lowerBound == range.upperBound { self = .exact } else { self = .range }
    }
}

/// A tuple of the tuple space: which fields a group of rules sets, and how.
/// The config layer's shadowing analysis groups rules the same way.
public struct RuleShape: Hashable, Sendable {
    public var family: ClassifierRule.Family
    public var sourceLength: Int
    public var destinationLength: Int
    public var proto: Bool
    public var dscp: Bool
    public var ingress: Bool
    public var sourcePort: PortMatch
    public var destinationPort: PortMatch

    public init(_ rule: ClassifierRule) {
        family = rule.family
        sourceLength = rule.family == .ipv4 ? rule.source4.length : rule.source6.length
        destinationLength = rule.family == .ipv4 ? rule.destination4.length : rule.destination6.length
        proto = rule.proto != nil
        dscp = rule.dscp != nil
        ingress = rule.ingress != nil
        sourcePort = PortMatch(rule.sourcePorts)
        destinationPort = PortMatch(rule.destinationPorts)
    }

    /// Address masks in the FlowFields layout (IPv4 in the low 32 bits).
    var masks: (src: (UInt64, UInt64), dst: (UInt64, UInt64)) {
        if family == .ipv4 {
            return ((0, UInt64(IPv4Prefix.mask(sourceLength))), (0, UInt64(IPv4Prefix.mask(destinationLength))))
        }
        return (IPv6Prefix.mask(sourceLength), IPv6Prefix.mask(destinationLength))
    }
}

/// Five words: masked source, masked destination, then the scalar fields.
public struct TupleKey: Hashable, Sendable {
    var w0, w1, w2, w3, w4: UInt64

    @inline(__always)
    static func scalars(proto: UInt8?, dscp: UInt8?, ingress: UInt16?, sourcePort: UInt16?, destinationPort: UInt16?) -> UInt64 {
        let s = selection(proto: proto != nil, dscp: dscp != nil, ingress: ingress != nil, sourcePort: sourcePort != nil,
                          destinationPort: destinationPort != nil)
        return packed(proto: proto ?? 0, dscp: dscp ?? 0, ingress: ingress ?? 0, sourcePort: sourcePort ?? 0,
                      destinationPort: destinationPort ?? 0) & s.mask | s.presence
    }

    /// Every scalar field in its place. Layout: proto 0-7, dscp 8-13,
    /// ingress 14-24, sport 25-40, dport 41-56, one presence bit per field
    /// in 59-63 so "unset" differs from 0.
    @inline(__always)
    static func packed(proto: UInt8, dscp: UInt8, ingress: UInt16, sourcePort: UInt16, destinationPort: UInt16) -> UInt64 {
        UInt64(proto) | UInt64(dscp & 0x3F) << 8 | UInt64(ingress & 0x7FF) << 14 | UInt64(sourcePort) << 25
            | UInt64(destinationPort) << 41
    }

    /// The bits of `packed` the chosen fields occupy, and their presence
    /// bits: a tuple's scalar word is `packed & mask | presence`, so a lookup
    /// packs a packet's fields once and masks them per tuple, without a
    /// branch per field.
    static func selection(proto: Bool, dscp: Bool, ingress: Bool, sourcePort: Bool,
                          destinationPort: Bool) -> (mask: UInt64, presence: UInt64) {
        var mask: UInt64 = 0, presence: UInt64 = 0
        if proto { mask |= 0xFF; presence |= 1 << 63 }
        if dscp { mask |= 0x3F << 8; presence |= 1 << 62 }
        if ingress { mask |= 0x7FF << 14; presence |= 1 << 61 }
        if sourcePort { mask |= 0xFFFF << 25; presence |= 1 << 60 }
        if destinationPort { mask |= 0xFFFF << 41; presence |= 1 << 59 }
        return (mask, presence)
    }

    /// For the tuple tables only (not shared with other dataplanes): a
    /// multiply-xor chain, a few instructions per word.
    @inline(__always)
    var hashValue32: UInt32 {
        var h = (w0 ^ 0x5FC0_5FC0) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ h >> 29 ^ w1) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ h >> 29 ^ w2) &* 0x94D0_49BB_1331_11EB
        h = (h ^ h >> 29 ^ w3) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ h >> 29 ^ w4) &* 0xBF58_476D_1CE4_E5B9
        return UInt32(truncatingIfNeeded: (h ^ h >> 32) >> 7)
    }
}
