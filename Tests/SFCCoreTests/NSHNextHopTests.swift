// The SFF's precomputed rewrite (Tables/NSHNextHop.swift): the bytes and
// counters of the general path, with a VLAN tag (the 18-byte header), and
// the general path again when the instance is down.
import Testing
@testable import SFCCore

@Suite struct NSHNextHopTests {
    let web = TransportSpec.tcp(sourcePort: 40000, destinationPort: 80)

    /// Topo with one IDS instance, tagged VLAN 7: hop 0 of "web" is direct.
    func tables(fail: FailMode = .closed) -> ForwardingTables {
        var config = Topo.config
        config.functions[0].fail = fail
        config.functions[0].instances = [InstanceConfig(name: "ids-1", attachment: Adjacency(port: Topo.services, mac: Topo.ids1, vlan: 7))]
        return ForwardingTables(config)
    }

    @Test func aTaggedSingleInstanceIsDirectAndGetsTheWholeHeader() {
        let t = tables()
        let first = Int(t.nshFirstPath[0])
        #expect(first >= 0 && t.nshNextHops[first].direct && t.nshNextHops[first].l2Length == 18)
        let p = Pipeline(tables: t)
        let input = Topo.clientFrame(web)
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.verdict == .forward && meta.egressPort == Int32(Topo.services))
        #expect(meta.trace.all == [.nshEncap, .nshForward])
        var want = [UInt8](repeating: 0, count: 18)
        want.withUnsafeMutableBytes {
            EthernetHeader.write($0.baseAddress!, destination: Topo.ids1, source: Topo.config.ports[Topo.services].mac,
                                 vlan: 7, etherType: EtherType.nsh)
        }
        #expect(Array(out[0..<18]) == want)
        // NSH as the classifier + SFF write it: TTL 62, length 6, MD 1, IPv4, SPI 100, SI 255.
        #expect(out.be16(18) == 62 << 6 | 6 && out[20] == 1 && out[21] == NSHNextProtocol.ipv4)
        #expect(out.be32(22) == 100 << 8 | 255)
        #expect(Array(out[42...]) == Array(input[14...]))
        // The SFF alone (an NSH packet arriving) gives the same frame, TTL one lower.
        let back = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.ids1,
                                          etherType: EtherType.nsh) + out[18...]
        let (meta2, out2) = p.process(back, ingress: Topo.services)
        #expect(meta2.verdict == .forward && Array(out2[0..<18]) == want && out2.be16(18) == 61 << 6 | 6)
        let c = p.counters
        #expect(c.hopPackets[t.hopCounterBase[0]] == 2 && c.instancePackets[t.instanceCounterBase[0]] == 2)
        #expect(c.txPackets[Topo.services] == 2)
    }

    @Test func aDownInstanceTakesTheGeneralPath() {
        let t = tables()
        let p = Pipeline(tables: t)
        p.live.set(function: 0, selector: t.functions[0].selector, states: [.down])
        let (meta, _) = p.process(Topo.clientFrame(web), ingress: Topo.clients)
        #expect(meta.verdict == .drop && meta.dropReason == .instanceDown)
        #expect(p.counters.drops(.instanceDown) == 1 && p.counters.txPackets[Topo.services] == 0)
    }

    @Test func aDownInstanceThatFailsOpenIsBypassedAsBefore() {
        let t = tables(fail: .open)
        let p = Pipeline(tables: t)
        p.live.set(function: 0, selector: t.functions[0].selector, states: [.down])
        let (meta, out) = p.process(Topo.clientFrame(web), ingress: Topo.clients)
        #expect(meta.verdict == .forward && meta.trace.all == [.nshEncap, .hopBypass, .nshProxyOut])
        #expect(out.mac(0) == Topo.fw1 && p.counters.events(.hopBypassed) == 1)
    }
}
