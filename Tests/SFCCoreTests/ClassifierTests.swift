// The tuple-space classifier must agree with a linear first-match scan.
import Testing
@testable import SFCCore

@Suite struct ClassifierTests {
    /// A deterministic generator so failures reproduce.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func randomRules(_ count: Int, seed: UInt64) -> [ClassifierRule] {
        var rng = Rng(state: seed)
        let lengths4 = [0, 8, 16, 24, 32], lengths6 = [0, 32, 48, 64, 128]
        var rules: [ClassifierRule] = []
        for i in 0..<count {
            let v6 = rng.below(4) == 0
            var r = ClassifierRule(name: "r\(i)", priority: rng.below(100), chain: rng.below(5), family: v6 ? .ipv6 : .ipv4)
            if v6 {
                r.source6 = IPv6Prefix(address: IPv6Address(hi: 0x2001_0db8_0000_0000 | UInt64(rng.below(4)) << 16, lo: UInt64(rng.below(4))),
                                       length: lengths6[rng.below(5)])
                r.destination6 = IPv6Prefix(address: IPv6Address(hi: 0x2001_0db8_0000_0000 | UInt64(rng.below(4)) << 16, lo: UInt64(rng.below(4))),
                                            length: lengths6[rng.below(5)])
            } else {
                r.source4 = IPv4Prefix(address: IPv4Address(raw: 0x0A00_0000 | UInt32(rng.below(4)) << 16 | UInt32(rng.below(4))),
                                       length: lengths4[rng.below(5)])
                r.destination4 = IPv4Prefix(address: IPv4Address(raw: 0x0A00_0000 | UInt32(rng.below(4)) << 16 | UInt32(rng.below(4))),
                                            length: lengths4[rng.below(5)])
            }
            if rng.below(2) == 0 { r.proto = [6, 17, 1][rng.below(3)] }
            switch rng.below(3) {
            case 0: let p = UInt16(rng.below(8)); r.destinationPorts = p...p
            case 1: let lo = UInt16(rng.below(8)); r.destinationPorts = lo...(lo + UInt16(rng.below(8)))
            default: break
            }
            if rng.below(4) == 0 { let lo = UInt16(rng.below(8)); r.sourcePorts = lo...(lo + 3) }
            if rng.below(5) == 0 { r.dscp = UInt8(rng.below(3)) }
            if rng.below(5) == 0 { r.ingress = rng.below(3) }
            rules.append(r)
        }
        // Precedence order, as the config layer hands them over.
        return rules.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element)
    }

    static func randomFields(_ rng: inout Rng) -> FlowFields {
        let v6 = rng.below(4) == 0
        let proto: UInt8 = [6, 17, 1][rng.below(3)]
        if v6 {
            return FlowFields(family: .ipv6,
                              source: IPv6Address(hi: 0x2001_0db8_0000_0000 | UInt64(rng.below(4)) << 16, lo: UInt64(rng.below(4))),
                              destination: IPv6Address(hi: 0x2001_0db8_0000_0000 | UInt64(rng.below(4)) << 16, lo: UInt64(rng.below(4))),
                              proto: proto, sourcePort: UInt16(rng.below(12)), destinationPort: UInt16(rng.below(16)),
                              dscp: UInt8(rng.below(3)), ingress: UInt16(rng.below(3)))
        }
        return FlowFields(ipv4: IPv4Address(raw: 0x0A00_0000 | UInt32(rng.below(4)) << 16 | UInt32(rng.below(4))),
                          IPv4Address(raw: 0x0A00_0000 | UInt32(rng.below(4)) << 16 | UInt32(rng.below(4))),
                          proto: proto, sourcePort: UInt16(rng.below(12)), destinationPort: UInt16(rng.below(16)),
                          dscp: UInt8(rng.below(3)), ingress: UInt16(rng.below(3)))
    }

    @Test(arguments: [(50, 1 as UInt64), (500, 2), (3000, 3)])
    func agreesWithALinearScan(count: Int, seed: UInt64) {
        let c = Classifier(rules: Self.randomRules(count, seed: seed))
        var rng = Rng(state: seed &+ 99)
        var matched = 0
        for _ in 0..<5000 {
            let f = Self.randomFields(&rng)
            let fast = c.lookup(f), slow = c.linearLookup(f)
            #expect(fast == slow, "\(f)")
            if fast != nil { matched += 1 }
        }
        #expect(matched > 500)  // the test exercises matches, not only misses
    }

    @Test func firstMatchByPrecedenceWins() {
        let broad = ClassifierRule(name: "broad", priority: 1, chain: 0, family: .ipv4, proto: 6)
        let narrow = ClassifierRule(name: "narrow", priority: 2, chain: 1, family: .ipv4,
                                    destination4: IPv4Prefix(address: IPv4Address(raw: 0x0A00_0001), length: 32),
                                    proto: 6, destinationPorts: 80...80)
        let f = FlowFields(ipv4: IPv4Address(raw: 0x0A00_0002), IPv4Address(raw: 0x0A00_0001), proto: 6,
                           sourcePort: 1, destinationPort: 80, dscp: 0, ingress: 0)
        #expect(Classifier(rules: [broad, narrow]).lookup(f) == 0)
        #expect(Classifier(rules: [narrow, broad]).lookup(f) == 0)
        #expect(Classifier(rules: [narrow, broad]).lookup(FlowFields(ipv4: IPv4Address(raw: 2), IPv4Address(raw: 0x0A00_0001),
                proto: 17, sourcePort: 1, destinationPort: 80, dscp: 0, ingress: 0)) == nil)
    }

    @Test func aHundredThousandRulesStayExact() {
        // Exact /32 destinations with ports: the shape a large deployment has.
        var rules: [ClassifierRule] = []
        for i in 0..<100_000 {
            rules.append(ClassifierRule(name: "r\(i)", priority: i, chain: i % 7, family: .ipv4,
                                        destination4: IPv4Prefix(address: IPv4Address(raw: 0x0A00_0000 | UInt32(i)), length: 32),
                                        proto: 6, destinationPorts: UInt16(i % 1000)...UInt16(i % 1000)))
        }
        rules.append(ClassifierRule(name: "default", priority: 200_000, chain: 3, family: .ipv4))
        let c = Classifier(rules: rules)
        #expect(c.tuples.count == 2)
        for i in stride(from: 0, to: 100_000, by: 997) {
            let hit = FlowFields(ipv4: IPv4Address(raw: 1), IPv4Address(raw: 0x0A00_0000 | UInt32(i)), proto: 6,
                                 sourcePort: 5, destinationPort: UInt16(i % 1000), dscp: 0, ingress: 0)
            #expect(c.lookup(hit) == i)
            let miss = FlowFields(ipv4: IPv4Address(raw: 1), IPv4Address(raw: 0x0A00_0000 | UInt32(i)), proto: 6,
                                  sourcePort: 5, destinationPort: UInt16(i % 1000) &+ 1, dscp: 0, ingress: 0)
            #expect(c.lookup(miss) == 100_000)
        }
    }
}
