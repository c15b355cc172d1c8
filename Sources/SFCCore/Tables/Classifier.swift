// First-match-by-precedence classification without a linear scan.
//
// Tuple space search: rules are grouped by shape (prefix lengths and which
// fields they set). Each shape owns an open-addressing hash table from the
// masked key to the rules with that key, best first. A lookup masks the
// packet's fields per shape and probes; shapes are visited in order of the
// best rule they hold, so the search stops as soon as no remaining shape
// can beat the match in hand. Port ranges that are not a single value are
// left out of the key and checked on the few candidates a probe returns.

public struct Classifier: Sendable {
    struct Tuple: Sendable {
        var shape: RuleShape
        var bestRule: Int32
        /// Open addressing, power-of-two sized; `slotKeys[i]` valid when `slotStart[i] >= 0`.
        var slotKeys: [TupleKey]
        var slotStart: [Int32]
        var slotCount: [Int32]
        var mask: Int
    }

    public let rules: [ClassifierRule]
    var tuples: [Tuple]
    /// Rule indices grouped by (tuple, key), best first; tuples point into it.
    var candidates: [Int32]

    public init(rules: [ClassifierRule]) {
        self.rules = rules
        var byShape: [RuleShape: [TupleKey: [Int32]]] = [:]
        var shapeOrder: [RuleShape] = []
        for (index, rule) in rules.enumerated() {
            let shape = RuleShape(rule)
            if byShape[shape] == nil { byShape[shape] = [:]; shapeOrder.append(shape) }
            byShape[shape]![Classifier.key(of: rule, shape: shape), default: []].append(Int32(index))
        }
        var tuples: [Tuple] = []
        var candidates: [Int32] = []
        for shape in shapeOrder {
            let groups = byShape[shape]!
            var size = 16
            while size < groups.count * 2 { size <<= 1 }
            var tuple = Tuple(shape: shape, bestRule: Int32.max,
                              slotKeys: Array(repeating: TupleKey(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0), count: size),
                              slotStart: Array(repeating: -1, count: size),
                              slotCount: Array(repeating: 0, count: size), mask: size - 1)
            for (key, list) in groups {
                var slot = Int(key.hashValue32) & tuple.mask
                while tuple.slotStart[slot] >= 0 { slot = (slot + 1) & tuple.mask }
                tuple.slotKeys[slot] = key
                tuple.slotStart[slot] = Int32(candidates.count)
                tuple.slotCount[slot] = Int32(list.count)
                candidates.append(contentsOf: list)  // already ascending: rules are in precedence order
                tuple.bestRule = min(tuple.bestRule, list[0])
            }
            tuples.append(tuple)
        }
        tuples.sort { $0.bestRule < $1.bestRule }
        self.tuples = tuples
        self.candidates = candidates
    }

    /// The rule's fields reduced to `shape`: prefixes masked to its lengths,
    /// only the fields it sets, ports only where it matches one value.
    public static func key(of rule: ClassifierRule, shape: RuleShape) -> TupleKey {
        let src: IPv6Address, dst: IPv6Address
        if rule.family == .ipv4 {
            src = IPv6Address(hi: 0, lo: UInt64(rule.source4.address.raw))
            dst = IPv6Address(hi: 0, lo: UInt64(rule.destination4.address.raw))
        } else {
            src = rule.source6.address
            dst = rule.destination6.address
        }
        let m = shape.masks
        return TupleKey(w0: src.hi & m.src.0, w1: src.lo & m.src.1, w2: dst.hi & m.dst.0, w3: dst.lo & m.dst.1,
                        w4: TupleKey.scalars(proto: shape.proto ? rule.proto : nil, dscp: shape.dscp ? rule.dscp : nil,
                                             ingress: shape.ingress ? rule.ingress.map { UInt16(truncatingIfNeeded: $0) } : nil,
                                             sourcePort: shape.sourcePort == .exact ? rule.sourcePorts.lowerBound : nil,
                                             destinationPort: shape.destinationPort == .exact ? rule.destinationPorts.lowerBound : nil))
    }

    /// The index (into `rules`) of the first rule that matches, or nil.
    public func lookup(_ f: FlowFields) -> Int? {
        var best = Int32.max
        for t in tuples.indices {
            let tuple = tuples[t]
            if tuple.bestRule >= best { break }
            let shape = tuple.shape
            if shape.family != f.family { continue }
            let m = shape.masks
            let key = TupleKey(
                w0: f.source.hi & m.src.0, w1: f.source.lo & m.src.1,
                w2: f.destination.hi & m.dst.0, w3: f.destination.lo & m.dst.1,
                w4: TupleKey.scalars(proto: shape.proto ? f.proto : nil, dscp: shape.dscp ? f.dscp : nil,
                                     ingress: shape.ingress ? f.ingress : nil,
                                     sourcePort: shape.sourcePort == .exact ? f.sourcePort : nil,
                                     destinationPort: shape.destinationPort == .exact ? f.destinationPort : nil))
            var slot = Int(key.hashValue32) & tuple.mask
            while tuple.slotStart[slot] >= 0 {
                if tuple.slotKeys[slot] == key {
                    let start = Int(tuple.slotStart[slot])
                    for c in start..<(start + Int(tuple.slotCount[slot])) {
                        let index = candidates[c]
                        if index >= best { break }
                        let rule = rules[Int(index)]
                        if shape.sourcePort == .range && !rule.sourcePorts.contains(f.sourcePort) { continue }
                        if shape.destinationPort == .range && !rule.destinationPorts.contains(f.destinationPort) { continue }
                        best = index
                        break
                    }
                    break
                }
                slot = (slot + 1) & tuple.mask
            }
        }
        return best == Int32.max ? nil : Int(best)
    }

    /// The reference answer: a linear scan. Tests compare it with `lookup`.
    public func linearLookup(_ f: FlowFields) -> Int? {
        rules.firstIndex { Classifier.matches($0, f) }
    }

    public static func matches(_ rule: ClassifierRule, _ f: FlowFields) -> Bool {
        guard rule.family == f.family else { return false }
        if rule.family == .ipv4 {
            guard rule.source4.contains(IPv4Address(raw: UInt32(truncatingIfNeeded: f.source.lo))),
                  rule.destination4.contains(IPv4Address(raw: UInt32(truncatingIfNeeded: f.destination.lo))) else { return false }
        } else {
            guard rule.source6.contains(f.source), rule.destination6.contains(f.destination) else { return false }
        }
        if let p = rule.proto, p != f.proto { return false }
        if let d = rule.dscp, d != f.dscp { return false }
        if let i = rule.ingress, i != Int(f.ingress) { return false }
        return rule.sourcePorts.contains(f.sourcePort) && rule.destinationPorts.contains(f.destinationPort)
    }
}
