// Counters across reloads. The positional counter maps hold one block per
// generation slot; a packet counts in the block of the slot it read from
// sfc_active. A reload puts the new tables in the idle slot, so the slot
// the previous reload retired is about to be reused: its final counts are
// read in the layout of the tables it ran, carried by name into the active
// layout (Counters.carried), folded into `carried`, and the block zeroed.
// The read happens once the new inner maps are in their outer slots: each
// such update waits for every running program to finish (the kernel's
// maybe_wait_bpf_programs for map-in-map updates), so no packet still
// counts in the retired slot. Nothing is lost or counted twice: every
// count is in exactly one of `carried`, the retired block, the active block.
import CLibBPF
import SFCCore

struct CounterLedger {
    /// Counts of slots already reused, in the layout of the active tables.
    private(set) var carried: Counters
    /// Their received packets per CPU (every port, whatever its name).
    private(set) var carriedPerCPU: [UInt64] = []
    /// The slot the last reload retired and the tables it ran.
    private(set) var retired: (slot: UInt32, tables: ForwardingTables)?
    /// Slots whose blocks may hold counts of unknown layout (adopted maps).
    private var unknown: Set<UInt32> = []
    /// The layout taken for them.
    private var assumed: ForwardingTables?

    init(tables: ForwardingTables) { carried = Counters(tables: tables) }

    /// Maps adopted from an earlier run: its active slot ran tables we do
    /// not have; they are taken to be `tables` (the same configuration
    /// restarted), which is exact then and stays bounded otherwise. Its
    /// idle slot may hold anything: folded the same way, zeroed whole.
    mutating func adopt(active: UInt32, tables: ForwardingTables) {
        retired = (active, tables)
        unknown = [1 - active]
        assumed = tables
    }

    /// Before generation slot `slot` gets new tables (packets no longer
    /// use it, see above): folds its final counts into `carried` (in the
    /// layout of `active`, the tables packets use now) and zeroes it.
    mutating func reuse(slot: UInt32, active: ForwardingTables, reader: CounterReader) throws {
        var layout: ForwardingTables?
        if let r = retired, r.slot == slot { layout = r.tables } else if unknown.contains(slot) { layout = assumed }
        var final: (counts: Counters, perCPU: [UInt64])?
        if let layout {
            final = (try reader.read(slot: slot, tables: layout).carried(from: layout, to: active), try reader.rxPerCPU(slot: slot))
        }
        // A block of unknown layout is zeroed whole; a known one up to what
        // its tables used; one no generation ran in (a fresh object's idle
        // slot) is empty already. Folded only once zeroed: a failure in
        // between leaves the slot to be read again, never counted twice.
        if unknown.contains(slot) {
            try reader.zero(slot: slot, tables: nil)
        } else if let layout {
            try reader.zero(slot: slot, tables: layout)
        }
        if let final { fold(final.counts, perCPU: final.perCPU) }
        unknown.remove(slot)
        if retired?.slot == slot { retired = nil }
    }

    /// After the flip: packets use `new` in `newSlot`, `old` (in the other
    /// slot) is retired until the next reload reuses it.
    mutating func flipped(from old: ForwardingTables, oldSlot: UInt32, to new: ForwardingTables) {
        carried = carried.carried(from: old, to: new)
        retired = (oldSlot, old)
    }

    /// carried + the retired slot rebased + the active slot, in `tables`' layout.
    func total(active slot: UInt32, tables: ForwardingTables, reader: CounterReader) throws -> Counters {
        var c = carried
        if let r = retired, r.slot != slot { c.merge(try reader.read(slot: r.slot, tables: r.tables).carried(from: r.tables, to: tables)) }
        c.merge(try reader.read(slot: slot, tables: tables))
        c.drops = try reader.drops()
        c.events = try reader.events()
        return c
    }

    /// Received packets per CPU, every slot and every reload included.
    func perCPU(reader: CounterReader) throws -> [UInt64] {
        var out = carriedPerCPU
        for slot in 0..<UInt32(SFC_GENERATIONS) {
            let rx = try reader.rxPerCPU(slot: slot)
            if out.count < rx.count { out += [UInt64](repeating: 0, count: rx.count - out.count) }
            for (cpu, n) in rx.enumerated() { out[cpu] &+= n }
        }
        return out
    }

    private mutating func fold(_ counts: Counters, perCPU: [UInt64]) {
        var counts = counts
        counts.drops = counts.drops.map { _ in 0 }  // drops are one block, read directly
        carried.merge(counts)
        if carriedPerCPU.count < perCPU.count { carriedPerCPU += [UInt64](repeating: 0, count: perCPU.count - carriedPerCPU.count) }
        for (cpu, n) in perCPU.enumerated() { carriedPerCPU[cpu] &+= n }
    }
}
