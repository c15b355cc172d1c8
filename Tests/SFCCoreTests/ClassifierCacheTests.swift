// The pipeline's classifier cache must answer exactly what the tuple search
// does, for every flow, in any order, and must actually be what answers a
// flow's later packets.
import Testing
@testable import SFCCore

@Suite struct ClassifierCacheTests {
    typealias Rng = ClassifierTests.Rng

    @Test(arguments: [(500, 11 as UInt64), (3000, 12)])
    func agreesWithALinearScanWhateverTheOrder(count: Int, seed: UInt64) {
        let c = Classifier(rules: ClassifierTests.randomRules(count, seed: seed))
        #expect(c.tuples.count > 1)
        let cache = ClassifierCache(classifier: c)
        defer { cache.deallocate() }
        #expect(cache.enabled)
        var rng = Rng(state: seed &+ 7)
        // A pool of flows seen again and again (hits), and fresh ones (misses
        // that replace whatever shared their entry).
        let pool = (0..<300).map { _ in ClassifierTests.randomFields(&rng) }
        var hits = 0
        for n in 0..<20_000 {
            let f = n % 3 == 0 ? ClassifierTests.randomFields(&rng) : pool[rng.below(pool.count)]
            let slot = cache.entries + Int(ClassifierCache.key(f).hashValue32 & UInt32(ClassifierCache.size - 1))
            if slot.pointee.valid && slot.pointee.key == ClassifierCache.key(f) { hits += 1 }
            let cached = cache.lookup(f, c)
            #expect(cached == c.linearLookup(f), "\(f)")
        }
        #expect(hits > 10_000)  // the pool's flows were served from the cache
    }

    @Test func aFlowsLaterPacketsAreAnsweredFromTheCache() {
        let c = Classifier(rules: ClassifierTests.randomRules(200, seed: 5))
        let cache = ClassifierCache(classifier: c)
        defer { cache.deallocate() }
        let f = FlowFields(ipv4: IPv4Address(raw: 0x0A00_0001), IPv4Address(raw: 0x0A01_0002), proto: 17,
                           sourcePort: 3, destinationPort: 4, dscp: 0, ingress: 1)
        let first = cache.lookup(f, c)
        #expect(first == c.lookup(f))
        // Change what the entry says: the next lookup must return it, so the
        // search did not run again.
        let slot = cache.entries + Int(ClassifierCache.key(f).hashValue32 & UInt32(ClassifierCache.size - 1))
        #expect(slot.pointee.valid)
        slot.pointee.rule = 12_345
        #expect(cache.lookup(f, c) == 12_345)
        // Any field differing is another flow: the search answers it.
        var other = f
        other.dscp = 1
        #expect(cache.lookup(other, c) == c.lookup(other))
        other = f
        other.sourcePort = 4
        #expect(cache.lookup(other, c) == c.lookup(other))
    }

    @Test func theFamilyIsPartOfTheKey() {
        // The same words as an IPv4 flow and as an IPv6 flow: each family's rule only.
        let v4 = ClassifierRule(name: "v4", priority: 1, chain: 0, family: .ipv4,
                                destination4: IPv4Prefix(address: IPv4Address(raw: 0x0A00_0001), length: 32))
        var v6 = ClassifierRule(name: "v6", priority: 2, chain: 1, family: .ipv6)
        v6.destination6 = IPv6Prefix(address: IPv6Address(hi: 0, lo: 0x0A00_0001), length: 128)
        v6.proto = 17
        let c = Classifier(rules: [v4, v6])
        #expect(c.tuples.count == 2)
        let cache = ClassifierCache(classifier: c)
        defer { cache.deallocate() }
        let f4 = FlowFields(ipv4: IPv4Address(raw: 0x0A00_0002), IPv4Address(raw: 0x0A00_0001), proto: 17,
                            sourcePort: 1, destinationPort: 2, dscp: 0, ingress: 0)
        var f6 = f4
        f6.family = .ipv6
        for _ in 0..<3 {
            #expect(cache.lookup(f4, c) == 0)
            #expect(cache.lookup(f6, c) == 1)
        }
    }

    @Test func aClassifierWithOneTupleDoesNotUseIt() {
        let rule = ClassifierRule(name: "only", priority: 1, chain: 0, family: .ipv4, proto: 6)
        let cache = ClassifierCache(classifier: Classifier(rules: [rule]))
        defer { cache.deallocate() }
        #expect(!cache.enabled)
        let f = FlowFields(ipv4: IPv4Address(raw: 1), IPv4Address(raw: 2), proto: 6, sourcePort: 1, destinationPort: 2,
                           dscp: 0, ingress: 0)
        #expect(cache.lookup(f, Classifier(rules: [rule])) == 0)
        #expect(!cache.entries.pointee.valid)
    }
}
