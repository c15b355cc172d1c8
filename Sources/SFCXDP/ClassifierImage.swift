// The classifier's tuple space as the XDP program reads it: sfc_tuples in
// the order of the best rule each holds (the order SFCCore's Classifier
// searches), and per (tuple, masked key) the rules with that key, best
// first. Where a tuple matches a port range, the candidates are checked
// one by one, so up to SFC_CLASS_CANDIDATES are kept; elsewhere the first
// rule of a key always wins and only it is stored.
import CLibBPF
import SFCCore

struct ClassifierImage {
    var tuples: [sfc_tuple] = []
    var keys: [(sfc_class_key, sfc_class_value)] = []

    init(rules: [ClassifierRule]) throws {
        var shapes: [RuleShape] = []
        var members: [RuleShape: [Int]] = [:]
        for (index, rule) in rules.enumerated() {
            let shape = RuleShape(rule)
            if members[shape] == nil { shapes.append(shape) }
            members[shape, default: []].append(index)
        }
        // Rules are in precedence order, so a shape's best rule is its first.
        shapes.sort { members[$0]![0] < members[$1]![0] }
        guard shapes.count <= Int(SFC_MAX_TUPLES) else {
            throw XDPError(.configTooLarge, "the classifier rules have \(shapes.count) distinct shapes (prefix lengths and fields "
                           + "set); the XDP classifier holds at most \(SFC_MAX_TUPLES) (SFC_MAX_TUPLES)")
        }
        var total = 0
        for (t, shape) in shapes.enumerated() {
            tuples.append(Self.tuple(shape, bestRule: members[shape]![0]))
            var groups: [[UInt8]: (key: sfc_class_key, rules: [Int])] = [:]
            var order: [[UInt8]] = []
            for index in members[shape]! {
                let key = Self.key(rules[index], shape: shape, tuple: UInt32(t))
                let bytes = CBytes.of(key)
                if groups[bytes] == nil { order.append(bytes); groups[bytes] = (key, []) }
                groups[bytes]!.rules.append(index)
            }
            let ranged = shape.sourcePort == .range || shape.destinationPort == .range
            for bytes in order {
                let group = groups[bytes]!
                let kept = ranged ? Self.unshadowed(group.rules, rules) : [group.rules[0]]
                guard kept.count <= Int(SFC_CLASS_CANDIDATES) else {
                    let names = kept.map { rules[$0].name }.joined(separator: ", ")
                    throw XDPError(.configTooLarge, "\(kept.count) classifier rules share one key and differ only in port ranges "
                                   + "(\(names)); the XDP classifier checks at most \(SFC_CLASS_CANDIDATES) per key "
                                   + "(SFC_CLASS_CANDIDATES): merge or split their ranges")
                }
                keys.append((group.key, Self.value(kept, rules)))
            }
            total += order.count
        }
        guard total <= Int(SFC_MAX_CLASS_KEYS) else {
            throw XDPError(.configTooLarge, "the classifier needs \(total) keys; the XDP map holds \(SFC_MAX_CLASS_KEYS) (SFC_MAX_CLASS_KEYS)")
        }
    }

    /// Drops the rules an earlier rule of the same key covers on both port
    /// ranges: they can never be the first match.
    static func unshadowed(_ indices: [Int], _ rules: [ClassifierRule]) -> [Int] {
        var kept: [Int] = []
        for index in indices {
            let r = rules[index]
            let covered = kept.contains { k in
                let e = rules[k]
                return e.sourcePorts.lowerBound <= r.sourcePorts.lowerBound && e.sourcePorts.upperBound >= r.sourcePorts.upperBound
                    && e.destinationPorts.lowerBound <= r.destinationPorts.lowerBound
                    && e.destinationPorts.upperBound >= r.destinationPorts.upperBound
            }
            if !covered { kept.append(index) }
        }
        return kept
    }

    static func portMatch(_ m: PortMatch) -> UInt8 {
        switch m {
        case .any: return UInt8(SFC_PORTS_ANY.rawValue)
        case .exact: return UInt8(SFC_PORTS_EXACT.rawValue)
        case .range: return UInt8(SFC_PORTS_RANGE.rawValue)
        }
    }

    static func masks(_ shape: RuleShape) -> (source: [UInt8], destination: [UInt8]) {
        if shape.family == .ipv4 {
            return (CBytes.be32(IPv4Prefix.mask(shape.sourceLength)), CBytes.be32(IPv4Prefix.mask(shape.destinationLength)))
        }
        let s = IPv6Prefix.mask(shape.sourceLength), d = IPv6Prefix.mask(shape.destinationLength)
        return (CBytes.be64(s.0) + CBytes.be64(s.1), CBytes.be64(d.0) + CBytes.be64(d.1))
    }

    static func tuple(_ shape: RuleShape, bestRule: Int) -> sfc_tuple {
        var t = sfc_tuple()
        t.family = shape.family == .ipv4 ? 4 : 6
        t.best_rule = UInt32(bestRule)
        let m = masks(shape)
        CBytes.copy(m.source, into: &t.source_mask)
        CBytes.copy(m.destination, into: &t.destination_mask)
        t.proto = shape.proto ? 1 : 0
        t.dscp = shape.dscp ? 1 : 0
        t.ingress = shape.ingress ? 1 : 0
        t.source_ports = portMatch(shape.sourcePort)
        t.destination_ports = portMatch(shape.destinationPort)
        return t
    }

    /// The rule's fields reduced to its shape, in the layout the program
    /// builds from a packet (IPv4 in the first 4 bytes, ports big-endian).
    static func key(_ rule: ClassifierRule, shape: RuleShape, tuple: UInt32) -> sfc_class_key {
        var k = sfc_class_key()
        k.tuple = tuple
        if rule.family == .ipv4 {
            CBytes.copy(CBytes.ipv4(rule.source4.address), into: &k.source)
            CBytes.copy(CBytes.ipv4(rule.destination4.address), into: &k.destination)
        } else {
            CBytes.copy(CBytes.ipv6(rule.source6.address), into: &k.source)
            CBytes.copy(CBytes.ipv6(rule.destination6.address), into: &k.destination)
        }
        if shape.sourcePort == .exact { k.source_port = CBytes.be16Field(rule.sourcePorts.lowerBound) }
        if shape.destinationPort == .exact { k.destination_port = CBytes.be16Field(rule.destinationPorts.lowerBound) }
        if shape.ingress, let ingress = rule.ingress { k.ingress = UInt16(truncatingIfNeeded: ingress) }
        if shape.proto, let proto = rule.proto { k.proto = proto }
        if shape.dscp, let dscp = rule.dscp { k.dscp = dscp & 0x3F }
        return k
    }

    static func value(_ indices: [Int], _ rules: [ClassifierRule]) -> sfc_class_value {
        var v = sfc_class_value()
        v.count = UInt32(indices.count)
        withUnsafeMutableBytes(of: &v.candidates) { raw in
            let stride = MemoryLayout<sfc_class_candidate>.stride
            for (n, index) in indices.enumerated() {
                let r = rules[index]
                let c = sfc_class_candidate(rule: UInt32(index), chain: UInt32(r.chain),
                                            source_port_low: r.sourcePorts.lowerBound, source_port_high: r.sourcePorts.upperBound,
                                            destination_port_low: r.destinationPorts.lowerBound,
                                            destination_port_high: r.destinationPorts.upperBound)
                raw.storeBytes(of: c, toByteOffset: n * stride, as: sfc_class_candidate.self)
            }
        }
        return v
    }
}
