// First-match-by-precedence classification without a linear scan.
//
// Tuple space search: rules are grouped by shape (prefix lengths and which
// fields they set). Each shape owns an open-addressing hash table from the
// masked key to the rules with that key, best first. A lookup masks the
// packet's fields per shape and probes; shapes are visited in order of the
// best rule they hold, so the search stops as soon as no remaining shape
// can beat the match in hand. Port ranges that are not a single value are
// left out of the key and checked on the few candidates a probe returns.
//
// The tuples, in search order, and each key's candidates are also the
// records the XDP classifier is loaded with (`tupleRecords`): one grouping,
// read by every dataplane.

public struct Classifier: Sendable {
    /// One tuple, as plain values: the lookup reads only these and the flat
    /// slot arrays below (no per-tuple arrays to retain, masks precomputed).
    struct Tuple: Sendable {
        var shape: RuleShape
        var bestRule: Int32
        var sourceMask: (UInt64, UInt64)
        var destinationMask: (UInt64, UInt64)
        /// This tuple's slots are `slotBase ..< slotBase + slotMask + 1` (a power of two).
        var slotBase: Int
        var slotMask: Int
        /// TupleKey.selection of the shape's scalar fields.
        var scalarMask: UInt64
        var scalarPresence: UInt64
        /// A port range is checked on the candidates.
        var ranged: Bool
    }

    public let rules: [ClassifierRule]
    let tuples: [Tuple]
    /// Open addressing for every tuple, back to back; `slotKeys[i]` is valid
    /// when `slotStart[i] >= 0`.
    let slotKeys: [TupleKey]
    let slotStart: [Int32]
    let slotCount: [Int32]
    /// Rule indices grouped by (tuple, key), best first; slots point into it.
    let candidates: [Int32]

    public init(rules: [ClassifierRule]) {
        self.rules = rules
        var byShape: [RuleShape: [TupleKey: [Int32]]] = [:]
        var shapeOrder: [RuleShape] = []
        for (index, rule) in rules.enumerated() {
            let shape = RuleShape(rule)
            if byShape[shape] == nil { byShape[shape] = [:]; shapeOrder.append(shape) }
            byShape[shape]![Classifier.key(of: rule, shape: shape), default: []].append(Int32(index))
        }
        // Best tuple first, so the search can stop early.
        let ordered = shapeOrder.map { shape in (shape, byShape[shape]!.values.map { $0[0] }.min() ?? Int32.max) }
            .sorted { $0.1 < $1.1 }
        var tuples: [Tuple] = []
        var slotKeys: [TupleKey] = [], slotStart: [Int32] = [], slotCount: [Int32] = []
        var candidates: [Int32] = []
        for (shape, best) in ordered {
            let groups = byShape[shape]!
            var size = 16
            while size < groups.count * 2 { size <<= 1 }
            let base = slotKeys.count
            slotKeys += Array(repeating: TupleKey(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0), count: size)
            slotStart += Array(repeating: -1, count: size)
            slotCount += Array(repeating: 0, count: size)
            let ranged = shape.sourcePort == .range || shape.destinationPort == .range
            for (key, all) in groups {
                // Only rules that can be a key's first match are kept: without
                // a port range the first rule always wins; with one, a rule an
                // earlier rule covers on both ranges never does.
                let list = ranged ? Classifier.unshadowed(all, rules) : [all[0]]
                var slot = Int(key.hashValue32) & (size - 1)
                while slotStart[base + slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slotKeys[base + slot] = key
                slotStart[base + slot] = Int32(candidates.count)
                slotCount[base + slot] = Int32(list.count)
                candidates.append(contentsOf: list)  // already ascending: rules are in precedence order
            }
            let masks = shape.masks
            let scalars = TupleKey.selection(proto: shape.proto, dscp: shape.dscp, ingress: shape.ingress,
                                             sourcePort: shape.sourcePort == .exact, destinationPort: shape.destinationPort == .exact)
            tuples.append(Tuple(shape: shape, bestRule: best, sourceMask: masks.src, destinationMask: masks.dst,
                                slotBase: base, slotMask: size - 1, scalarMask: scalars.mask, scalarPresence: scalars.presence,
                                ranged: ranged))
        }
        self.tuples = tuples
        self.slotKeys = slotKeys
        self.slotStart = slotStart
        self.slotCount = slotCount
        self.candidates = candidates
    }

    /// Drops the rules an earlier rule of the same key covers on both port
    /// ranges (`indices` ascending).
    static func unshadowed(_ indices: [Int32], _ rules: [ClassifierRule]) -> [Int32] {
        var kept: [Int32] = []
        for index in indices {
            let r = rules[Int(index)]
            let covered = kept.contains { k in
                let e = rules[Int(k)]
                return e.sourcePorts.lowerBound <= r.sourcePorts.lowerBound && e.sourcePorts.upperBound >= r.sourcePorts.upperBound
                    && e.destinationPorts.lowerBound <= r.destinationPorts.lowerBound
                    && e.destinationPorts.upperBound >= r.destinationPorts.upperBound
            }
            if !covered { kept.append(index) }
        }
        return kept
    }

    /// One tuple as a record for a dataplane to load: its shape, its best
    /// rule, and per distinct key the candidate rule indices, best first
    /// (any candidate's fields masked by `shape` give the key).
    public struct TupleRecord: Sendable {
        public let shape: RuleShape
        public let bestRule: Int
        public let keys: [[Int]]
    }

    /// The tuples in search order (best rule first).
    public var tupleRecords: [TupleRecord] {
        tuples.map { t in
            var keys: [[Int]] = []
            for slot in t.slotBase...(t.slotBase + t.slotMask) where slotStart[slot] >= 0 {
                let start = Int(slotStart[slot])
                keys.append(candidates[start..<(start + Int(slotCount[slot]))].map { Int($0) })
            }
            return TupleRecord(shape: t.shape, bestRule: Int(t.bestRule), keys: keys)
        }
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
        let scalars = TupleKey.packed(proto: f.proto, dscp: f.dscp, ingress: f.ingress, sourcePort: f.sourcePort,
                                      destinationPort: f.destinationPort)
        for t in 0..<tuples.count {
            if tuples[t].bestRule >= best { break }
            if tuples[t].shape.family != f.family { continue }
            let sm = tuples[t].sourceMask, dm = tuples[t].destinationMask
            let key = TupleKey(
                w0: f.source.hi & sm.0, w1: f.source.lo & sm.1,
                w2: f.destination.hi & dm.0, w3: f.destination.lo & dm.1,
                w4: scalars & tuples[t].scalarMask | tuples[t].scalarPresence)
            let base = tuples[t].slotBase, mask = tuples[t].slotMask
            var slot = Int(key.hashValue32) & mask
            while slotStart[base &+ slot] >= 0 {
                if slotKeys[base &+ slot] == key {
                    let start = Int(slotStart[base &+ slot])
                    for c in start..<(start &+ Int(slotCount[base &+ slot])) {
                        let index = candidates[c]
                        if index >= best { break }
                        if tuples[t].ranged {
                            if !rules[Int(index)].sourcePorts.contains(f.sourcePort)
                                || !rules[Int(index)].destinationPorts.contains(f.destinationPort) {
                                continue
                            }
                        }
                        best = index
                        break
                    }
                    break
                }
                slot = (slot &+ 1) & mask
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
