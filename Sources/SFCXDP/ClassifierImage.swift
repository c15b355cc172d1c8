// The classifier as the XDP program reads it: SFCCore's Classifier records
// (tuples in search order, each key's candidate rules best first) encoded as
// sfc_tuples and sfc_class_keys entries. Only the encoding and the map
// limits are here; the grouping is the Classifier's.
import CLibBPF
import SFCCore

struct ClassifierImage {
    var tuples: [sfc_tuple] = []
    var keys: [(sfc_class_key, sfc_class_value)] = []

    init(_ classifier: Classifier) throws {
        let rules = classifier.rules
        let records = classifier.tupleRecords
        guard records.count <= Int(SFC_MAX_TUPLES) else {
            throw XDPError(.configTooLarge, "the classifier rules have \(records.count) distinct shapes (prefix lengths and fields "
                           + "set); the XDP classifier holds at most \(SFC_MAX_TUPLES) (SFC_MAX_TUPLES)")
        }
        var total = 0
        for (t, record) in records.enumerated() {
            tuples.append(Self.tuple(record.shape, bestRule: record.bestRule))
            for candidates in record.keys {
                guard candidates.count <= Int(SFC_CLASS_CANDIDATES) else {
                    let names = candidates.map { rules[$0].name }.joined(separator: ", ")
                    throw XDPError(.configTooLarge, "\(candidates.count) classifier rules share one key and differ only in port ranges "
                                   + "(\(names)); the XDP classifier checks at most \(SFC_CLASS_CANDIDATES) per key "
                                   + "(SFC_CLASS_CANDIDATES): merge or split their ranges")
                }
                keys.append((Self.key(rules[candidates[0]], shape: record.shape, tuple: UInt32(t)), Self.value(candidates, rules)))
            }
            total += record.keys.count
        }
        guard total <= Int(SFC_MAX_CLASS_KEYS) else {
            throw XDPError(.configTooLarge, "the classifier needs \(total) keys; the XDP map holds \(SFC_MAX_CLASS_KEYS) (SFC_MAX_CLASS_KEYS)")
        }
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
        // Addresses masked to the shape, as the program masks a packet's.
        if rule.family == .ipv4 {
            let s = rule.source4.address.raw & IPv4Prefix.mask(shape.sourceLength)
            let d = rule.destination4.address.raw & IPv4Prefix.mask(shape.destinationLength)
            CBytes.copy(CBytes.ipv4(IPv4Address(raw: s)), into: &k.source)
            CBytes.copy(CBytes.ipv4(IPv4Address(raw: d)), into: &k.destination)
        } else {
            let sm = IPv6Prefix.mask(shape.sourceLength), dm = IPv6Prefix.mask(shape.destinationLength)
            let s = rule.source6.address, d = rule.destination6.address
            CBytes.copy(CBytes.ipv6(IPv6Address(hi: s.hi & sm.0, lo: s.lo & sm.1)), into: &k.source)
            CBytes.copy(CBytes.ipv6(IPv6Address(hi: d.hi & dm.0, lo: d.lo & dm.1)), into: &k.destination)
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
                // A steering rule's watch slot + 1 rides above the chain (sfc_classify counts it).
                let watch = r.watchSlot >= 0 ? UInt32(r.watchSlot + 1) << UInt32(SFC_CLASS_WATCH_SHIFT) : 0
                let c = sfc_class_candidate(rule: UInt32(index), chain: UInt32(r.chain) | watch,
                                            source_port_low: r.sourcePorts.lowerBound, source_port_high: r.sourcePorts.upperBound,
                                            destination_port_low: r.destinationPorts.lowerBound,
                                            destination_port_high: r.destinationPorts.upperBound)
                raw.storeBytes(of: c, toByteOffset: n * stride, as: sfc_class_candidate.self)
            }
        }
        return v
    }
}
