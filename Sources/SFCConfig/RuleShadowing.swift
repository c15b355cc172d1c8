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
        var tables: [RuleShape: [TupleKey: Bucket]] = [:]
        var shapes: [RuleShape] = []
        for (index, rule) in rules.enumerated() {
            let shape = RuleShape(rule)
            search: for general in shapes where general.isAtLeastAsGeneral(as: shape) {
                // B masked down to A's shape: the classifier's own key function.
                guard let bucket = tables[general]?[Classifier.key(of: rule, shape: general)] else { continue }
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
            let key = Classifier.key(of: rule, shape: shape)
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

    struct Bucket {
        struct Ranges { var source: ClosedRange<UInt16>; var destination: ClosedRange<UInt16>; var index: Int }
        /// The earliest rule with this key.
        var first: Int
        /// For shapes with a port range: every uncovered rule under the key, in order.
        var ranges: [Ranges]
    }
}

/// The partial order the analysis needs on top of the classifier's shapes.
extension PortMatch {
    /// Can a field of this kind contain one of kind `other`?
    func canContain(_ other: PortMatch) -> Bool {
        switch self {
        case .any: return true
        case .exact: return other == .exact
        case .range: return other != .any
        }
    }
}

extension RuleShape {
    var hasPortRange: Bool { sourcePort == .range || destinationPort == .range }

    func isAtLeastAsGeneral(as b: RuleShape) -> Bool {
        family == b.family && sourceLength <= b.sourceLength && destinationLength <= b.destinationLength
            && (!proto || b.proto) && (!dscp || b.dscp) && (!ingress || b.ingress)
            && sourcePort.canContain(b.sourcePort) && destinationPort.canContain(b.destinationPort)
    }
}

extension ClosedRange where Bound == UInt16 {
    func covers(_ other: ClosedRange<UInt16>) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }
}
