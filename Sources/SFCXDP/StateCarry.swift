// Proxy state across reloads. The End.AD cache (sfc_proxy_cache: the outer
// headers a dynamic proxy learned, draft-ietf-spring-sr-service-programming
// s6.2) and the NSH proxy's per-flow headers (sfc_nsh_proxy_state, RFC 8300
// s4.6 via an SFC proxy, RFC 7665 s5) belong to an attachment: a function's
// instance, named (function name, instance name). Both maps hold one block
// set per generation slot. Before the flip, the new slot's blocks are
// written: an attachment that still exists gets its state copied from the
// active slot (its block may sit at another position in the new tables),
// one that is new starts empty, and what the old tables had alone is gone.
// Packets keep updating the active slot while it is copied: what they learn
// between the copy and the flip stays behind (a flow's next packet towards
// the function learns it again). An entry read while a CPU rewrites it may
// be torn: the same lock-free sharing the program already has between CPUs
// (one saves a flow's header while another restores it); the copy adds no
// new kind of race.
import CLibBPF
import SFCCore

struct StateCarry {
    /// One attachment: (function name, instance name); for an NSH-unaware
    /// one also the path (SPI) and position it serves: its saved headers name
    /// them, so they carry over only where both stay (a chain with a new SPI
    /// is a new path, RFC 8300 s2.3; its returns get the configured header).
    struct Attachment: Hashable { var function: String; var instance: String; var spi: UInt32 = 0; var position: Int32 = 0 }

    /// End.AD cache slot per attachment.
    static func cacheSlots(_ tables: ForwardingTables) -> [Attachment: Int] {
        var out: [Attachment: Int] = [:]
        func note(_ f: Int32, _ i: Int32, _ slot: Int32) {
            guard slot >= 0, f >= 0, i >= 0, Int(f) < tables.functions.count else { return }
            let function = tables.functions[Int(f)].config
            guard function.kind == .srUnaware, Int(i) < function.instances.count else { return }
            out[Attachment(function: function.name, instance: function.instances[Int(i)].name)] = Int(slot)
        }
        for entry in tables.returns.values { note(entry.function, entry.instance, entry.cacheSlot) }
        for entry in tables.localSIDs.values { note(entry.function, entry.instance, entry.cacheSlot) }
        return out
    }

    /// First slot of the NSH proxy state block per attachment.
    static func nshBlocks(_ tables: ForwardingTables) -> [Attachment: Int] {
        var out: [Attachment: Int] = [:]
        for (f, function) in tables.functions.enumerated() where function.config.kind == .nshUnaware {
            for (i, instance) in function.config.instances.enumerated() {
                let first = tables.nshProxyStateBase[tables.instanceCounterBase[f] + i]
                let served = tables.returns.values.first { Int($0.function) == f && Int($0.instance) == i && $0.chain >= 0 }
                let spi = served.map { tables.chains[Int($0.chain)].config.spi } ?? 0
                if first >= 0 {
                    out[Attachment(function: function.config.name, instance: instance.name, spi: spi, position: served?.position ?? -1)] = Int(first)
                }
            }
        }
        return out
    }

    let object: BPFObject

    /// Writes the state blocks `new` uses in slot `target`: copied from
    /// slot `source` (laid out by `old`) for attachments in both, empty
    /// for the rest. `old` nil: nothing to keep (every block empty).
    func write(target: UInt32, new: ForwardingTables, source: UInt32, old: ForwardingTables?) throws {
        // End.AD: one entry per slot.
        let oldCache = old.map(Self.cacheSlots) ?? [:]
        var cacheFrom: [Int: Int] = [:]
        for (a, slot) in Self.cacheSlots(new) { if let from = oldCache[a] { cacheFrom[slot] = from } }
        let perCache = Int(SFC_MAX_PROXY_CACHES)
        try copy("sfc_proxy_cache", count: new.cacheSlots, target: Int(target) * perCache, source: Int(source) * perCache) { cacheFrom[$0] }

        // NSH proxy: blocks of SFC_NSH_PROXY_FLOWS entries.
        let flows = Int(SFC_NSH_PROXY_FLOWS)
        let oldBlocks = old.map(Self.nshBlocks) ?? [:]
        var blockFrom: [Int: Int] = [:]
        for (a, first) in Self.nshBlocks(new) { if let from = oldBlocks[a] { blockFrom[first] = from } }
        let perState = Int(SFC_MAX_NSH_PROXY_BLOCKS) * flows
        try copy("sfc_nsh_proxy_state", count: new.nshProxyStateSlots, target: Int(target) * perState, source: Int(source) * perState) { slot in
            blockFrom[slot - slot % flows].map { $0 + slot % flows }
        }
    }

    /// Entries 0..<count of the target block: each is the source block's
    /// entry `from(i)`, or zero (empty) when nil.
    private func copy(_ name: String, count: Int, target: Int, source: Int, from: (Int) -> Int?) throws {
        let fd = try object.mapFD(name)
        let size = Int(try object.valueSize(name))
        let zero = [UInt8](repeating: 0, count: size)
        var value = zero
        for i in 0..<count {
            value = zero
            if let j = from(i) {
                if !value.withUnsafeMutableBytes({ MapIO.lookup(fd, UInt32(source + j), into: $0) }) { value = zero }
            }
            try MapIO.update(fd, key: CBytes.of(UInt32(target + i)), value: value, map: name)
        }
    }
}
