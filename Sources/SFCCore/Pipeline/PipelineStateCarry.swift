// Proxy state across a reload. A new generation gets a new Pipeline whose
// End.AD header cache (one slot per dynamic-proxy instance,
// draft-ietf-spring-sr-service-programming s6.4) and NSH proxy state (one
// block of flows per return attachment, RFC 8300 s4.6) start empty; without
// a carry every flow through a proxy would lose its learned header at the
// swap. What still exists keeps its state, matched by name: an attachment
// is (function name, instance name) as the tables' return entries record it
// (a return entry is what restores, so its slot is the one in use).
//
// The plan (which old slot goes to which new one) is computed once per
// reload on the control thread; `carryState` runs where the pipelines are
// single-writer (DPDK: on the lcore, between two bursts, when it adopts the
// new pipeline), so it reads no half-written slot. It allocates nothing.

/// Which state slots of one table generation become which of the next.
public final class PipelineStateCarry: @unchecked Sendable {
    /// (old, new) End.AD cache slot pairs.
    let cachePairs: UnsafeMutablePointer<Int32>
    public let cachePairCount: Int
    /// (old, new) first slots of NSH proxy state blocks (nshProxyFlowSlots each).
    let blockPairs: UnsafeMutablePointer<Int32>
    public let blockPairCount: Int

    public init(from old: ForwardingTables, to new: ForwardingTables) {
        // An NSH-unaware attachment's saved headers name a path (SPI) and a
        // position on it: they carry over only where both stay the same (a
        // chain with a new SPI is a new path, RFC 8300 s2.3; its returns get
        // the configured header).
        struct Attachment: Hashable { var kind: FunctionKind; var function: String; var instance: String; var spi: UInt32; var position: Int32 }
        func slots(_ t: ForwardingTables) -> [Attachment: Int32] {
            var out: [Attachment: Int32] = [:]
            for entry in t.returns.values where entry.cacheSlot >= 0 {
                let f = t.functions[Int(entry.function)].config
                let isCache = entry.kind == .srUnaware && entry.proxy == .dynamicProxy
                guard isCache || entry.kind == .nshUnaware else { continue }
                let path = entry.kind == .nshUnaware && entry.chain >= 0 ? (t.chains[Int(entry.chain)].config.spi, entry.position) : (0, 0)
                out[Attachment(kind: entry.kind, function: f.name, instance: f.instances[Int(entry.instance)].name,
                               spi: path.0, position: path.1)] = entry.cacheSlot
            }
            return out
        }
        let before = slots(old)
        var cache: [(Int32, Int32)] = [], blocks: [(Int32, Int32)] = []
        for (key, slot) in slots(new).sorted(by: { $0.value < $1.value }) {
            guard let was = before[key] else { continue }
            if key.kind == .nshUnaware { blocks.append((was, slot)) } else { cache.append((was, slot)) }
        }
        cachePairCount = cache.count
        blockPairCount = blocks.count
        cachePairs = .allocate(capacity: max(1, 2 * cache.count))
        blockPairs = .allocate(capacity: max(1, 2 * blocks.count))
        for (i, p) in cache.enumerated() { cachePairs[2 * i] = p.0; cachePairs[2 * i + 1] = p.1 }
        for (i, p) in blocks.enumerated() { blockPairs[2 * i] = p.0; blockPairs[2 * i + 1] = p.1 }
    }

    deinit {
        cachePairs.deallocate()
        blockPairs.deallocate()
    }
}

extension Pipeline {
    /// Copies the proxy state `plan` maps from `old` (the pipeline this one
    /// replaces, built from the plan's `from` tables) into this one. Call it
    /// before this pipeline processes its first packet, on the thread that
    /// runs both (neither may be processing meanwhile).
    public func carryState(from old: Pipeline, plan: PipelineStateCarry) {
        let cacheSize = Pipeline.cacheSlotSize
        for i in 0..<plan.cachePairCount {
            let from = Int(plan.cachePairs[2 * i]), to = Int(plan.cachePairs[2 * i + 1])
            guard from < max(1, old.tables.cacheSlots), to < max(1, tables.cacheSlots) else { continue }
            (cache + to * cacheSize).copyMemory(from: old.cache + from * cacheSize, byteCount: cacheSize)
            cacheLength[to] = old.cacheLength[from]
            cacheInnerType[to] = old.cacheInnerType[from]
        }
        let flows = ForwardingTables.nshProxyFlowSlots, stateSize = Pipeline.nshStateSlotSize
        for i in 0..<plan.blockPairCount {
            let from = Int(plan.blockPairs[2 * i]), to = Int(plan.blockPairs[2 * i + 1])
            guard from + flows <= old.tables.nshProxyStateSlots, to + flows <= tables.nshProxyStateSlots else { continue }
            (nshState + to * stateSize).copyMemory(from: old.nshState + from * stateSize, byteCount: flows * stateSize)
            (nshStateHash + to).update(from: old.nshStateHash + from, count: flows)
            (nshStateLength + to).update(from: old.nshStateLength + from, count: flows)
        }
    }
}
