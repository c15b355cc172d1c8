// Finds rules that can never match because an earlier rule (in precedence
// order) matches everything they match.
//
// Comparing all pairs is quadratic, too slow for 100,000 rules. Instead rules
// are grouped by "shape": family, the two prefix lengths, and which of the
// other fields are set (ports as any / one port / a range). A rule A can only
// cover B if A's shape is at least as general as B's; then A covers B exactly
// when B, masked down to A's shape, has A's key. So for each B we probe one
// dictionary per more-general shape seen so far. Real rule sets have a
// handful of shapes. Only genuine port ranges (not single ports) need a scan
// of the rules under one key.
import SFCCore

enum RuleShadowing {
    /// For each rule (same indices as the input, which is in precedence
    /// order), the index of an earlier rule that covers it, or nil.
    static func coveringRules(_ rules: [ClassifierRule]) -> [Int?] {
        var result = [Int?](repeating: nil, count: rules.count)
        var tables: [Shape: [Key: Bucket]] = [:]
        var shapes: [Shape] = []
        for (index, rule) in rules.enumerated() {
            let shape = Shape(rule)
            search: for general in shapes where general.isAtLeastAsGeneral(as: shape) {
                guard let bucket = tables[general]?[Key(rule, maskedTo: general)] else { continue }
                if !general.hasPortRange {
                    result[index] = bucket.first
                    break search
                }
                for candidate in bucket.ranges
                where candidate.source.covers(rule.sourcePorts) && candidate.destination.covers(rule.destinationPorts) {
                    result[index] = candidate.index
                    break search
                }
            }
            // A covered rule adds nothing: whatever it would cover, its
            // coverer already does.
            guard result[index] == nil else { continue }
            let key = Key(rule, maskedTo: shape)
            if tables[shape] == nil { tables[shape] = [:]; shapes.append(shape) }
            let entry = Bucket.Ranges(source: rule.sourcePorts, destination: rule.destinationPorts, index: index)
            if tables[shape]?[key] == nil {
                tables[shape]?[key] = Bucket(first: index, ranges: shape.hasPortRange ? [entry] : [])
            } else if shape.hasPortRange {
                tables[shape]?[key]?.ranges.append(entry)
            }
        }
        return result
    }

    enum PortKind: UInt8, Hashable {
        case any, single, range

        init(_ r: ClosedRange<UInt16>) {
            self = r == 0...65535 ? .any : (r.lowerBound == r.upperBound ? .single : .range)
        }

        /// Can a field of this kind contain one of kind `other`?
        func canContain(_ other: PortKind) -> Bool {
            switch self {
            case .any: return true
            case .single: return other == .single
            case .range: return other != .any
            }
        }
    }

    struct Shape: Hashable {
        var family: ClassifierRule.Family
        var sourceLength: Int
        var destinationLength: Int
        var proto: Bool
        var sourcePorts: PortKind
        var destinationPorts: PortKind
        var dscp: Bool
        var ingress: Bool

        init(_ r: ClassifierRule) {
            family = r.family
            sourceLength = r.family == .ipv4 ? r.source4.length : r.source6.length
            destinationLength = r.family == .ipv4 ? r.destination4.length : r.destination6.length
            proto = r.proto != nil
            sourcePorts = PortKind(r.sourcePorts)
            destinationPorts = PortKind(r.destinationPorts)
            dscp = r.dscp != nil
            ingress = r.ingress != nil
        }

        var hasPortRange: Bool { sourcePorts == .range || destinationPorts == .range }

        func isAtLeastAsGeneral(as b: Shape) -> Bool {
            family == b.family && sourceLength <= b.sourceLength && destinationLength <= b.destinationLength
                && (!proto || b.proto) && (!dscp || b.dscp) && (!ingress || b.ingress)
                && sourcePorts.canContain(b.sourcePorts) && destinationPorts.canContain(b.destinationPorts)
        }
    }

    /// A rule's match fields reduced to a shape: prefixes masked to the
    /// shape's lengths, fields the shape leaves unset as -1; port ranges are
    /// left to the bucket scan.
    struct Key: Hashable {
        var sourceHi: UInt64, sourceLo: UInt64
        var destinationHi: UInt64, destinationLo: UInt64
        var proto: Int16
        var sourcePort: Int32
        var destinationPort: Int32
        var dscp: Int16
        var ingress: Int

        init(_ r: ClassifierRule, maskedTo s: Shape) {
            if r.family == .ipv4 {
                sourceHi = UInt64(r.source4.address.raw & IPv4Prefix.mask(s.sourceLength)); sourceLo = 0
                destinationHi = UInt64(r.destination4.address.raw & IPv4Prefix.mask(s.destinationLength)); destinationLo = 0
            } else {
                let (sh, sl) = IPv6Prefix.mask(s.sourceLength)
                let (dh, dl) = IPv6Prefix.mask(s.destinationLength)
                sourceHi = r.source6.address.hi & sh; sourceLo = r.source6.address.lo & sl
                destinationHi = r.destination6.address.hi & dh; destinationLo = r.destination6.address.lo & dl
            }
            proto = s.proto ? Int16(r.proto ?? 0) : -1
            sourcePort = s.sourcePorts == .single ? Int32(r.sourcePorts.lowerBound) : -1
            destinationPort = s.destinationPorts == .single ? Int32(r.destinationPorts.lowerBound) : -1
            dscp = s.dscp ? Int16(r.dscp ?? 0) : -1
            ingress = s.ingress ? (r.ingress ?? -1) : -2
        }
    }

    struct Bucket {
        struct Ranges { var source: ClosedRange<UInt16>; var destination: ClosedRange<UInt16>; var index: Int }
        /// The earliest rule with this key.
        var first: Int
        /// For shapes with a port range: every uncovered rule under the key, in order.
        var ranges: [Ranges]
    }
}

extension ClosedRange where Bound == UInt16 {
    func covers(_ other: ClosedRange<UInt16>) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }
}
