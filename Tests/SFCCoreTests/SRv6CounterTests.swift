// What the counters say about an SRv6 chain: the headend counts the
// instance of every SR-aware hop the segment list steers to, this node's
// proxies count their SR-unaware hops (and instances) when they hand the
// function the packet, and a decapsulating SID that ends exactly one chain
// counts that chain's deliveries.
import Testing
@testable import SFCCore

@Suite struct SRv6CounterTests {
    /// Chain "sr3" (two SR-aware hops) with its own End.DX4 SID fc00:1::d8,
    /// which no other chain ends at.
    static let config: CompiledConfig = {
        var c = Topo.config
        c.sids.append(LocalSIDConfig(sid: Topo.v6("fc00:1::d8"), behavior: .endDX4,
                                     via: Adjacency(port: Topo.servers, mac: Topo.serverGateway)))
        c.chains[5].end = .segment(Topo.v6("fc00:1::d8"))
        return c
    }()

    @Test func theHeadendCountsEverySRAwareHopsInstanceOnceAndNoHop() {
        let p = Pipeline(tables: ForwardingTables(Self.config))
        let (meta, _) = p.process(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 443)), ingress: Topo.clients)
        #expect(meta.verdict == .forward)
        let base = p.tables.hopCounterBase[5], lb = p.tables.instanceCounterBase[3]
        #expect(Array(p.counters.hopPackets[base..<(base + 3)]) == [0, 0, 0])  // SR-aware hops, not yet delivered
        #expect(p.counters.instancePackets[lb] + p.counters.instancePackets[lb + 1] == 2)
    }

    @Test func aSIDThatEndsOneChainCountsItsDeliveriesAndASharedOneDoesNot() {
        let tables = ForwardingTables(Self.config)
        #expect(tables.localSIDs[Topo.v6("fc00:1::d8")]?.chain == 5)
        #expect(tables.localSIDs[Topo.v6("fc00:1::d4")]?.chain == -1)  // four chains end there
        let p = Pipeline(tables: tables)
        let atOwn = SRv6Frames.frame(da: "fc00:1::d8", segments: ["fc00:1::d8"], segmentsLeft: 0)
        let atShared = SRv6Frames.frame(da: "fc00:1::d4", segments: ["fc00:1::d4"], segmentsLeft: 0)
        for frame in [atOwn, atOwn, atShared] {
            #expect(p.process(frame, ingress: Topo.sr).meta.verdict == .forward)
        }
        let base = tables.hopCounterBase[5]
        #expect(p.counters.hopPackets[base + 2] == 2)
        #expect(p.counters.hopPackets.reduce(0, +) == 2)
    }

    @Test func anEndASHopIsCountedOnceByTheProxyNotAlsoAtTheHeadend() {
        let p = Topo.pipeline()
        // Chain "sr": End.AS (as-fn, a SID of this node) then lb (SR-aware).
        // The End.AS SID, run in the same pass as the headend, counts as-fn once.
        let (meta, _) = p.process(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 104)), ingress: Topo.clients)
        #expect(meta.trace.all == [.srv6Encap, .endASOut])
        let base = p.tables.hopCounterBase[2], asFn = p.tables.instanceCounterBase[4]
        #expect(Array(p.counters.hopPackets[base..<(base + 3)]) == [1, 0, 0])
        #expect(p.counters.instancePackets[asFn] == 1)
    }
}
