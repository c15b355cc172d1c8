// Instance state, fail mode, flow affinity and probe replies in the
// reference pipeline (docs/PIPELINE.md "Instance state, fail mode and flow
// affinity", "Liveness probes"). SFCXDPTests/LivenessTests holds BPF to the
// same results.
import Testing
@testable import SFCCore

@Suite struct InstanceLivenessTests {
    /// A manual clock: ticks move only when a test says so.
    final class Clock: @unchecked Sendable {
        var now: UInt32 = 1000
    }

    static let ids = 0, fw = 1
    static let sources = (1...200).map { "10.1.\($0 / 250).\($0 % 250 + 1)" }

    func flow(_ n: Int) -> [UInt8] {
        Topo.clientFrame(.tcp(sourcePort: UInt16(20000 + n), destinationPort: 80), src: Self.sources[n % Self.sources.count])
    }

    func make(_ config: CompiledConfig = Topo.config, liveness: InstanceLiveness = InstanceLiveness(), clock: Clock = Clock())
        -> Pipeline {
        let tables = ForwardingTables(config, liveness: liveness)
        return Pipeline(tables: tables, shared: PipelineShared(ticks: { clock.now }))
    }

    /// Which ids instance each flow went to (by the egress MAC).
    func idsInstances(_ p: Pipeline, flows: Range<Int>) -> [Int] {
        flows.map { n in
            let (meta, out) = p.process(flow(n), ingress: Topo.clients)
            guard meta.verdict == .forward else { return -1 }
            let mac = out.mac(0)
            return mac == Topo.ids1 ? 0 : mac == Topo.ids2 ? 1 : -2
        }
    }

    func set(_ p: Pipeline, _ liveness: InstanceLiveness, function f: Int) {
        let config = p.tables.functions[f].config
        p.live.set(function: f, selector: liveness.selector(of: config), states: liveness.states(of: config))
    }

    @Test func aDownInstanceMovesOnlyItsFlows() {
        let p = make()
        let before = idsInstances(p, flows: 0..<200)
        #expect(Set(before) == [0, 1])
        var l = InstanceLiveness()
        l.set(function: "ids", instance: "ids-2", .init(state: .down))
        set(p, l, function: Self.ids)
        let after = idsInstances(p, flows: 0..<200)
        for (b, a) in zip(before, after) {
            #expect(a == 0)
            _ = b
        }
        #expect(p.counters.events(.affinityMoved) == UInt64(before.filter { $0 == 1 }.count))
        // Back up: the flows that moved stay on ids-1 (affinity), new flows use both.
        set(p, InstanceLiveness(), function: Self.ids)
        #expect(idsInstances(p, flows: 0..<200).allSatisfy { $0 == 0 })
        let fresh = idsInstances(p, flows: 200..<400)
        #expect(Set(fresh) == [0, 1])
    }

    @Test func addingAnInstanceKeepsEstablishedFlows() {
        var one = Topo.config
        one.functions[Self.ids].instances.removeLast()
        one.functions[Self.ids].instances.append(InstanceConfig(name: "ids-3", attachment: one.functions[Self.ids].instances[0].attachment))
        // ids-1 and ids-3 (same MAC as ids-1) first; then the file gains ids-2.
        let shared = PipelineShared(ticks: { 1000 })
        let p1 = Pipeline(tables: ForwardingTables(Topo.config), shared: shared)
        let before = idsInstances(p1, flows: 0..<200)
        var weighted = Topo.config
        weighted.functions[Self.ids].instances[0].weight = 5
        let p2 = Pipeline(tables: ForwardingTables(weighted, generation: 1), shared: shared)
        // Established flows keep their instance through the weight change.
        #expect(idsInstances(p2, flows: 0..<200) == before)
        // Without the shared affinity table, some would have moved.
        let cold = Pipeline(tables: ForwardingTables(weighted, generation: 1))
        #expect(idsInstances(cold, flows: 0..<200) != before)
    }

    @Test func drainKeepsFlowsAndTakesNoNewOnes() {
        let p = make()
        let before = idsInstances(p, flows: 0..<100)
        var l = InstanceLiveness()
        l.set(function: "ids", instance: "ids-2", .init(state: .drain))
        set(p, l, function: Self.ids)
        #expect(idsInstances(p, flows: 0..<100) == before)
        #expect(idsInstances(p, flows: 100..<300).allSatisfy { $0 == 0 })
    }

    @Test func idleFlowsExpire() {
        let clock = Clock()
        let p = make(clock: clock)
        _ = idsInstances(p, flows: 0..<50)
        var l = InstanceLiveness()
        l.set(function: "ids", instance: "ids-2", .init(state: .drain))
        set(p, l, function: Self.ids)
        clock.now &+= FunctionEntry.ticks(milliseconds: Topo.config.functions[0].affinityIdleMilliseconds) + 2
        #expect(idsInstances(p, flows: 0..<50).allSatisfy { $0 == 0 })
        #expect(p.counters.events(.affinityExpired) > 0)
    }

    @Test func failClosedAndFailOpen() {
        var l = InstanceLiveness()
        l.set(function: "fw", instance: "fw-1", .init(state: .down))
        let closed = make(liveness: l)
        var openConfig = Topo.config
        openConfig.functions[Self.fw].fail = .open
        let open = make(openConfig, liveness: l)
        // ids comes first; its returned packet (SI 254) reaches fw, bypassed.
        let back = nshFrom(idsOutput: make(openConfig).process(flow(1), ingress: Topo.clients).output)
        let (m3, out3) = open.process(back, ingress: Topo.services)
        #expect(m3.verdict == .forward)
        #expect(out3.mac(0) == Topo.serverGateway)
        #expect(open.counters.events(.hopBypassed) == 1)
        let (m4, _) = closed.process(back, ingress: Topo.services)
        #expect(m4.dropReason == .instanceDown)
    }

    /// What an NSH-aware SF sends back: the frame it got, SI - 1, to the SFF.
    func nshFrom(idsOutput frame: [UInt8]) -> [UInt8] {
        var f = frame
        let sff = Topo.config.ports[Topo.services].mac
        for i in 0..<6 { f[i] = sff.octet(i); f[6 + i] = Topo.ids1.octet(i) }
        f[14 + 7] &-= 1
        return f
    }

    @Test func probesComeBackAndAreConsumed() {
        let p = make()
        let tables = p.tables
        // nsh-unaware fw-1: bare on the attachment, back on the return port.
        let out = ProbeFrames.frame(tables, function: Self.fw, instance: 0, tuple: .defaultPositive, token: 7, sequence: 42)!
        #expect(out.port == Topo.services)
        let (m, _) = p.process(out.bytes, ingress: Topo.services)
        #expect(m.verdict == .consumed)
        #expect(p.shared.probes.reply(token: 7) == (42, 1))
        // nsh-aware ids: in NSH with the O bit; the SF returns it with SI - 1.
        let probe = ProbeFrames.frame(tables, function: Self.ids, instance: 1, tuple: .defaultPositive, token: 8, sequence: 5)!
        #expect(probe.bytes[14] & 0x20 != 0)
        let (m2, _) = p.process(nshFrom(idsOutput: probe.bytes), ingress: Topo.services)
        #expect(m2.verdict == .consumed)
        #expect(p.shared.probes.reply(token: 8) == (5, 1))
        #expect(p.counters.events(.probeReply) == 2)
        // Not traffic: no chain, hop, instance or drop counted.
        let c = p.counters
        #expect(c.totalDrops == 0 && c.chainPackets.allSatisfy { $0 == 0 } && c.instancePackets.allSatisfy { $0 == 0 })
        // A probe token out of range is not a probe.
        let bad = ProbeFrames.frame(tables, function: Self.fw, instance: 0, tuple: .defaultPositive,
                                    token: UInt32(SharedSpec.SFC_MAX_PROBES), sequence: 1)!
        #expect(p.process(bad.bytes, ingress: Topo.services).meta.verdict != .consumed)
        // Other OAM is still dropped.
        var oam = probe.bytes
        oam[oam.count - 12] = 0  // breaks the magic
        #expect(p.process(nshFrom(idsOutput: oam), ingress: Topo.services).meta.dropReason == .nshOAM)
    }

    @Test func srv6HeadendAndProxySIDs() {
        // "sr": End.AS (as-fn) then lb (sr-aware, two instances).
        var l = InstanceLiveness()
        l.set(function: "lb", instance: "lb-1", .init(state: .down))
        l.set(function: "lb", instance: "lb-2", .init(state: .down))
        let p = make(liveness: l)
        let frame = Topo.clientFrame(.tcp(sourcePort: 999, destinationPort: 104))
        #expect(p.process(frame, ingress: Topo.clients).meta.dropReason == .instanceDown)
        // as-1 down, fail closed: the End.AS SID drops; fail open: acts as End.
        var l2 = InstanceLiveness()
        l2.set(function: "as-fn", instance: "as-1", .init(state: .down))
        var openConfig = Topo.config
        openConfig.functions[4].fail = .open
        let closed = make(liveness: l2)
        #expect(closed.process(frame, ingress: Topo.clients).meta.dropReason == .instanceDown)
        let open = make(openConfig, liveness: l2)
        let (m, out) = open.process(frame, ingress: Topo.clients)
        #expect(m.verdict == .forward)
        #expect(open.counters.events(.hopBypassed) == 1)
        // The packet went on to the lb segment, not to the End.AS instance.
        #expect(out.mac(0) != Topo.asMAC)
    }
}
