// The per-CPU counter maps summed into SFCCore's Counters, laid out by the
// same ForwardingTables counter bases the program was given, so reports
// read the same for every dataplane.
import CLibBPF
import SFCCore

struct CounterReader {
    let object: BPFObject

    func read(tables: ForwardingTables) throws -> Counters {
        var c = Counters(tables: tables)
        let ports = try sums("sfc_port_counts", count: c.rxPackets.count, words: 3)
        for p in 0..<ports.count {
            c.rxPackets[p] = ports[p][0]; c.txPackets[p] = ports[p][1]; c.txBytes[p] = ports[p][2]
        }
        c.drops = try sums("sfc_drop_counts", count: c.drops.count, words: 1).map { $0[0] }
        let chains = try sums("sfc_chain_counts", count: c.chainPackets.count, words: 2)
        for i in 0..<chains.count { c.chainPackets[i] = chains[i][0]; c.chainBytes[i] = chains[i][1] }
        c.hopPackets = try sums("sfc_hop_counts", count: c.hopPackets.count, words: 1).map { $0[0] }
        c.instancePackets = try sums("sfc_instance_counts", count: c.instancePackets.count, words: 1).map { $0[0] }
        return c
    }

    /// Entries 0..<count of a per-CPU map whose value is `words` u64s,
    /// summed over the possible CPUs (a lookup returns one value per CPU).
    private func sums(_ name: String, count: Int, words: Int) throws -> [[UInt64]] {
        let fd = try object.mapFD(name)
        let size = Int(try object.valueSize(name))
        guard size == words * 8 else {
            throw XDPError(.mapMismatch, "\(name): values of \(size) bytes in the object, \(words * 8) expected (sfc_tables.h)")
        }
        let entries = min(count, Int(try object.maxEntries(name)))
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { throw XDPError(.run, "cannot count the possible CPUs: \(errnoText(Int32(cpus)))") }
        var buffer = [UInt64](repeating: 0, count: cpus * words)
        var out = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: count)
        for index in 0..<entries {
            let found = buffer.withUnsafeMutableBytes { MapIO.lookup(fd, UInt32(index), into: $0) }
            guard found else { continue }
            for cpu in 0..<cpus {
                for w in 0..<words { out[index][w] &+= buffer[cpu * words + w] }
            }
        }
        return out
    }
}
