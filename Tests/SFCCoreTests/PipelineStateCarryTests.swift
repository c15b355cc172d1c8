// Proxy state across a reload (PipelineStateCarry): a new generation's
// Pipeline gets the End.AD headers and the NSH proxy flows its predecessor
// learned, matched by (function, instance) name even when the slots moved;
// without the carry, or for an attachment the new tables no longer have,
// it starts empty.
import Testing
@testable import SFCCore

@Suite struct PipelineStateCarryTests {
    /// `c` with one more function, on a new chain put first, so that every
    /// existing proxy slot and state block moves by one.
    static func shifted(_ c: CompiledConfig, adding function: FunctionConfig, spi: UInt32) -> CompiledConfig {
        var c = c
        c.functions.append(function)
        let end: ChainEnd = function.kind == .srUnaware ? .segment(Topo.v6("fc00:1::d4"))
            : .deliver(Adjacency(port: Topo.servers, mac: Topo.serverGateway))
        c.chains.insert(ChainConfig(name: "first", spi: spi, encapsulation: function.kind.encapsulation, hops: [c.functions.count - 1],
                                    end: end), at: 0)
        for i in c.rules.indices { c.rules[i].chain += 1 }
        return c
    }

    // MARK: NSH proxy

    let nsh = NSHProxyStateTests()

    static let nshShifted = shifted(NSHProxyStateTests.config, adding: FunctionConfig(name: "fw0", kind: .nshUnaware, instances: [
        InstanceConfig(name: "fw0-1", attachment: Adjacency(port: Topo.services, mac: Topo.mac("02:00:00:00:11:0a"), vlan: 41)),
    ]), spi: 410)

    @Test func nshProxyFlowsSurviveASwapWhoseSlotsMoved() {
        let old = nsh.pipeline()
        let ip = nsh.inner(sport: 40001)
        let context = NSHProxyStateTests.context([0x0a0b_0c0d, 0, 0, 0])
        nsh.out(old, nsh.foreignNSH(ip, ttl: 20, context: context), inner: ip)

        let tables = ForwardingTables(Self.nshShifted, generation: 1)
        let plan = PipelineStateCarry(from: old.tables, to: tables)
        #expect(plan.blockPairCount >= 1)
        // The block did move: the carry is by name, not by position.
        let fw2 = NSHProxyStateTests.config.functions.firstIndex { $0.name == "fw2" }!
        #expect(old.tables.nshProxyStateBase[old.tables.instanceCounterBase[fw2]]
                != tables.nshProxyStateBase[tables.instanceCounterBase[fw2]])
        let carried = Pipeline(tables: tables)
        carried.carryState(from: old, plan: plan)
        let frame = nsh.back(carried, ip)
        #expect(NSHProxyStateTests.ttl(frame) == 18 && Array(frame[22..<38]) == context && frame[21] == 254)

        // Without the carry: the chain's configured header.
        let fresh = nsh.back(Pipeline(tables: tables), ip)
        #expect(Array(fresh[22..<38]) == NSHProxyStateTests.context([0xc1, 0xc2, 0xc3, 0xc4]))
    }

    @Test func aRenamedInstanceStartsEmpty() {
        let old = nsh.pipeline()
        let ip = nsh.inner(sport: 40001)
        nsh.out(old, nsh.foreignNSH(ip, ttl: 20, context: NSHProxyStateTests.context([0x0a0b_0c0d, 0, 0, 0])), inner: ip)
        var renamed = NSHProxyStateTests.config
        let fw2 = renamed.functions.firstIndex { $0.name == "fw2" }!
        renamed.functions[fw2].instances[0].name = "fw2-new"
        let tables = ForwardingTables(renamed, generation: 1)
        let plan = PipelineStateCarry(from: old.tables, to: tables)
        let next = Pipeline(tables: tables)
        next.carryState(from: old, plan: plan)
        let frame = nsh.back(next, ip)
        #expect(Array(frame[22..<38]) == NSHProxyStateTests.context([0xc1, 0xc2, 0xc3, 0xc4]))
    }

    // MARK: End.AD

    static let adShifted = shifted(Topo.config, adding: FunctionConfig(name: "ad0", kind: .srUnaware, proxy: .dynamicProxy, instances: [
        InstanceConfig(name: "ad0-1", attachment: Adjacency(port: Topo.services, mac: Topo.mac("02:00:00:00:11:0b"), vlan: 29),
                       sid: Topo.v6("fc00:1::a9")),
    ]), spi: 420)

    @Test func endADHeadersSurviveASwapWhoseSlotsMoved() {
        let old = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 11112))
        #expect(old.process(input, ingress: Topo.clients).meta.trace.all == [.srv6EncapReduced, .endADOut])
        let fromAD = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.adMAC, vlan: 21,
                                            etherType: EtherType.ipv4) + input[14...]
        let tables = ForwardingTables(Self.adShifted, generation: 1)
        let plan = PipelineStateCarry(from: old.tables, to: tables)
        #expect(plan.cachePairCount == 1)
        #expect(Pipeline(tables: tables).process(fromAD, ingress: Topo.services).meta.dropReason == .srv6ProxyNoState)
        let carried = Pipeline(tables: tables)
        carried.carryState(from: old, plan: plan)
        #expect(carried.process(fromAD, ingress: Topo.services).meta.trace.all == [.endADIn, .endAMOut])
    }
}
