// An exact-match cache in front of the tuple search, one per pipeline (so
// per lcore, and per generation: a reload builds new pipelines, and with
// them empty caches). OVS's datapath keeps the same kind of microflow cache
// (its "EMC") before its tuple-space search: a flow's later packets cost one
// hash and one compare whatever the number of tuples the search would probe.
//
// The key is everything `Classifier.lookup` reads of a packet (family, both
// addresses, and the packed scalar word: protocol, DSCP, ingress, both
// ports), so a hit returns exactly what the search would: the classifier of
// a pipeline never changes. Misses (no rule matched) are cached as well.
// Direct-mapped: a colliding flow replaces the entry, nothing is evicted
// by age, nothing allocates per packet.

struct ClassifierCache {
    struct Entry {
        var key: TupleKey
        /// The rule index, or -1 for "no rule matches".
        var rule: Int32
        var valid: Bool
    }

    /// Entries (a power of two), as many as the XDP program's per-CPU
    /// cache (BPF/include/sfc_tables.h): 48 bytes each, 192 KiB per pipeline.
    @inline(__always) static var size: Int { SharedSpec.SFC_CLASS_CACHE_ENTRIES }
    let entries: UnsafeMutablePointer<Entry>

    /// The cache is worth its hash only when the search probes more than
    /// one tuple; a pipeline whose classifier has one or none skips it.
    let enabled: Bool

    init(classifier: Classifier) {
        enabled = classifier.tuples.count > 1
        let count = enabled ? ClassifierCache.size : 1
        entries = .allocate(capacity: count)
        entries.initialize(repeating: Entry(key: TupleKey(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0), rule: -1, valid: false),
                           count: count)
    }

    func deallocate() { entries.deallocate() }

    /// The key: the fields unmasked, the family in bit 57 of the scalar word
    /// (bits 57 and 58 are unused by TupleKey's layout).
    @inline(__always)
    static func key(_ f: FlowFields) -> TupleKey {
        let family: UInt64 = f.family == .ipv6 ? 1 << 57 : 0
        return TupleKey(w0: f.source.hi, w1: f.source.lo, w2: f.destination.hi, w3: f.destination.lo,
                        w4: TupleKey.packed(proto: f.proto, dscp: f.dscp, ingress: f.ingress, sourcePort: f.sourcePort,
                                            destinationPort: f.destinationPort) | family)
    }

    /// `classifier.lookup(f)`, from the cache when the flow is there.
    @inline(__always)
    func lookup(_ f: FlowFields, _ classifier: Classifier) -> Int? {
        guard enabled else { return classifier.lookup(f) }
        let key = ClassifierCache.key(f)
        let entry = entries + Int(key.hashValue32 & UInt32(ClassifierCache.size - 1))
        if entry.pointee.valid && entry.pointee.key == key {
            return entry.pointee.rule < 0 ? nil : Int(entry.pointee.rule)
        }
        let rule = classifier.lookup(f)
        entry.pointee = Entry(key: key, rule: rule.map { Int32($0) } ?? -1, valid: true)
        return rule
    }
}
