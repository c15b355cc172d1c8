// The XDP program's classifier cache (sfc_class_cache, BPF/sfc_classify.h):
// a flow's later packets are answered from it, and an entry belongs to the
// generation that wrote it, so a reload (into either slot) is never
// answered by the last one's entries.
import CLibBPF
import Foundation
import SFCConfig
import SFCCore
import SFCXDP
import Testing

@Suite(.serialized) struct XDPClassifierCacheTests {
    /// Every CPU's copy of every entry of sfc_class_cache.
    struct CacheMap {
        let fd: Int32
        let cpus = Int(libbpf_num_possible_cpus())
        static let entry = MemoryLayout<sfc_class_cache_entry>.stride

        func read(_ slot: UInt32) -> [sfc_class_cache_entry] {
            var key = slot
            var raw = [UInt8](repeating: 0, count: cpus * Self.entry)
            let err = raw.withUnsafeMutableBytes { bpf_map_lookup_elem(fd, &key, $0.baseAddress) }
            guard err == 0 else { return [] }
            return (0..<cpus).map { cpu in raw.withUnsafeBytes { $0.load(fromByteOffset: cpu * Self.entry, as: sfc_class_cache_entry.self) } }
        }

        func write(_ slot: UInt32, _ entries: [sfc_class_cache_entry]) -> Bool {
            var key = slot
            var raw = [UInt8](repeating: 0, count: cpus * Self.entry)
            raw.withUnsafeMutableBytes { b in
                for (cpu, e) in entries.enumerated() { b.storeBytes(of: e, toByteOffset: cpu * Self.entry, as: sfc_class_cache_entry.self) }
            }
            return raw.withUnsafeBytes { bpf_map_update_elem(fd, &key, $0.baseAddress, 0) } == 0
        }

        /// The slots any CPU holds an entry in (epoch not 0).
        func used() -> [UInt32] {
            (0..<UInt32(SFC_CLASS_CACHE_ENTRIES)).filter { slot in read(slot).contains { $0.epoch != 0 } }
        }
    }

    /// The config with every rule sent to the next chain: the same packet
    /// gets another chain's answer.
    static func rotated(_ config: CompiledConfig) -> CompiledConfig {
        var other = config
        for i in other.rules.indices { other.rules[i].chain = (other.rules[i].chain + 1) % other.chains.count }
        return other
    }

    @Test func hitsComeFromTheCacheAndAReloadNeverSeesTheLastGenerationsEntries() throws {
        guard XDPTest.requireRoot() else { return }
        let a = try XDPTest.config(), b = Self.rotated(a)
        #expect(ForwardingTables(a).classifier.tupleRecords.count > 1, "the cache is used with two tuples or more")
        let (bytes, ingressName) = try TableSwapTests.firstNSHCase()
        let ingress = try #require(a.portIndex(named: ingressName))
        let expectA = TableSwapTests.reference(a, bytes, ingress: ingress), expectB = TableSwapTests.reference(b, bytes, ingress: ingress)
        #expect(expectA.1 != expectB.1, "the rotated config must answer the packet differently")

        let dataplane = try XDPDataplane(config: a, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let cache = CacheMap(fd: try dataplane.object.mapFD("sfc_class_cache"))
        #expect(cache.used().isEmpty)
        for _ in 0..<2 {
            let r = try dataplane.run(bytes, ingress: ingress)
            #expect(r.outcome(ingress: ingress) == expectA.0)
            #expect(r.output == expectA.1)
        }
        // One flow, one entry (on whichever CPU ran it).
        let used = cache.used()
        #expect(used.count == 1, "slots in use: \(used)")
        let slot = try #require(used.first)

        // Point the entry at the next chain: the packet must follow it, so
        // the answer came from the cache and not from the search.
        // (Every CPU's copy, whichever CPU runs the packet next.)
        let original = cache.read(slot)
        var entry = try #require(original.first { $0.epoch != 0 })
        let chains = UInt32(ForwardingTables(a).chains.count)
        entry.chain = (entry.chain & ~UInt32(0xFFFF)) | ((entry.chain & 0xFFFF) + 1) % chains
        #expect(cache.write(slot, Array(repeating: entry, count: cache.cpus)))
        let tampered = try dataplane.run(bytes, ingress: ingress)
        #expect(tampered.output == expectB.1, "a hit must be answered by the entry")
        #expect(cache.write(slot, original))

        // Reloads alternate the two generation slots: B into slot 1, B again
        // into slot 0 (where A's entries are), A into slot 1 (where the first
        // B's are). Entries keyed by slot instead of epoch would answer the
        // last two with the other config's chain.
        for (config, expected) in [(b, expectB), (b, expectB), (a, expectA)] {
            try dataplane.update(config)
            for _ in 0..<2 {
                let r = try dataplane.run(bytes, ingress: ingress)
                #expect(r.outcome(ingress: ingress) == expected.0)
                #expect(r.output == expected.1)
            }
        }
    }
}
