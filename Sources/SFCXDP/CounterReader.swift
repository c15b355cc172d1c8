// The per-CPU counter maps summed into SFCCore's Counters, laid out by the
// same ForwardingTables counter bases the program was given, so reports
// read the same for every dataplane. The positional maps (ports, chains,
// hops, instances) hold one block per generation slot (sfc_gen_key in
// BPF/sfc_maps.h): a slot is read in the layout of the tables it was
// given. Drop reasons are one fixed list and are not per slot.
import CLibBPF
import SFCCore

struct CounterReader {
    let object: BPFObject

    /// The positional maps, with their value size in u64 words.
    static let positional: [(name: String, words: Int)] = [
        ("sfc_port_counts", 3), ("sfc_chain_counts", 2), ("sfc_hop_counts", 1), ("sfc_instance_counts", 1), ("sfc_watch_counts", 1),
    ]

    /// Generation slot `slot`'s counts in the layout of `tables` (drops left 0).
    func read(slot: UInt32, tables: ForwardingTables) throws -> Counters {
        var c = Counters(tables: tables)
        let ports = try sums("sfc_port_counts", slot: slot, count: c.rxPackets.count, words: 3)
        for p in 0..<ports.count {
            c.rxPackets[p] = ports[p][0]; c.txPackets[p] = ports[p][1]; c.txBytes[p] = ports[p][2]
        }
        let chains = try sums("sfc_chain_counts", slot: slot, count: c.chainPackets.count, words: 2)
        for i in 0..<chains.count { c.chainPackets[i] = chains[i][0]; c.chainBytes[i] = chains[i][1] }
        c.hopPackets = try sums("sfc_hop_counts", slot: slot, count: c.hopPackets.count, words: 1).map { $0[0] }
        c.instancePackets = try sums("sfc_instance_counts", slot: slot, count: c.instancePackets.count, words: 1).map { $0[0] }
        c.watchPackets = try sums("sfc_watch_counts", slot: slot, count: c.watchPackets.count, words: 1).map { $0[0] }
        return c
    }

    /// The drop counters (one block for every generation).
    func drops() throws -> [UInt64] {
        try sums("sfc_drop_counts", slot: 0, count: SharedSpec.SFC_DROP_REASON_SLOTS, words: 1, blocks: 1).map { $0[0] }
    }

    /// The node event counters (one block for every generation, like drops).
    func events() throws -> [UInt64] {
        try sums("sfc_event_counts", slot: 0, count: SharedSpec.SFC_EVENT_SLOTS, words: 1, blocks: 1).map { $0[0] }
    }

    /// Received packets per CPU over every port of slot `slot` (whatever
    /// the layout: every port counts).
    func rxPerCPU(slot: UInt32) throws -> [UInt64] {
        let fd = try object.mapFD("sfc_port_counts")
        let per = try perSlot("sfc_port_counts")
        let cpus = try Self.cpus()
        var buffer = [UInt64](repeating: 0, count: cpus * 3)
        var out = [UInt64](repeating: 0, count: cpus)
        for index in 0..<per {
            let found = buffer.withUnsafeMutableBytes { MapIO.lookup(fd, UInt32(Int(slot) * per + index), into: $0) }
            guard found else { continue }
            for cpu in 0..<cpus { out[cpu] &+= buffer[cpu * 3] }
        }
        return out
    }

    /// Zeroes slot `slot`'s block of every positional map, up to the
    /// entries `tables` uses (nothing beyond is ever counted in that slot)
    /// - or the whole block when `tables` is nil.
    func zero(slot: UInt32, tables: ForwardingTables?) throws {
        let cpus = try Self.cpus()
        for (name, words) in Self.positional {
            let fd = try object.mapFD(name)
            let per = try perSlot(name)
            var used = per
            if let tables {
                switch name {
                case "sfc_port_counts": used = tables.ports.count
                case "sfc_chain_counts": used = tables.chains.count
                case "sfc_hop_counts": used = tables.hopCounterCount
                case "sfc_watch_counts": used = SharedSpec.SFC_MAX_WATCHED_RULES
                default: used = tables.instanceCounterCount
                }
            }
            let zeros = [UInt64](repeating: 0, count: cpus * words)
            for index in 0..<min(used, per) {
                var key = UInt32(Int(slot) * per + index)
                let err = zeros.withUnsafeBytes { bpf_map_update_elem(fd, &key, $0.baseAddress, UInt64(BPF_ANY)) }
                if err != 0 { throw XDPError(.mapUpdate, "cannot zero \(name)[\(key)]: \(errnoText(errno))") }
            }
        }
    }

    /// Entries per generation slot of a positional map.
    func perSlot(_ name: String) throws -> Int { Int(try object.maxEntries(name)) / Int(SFC_GENERATIONS) }

    static func cpus() throws -> Int {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { throw XDPError(.run, "cannot count the possible CPUs: \(errnoText(Int32(cpus)))") }
        return cpus
    }

    /// Entries 0..<count of slot `slot`'s block of a per-CPU map whose
    /// value is `words` u64s, summed over the possible CPUs (a lookup
    /// returns one value per CPU).
    private func sums(_ name: String, slot: UInt32, count: Int, words: Int, blocks: Int = Int(SFC_GENERATIONS)) throws -> [[UInt64]] {
        let fd = try object.mapFD(name)
        let size = Int(try object.valueSize(name))
        guard size == words * 8 else {
            throw XDPError(.mapMismatch, "\(name): values of \(size) bytes in the object, \(words * 8) expected (sfc_tables.h)")
        }
        let per = Int(try object.maxEntries(name)) / blocks
        let entries = min(count, per)
        let cpus = try Self.cpus()
        var out = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: count)
        if let batch = Self.batch(fd, first: slot * UInt32(per), count: entries, cpus: cpus, words: words) {
            for index in 0..<entries {
                for cpu in 0..<cpus {
                    for w in 0..<words { out[index][w] &+= batch[(index * cpus + cpu) * words + w] }
                }
            }
            return out
        }
        var buffer = [UInt64](repeating: 0, count: cpus * words)
        for index in 0..<entries {
            let key = UInt32(Int(slot) * per + index)
            let found = buffer.withUnsafeMutableBytes { MapIO.lookup(fd, key, into: $0) }
            guard found else { continue }
            for cpu in 0..<cpus {
                for w in 0..<words { out[index][w] &+= buffer[cpu * words + w] }
            }
        }
        return out
    }

    /// Entries first..<first+count of a per-CPU array in one system call
    /// (the xdp-diff fuzz target reads every counter after every packet):
    /// each entry's value for every possible CPU, in key order; nil when
    /// the kernel refuses batches (the caller reads entry by entry).
    private static func batch(_ fd: Int32, first: UInt32, count: Int, cpus: Int, words: Int) -> [UInt64]? {
        guard count > 0 else { return [] }
        var values = [UInt64](repeating: 0, count: count * cpus * words)
        var keys = [UInt32](repeating: 0, count: count)
        // An array's batch starts after the key in_batch names.
        var previous = first &- 1, next: UInt32 = 0
        var n = UInt32(count)
        let err = keys.withUnsafeMutableBytes { k in
            values.withUnsafeMutableBytes { v in
                withUnsafeMutableBytes(of: &previous) { p in
                    bpf_map_lookup_batch(fd, first == 0 ? nil : p.baseAddress, &next, k.baseAddress, v.baseAddress, &n, nil)
                }
            }
        }
        // ENOENT: the batch reached the map's end, n says how far.
        guard err == 0 || errno == ENOENT, n == UInt32(count), keys.first == first else { return nil }
        return values
    }
}

#if canImport(Glibc)
import Glibc
#endif
