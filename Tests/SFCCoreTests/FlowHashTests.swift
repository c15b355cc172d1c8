// Instance choice: sticky per flow, symmetric across directions, weighted,
// and minimally disruptive when instances come and go.
import Testing
@testable import SFCCore

@Suite struct FlowHashTests {
    func hash(_ endpoints: IPEndpoints, _ t: TransportSpec) -> UInt32 {
        let ip = PacketBuilder.ipPacket(endpoints: endpoints, transport: t, payload: [1, 2, 3])
        return ip.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: ip.count) }
    }

    @Test func bothDirectionsOfAFlowHashAlike() {
        let a4 = Topo.v4("10.1.0.5"), b4 = Topo.v4("10.20.0.9")
        #expect(hash(.v4(a4, b4), .tcp(sourcePort: 40000, destinationPort: 104))
                == hash(.v4(b4, a4), .tcp(sourcePort: 104, destinationPort: 40000)))
        let a6 = Topo.v6("2001:db8::1"), b6 = Topo.v6("2001:db8::2")
        #expect(hash(.v6(a6, b6), .udp(sourcePort: 5000, destinationPort: 53))
                == hash(.v6(b6, a6), .udp(sourcePort: 53, destinationPort: 5000)))
        #expect(hash(.v4(a4, b4), .icmpEcho(identifier: 1, sequence: 1)) == hash(.v4(b4, a4), .icmpEcho(identifier: 1, sequence: 2)))
        // Different flows differ.
        #expect(hash(.v4(a4, b4), .tcp(sourcePort: 40000, destinationPort: 104))
                != hash(.v4(a4, b4), .tcp(sourcePort: 40001, destinationPort: 104)))
    }

    @Test func aFlowAndItsReplyReachTheSameInstanceThroughThePipeline() {
        let p = Topo.pipeline()
        var seen: Set<MACAddress> = []
        for port in UInt16(40000)..<40064 {
            let forward = Topo.clientFrame(.tcp(sourcePort: port, destinationPort: 80))
            let first = p.process(forward, ingress: Topo.clients).output.mac(0)
            let again = p.process(forward, ingress: Topo.clients).output.mac(0)
            #expect(first == again)
            // The reply, classified by the IPv6-less reverse path, would hash the same:
            let reverse = PacketBuilder.ipPacket(endpoints: .v4(Topo.v4("10.20.0.9"), Topo.v4("10.1.0.5")),
                                                 transport: .tcp(sourcePort: 80, destinationPort: port), payload: [])
            let h = reverse.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: reverse.count) }
            let ids = p.tables.functions[0]
            let mac = ids.config.instances[ids.selector.instance(forHash: h)].attachment!.mac
            #expect(mac == first)
            seen.insert(first)
        }
        #expect(seen.count == 2)  // both instances are used
    }

    /// A node's flow-hash key (FlowHash.seed(key:)) changes where flows go,
    /// keeps both directions together, and reaches every choice the pipeline
    /// makes through ForwardingTables.flowSeed.
    @Test func aKeyedSeedMovesFlowsAndKeepsThemSymmetric() {
        let seed = FlowHash.seed(key: Array("a node's secret flow hash key".utf8))
        #expect(seed != FlowHash.seed && seed == FlowHash.seed(key: Array("a node's secret flow hash key".utf8)))
        let a = Topo.v4("10.1.0.5"), b = Topo.v4("10.20.0.9")
        var moved = 0
        for port in UInt16(40000)..<40256 {
            let out = PacketBuilder.ipPacket(endpoints: .v4(a, b), transport: .tcp(sourcePort: port, destinationPort: 80), payload: [])
            let back = PacketBuilder.ipPacket(endpoints: .v4(b, a), transport: .tcp(sourcePort: 80, destinationPort: port), payload: [])
            let keyed = out.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: out.count, seed: seed) }
            #expect(keyed == back.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: back.count, seed: seed) })
            if keyed != out.withUnsafeBytes({ FlowHash.ofIPPacket($0.baseAddress!, count: out.count) }) { moved += 1 }
        }
        #expect(moved == 256)

        // Through the pipeline: the same flows pick instances differently.
        var config = Topo.config
        config.flowHashSeed = seed
        let plain = Topo.pipeline(), keyed = Pipeline(tables: ForwardingTables(config))
        #expect(keyed.tables.flowSeed == seed)
        var differ = 0
        for port in UInt16(40000)..<40064 {
            let frame = Topo.clientFrame(.tcp(sourcePort: port, destinationPort: 80))
            let x = plain.process(frame, ingress: Topo.clients).output.mac(0), y = keyed.process(frame, ingress: Topo.clients).output.mac(0)
            if x != y { differ += 1 }
        }
        // Two instances: about half the flows change side (64 flows, so far from 0 or 64).
        #expect(differ > 8 && differ < 56, "\(differ) of 64 flows changed instance")
    }

    @Test func weightsShareTheBuckets() {
        let s = InstanceSelector(instances: [("a", 1), ("b", 3)])
        let b = s.buckets.filter { $0 == 1 }.count
        let share = Double(b) / Double(InstanceSelector.bucketCount)
        #expect(share > 0.68 && share < 0.82, "share \(share)")
    }

    @Test func removingAnInstanceMovesOnlyItsFlows() {
        let before = InstanceSelector(instances: [("a", 1), ("b", 2), ("c", 1), ("d", 1)])
        let after = InstanceSelector(instances: [("a", 1), ("b", 2), ("d", 1)])
        let namesBefore = ["a", "b", "c", "d"], namesAfter = ["a", "b", "d"]
        var moved = 0
        for bucket in 0..<InstanceSelector.bucketCount {
            let was = namesBefore[Int(before.buckets[bucket])], now = namesAfter[Int(after.buckets[bucket])]
            if was != "c" { #expect(was == now, "bucket \(bucket) moved from \(was) to \(now)") } else { moved += 1 }
        }
        #expect(moved > 0)
    }

    @Test func addingAnInstanceOnlyTakesFlowsToIt() {
        let before = InstanceSelector(instances: [("a", 1), ("b", 1)])
        let after = InstanceSelector(instances: [("a", 1), ("b", 1), ("new", 1)])
        let namesBefore = ["a", "b"], namesAfter = ["a", "b", "new"]
        var taken = 0
        for bucket in 0..<InstanceSelector.bucketCount {
            let now = namesAfter[Int(after.buckets[bucket])]
            if now == "new" { taken += 1 } else { #expect(now == namesBefore[Int(before.buckets[bucket])]) }
        }
        // Roughly a third of the flows move to the newcomer.
        #expect(taken > 250 && taken < 430, "taken \(taken)")
    }

    @Test func theChoiceDoesNotDependOnInstanceOrder() {
        let one = InstanceSelector(instances: [("a", 1), ("b", 2)])
        let two = InstanceSelector(instances: [("b", 2), ("a", 1)])
        for bucket in 0..<InstanceSelector.bucketCount {
            #expect(["a", "b"][Int(one.buckets[bucket])] == ["b", "a"][Int(two.buckets[bucket])])
        }
    }
}
