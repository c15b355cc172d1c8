// The NSH proxy's per-flow state (RFC 8300 s4.6, RFC 7665 s4.6): what an
// NSH-unaware function sends back gets the NSH header its flow left with,
// SI - 1, not one rebuilt from the chain's configuration; without state
// for the flow, the configured header.
import Testing
@testable import SFCCore

@Suite struct NSHProxyStateTests {
    /// Topo plus an NSH-unaware function first in a chain, an NSH-aware one
    /// after it, so that what the proxy restores is seen on the wire.
    static let fw2MAC = Topo.mac("02:00:00:00:11:09")
    static let fw2VLAN: UInt16 = 40
    static let spi: UInt32 = 400
    static let config: CompiledConfig = {
        var c = Topo.config
        c.functions.append(FunctionConfig(name: "fw2", kind: .nshUnaware, instances: [
            InstanceConfig(name: "fw2-1", attachment: Adjacency(port: Topo.services, mac: fw2MAC, vlan: fw2VLAN)),
        ]))
        c.chains.append(ChainConfig(name: "unaware-first", spi: spi, encapsulation: .nsh, hops: [c.functions.count - 1, 0],
                                    metadata: .type1(context: [0xc1, 0xc2, 0xc3, 0xc4]),
                                    end: .deliver(Adjacency(port: Topo.servers, mac: Topo.serverGateway))))
        return c
    }()

    func pipeline() -> Pipeline { Pipeline(tables: ForwardingTables(Self.config)) }

    func inner(sport: UInt16) -> [UInt8] {
        Array(Topo.clientFrame(.tcp(sourcePort: sport, destinationPort: 80))[14...])
    }

    /// NSH as another classifier (OVS, say) pushed it, on the trusted services port.
    func foreignNSH(_ inner: [UInt8], ttl: UInt8, context: [UInt8], mdType: UInt8 = 1, si: UInt8 = 255) -> [UInt8] {
        var nsh = [UInt8](repeating: 0, count: 8)
        nsh.withUnsafeMutableBytes {
            NSHHeader.writeBase($0.baseAddress!, ttl: ttl, lengthWords: UInt8(2 + context.count / 4), mdType: mdType,
                                nextProtocol: NSHNextProtocol.ipv4, spi: Self.spi, si: si)
        }
        return PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.peerMAC,
                                      etherType: EtherType.nsh) + nsh + context + inner
    }

    /// What the NSH-unaware function sends back: the bare packet on its VLAN.
    func fromFunction(_ inner: [UInt8]) -> [UInt8] {
        PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Self.fw2MAC, vlan: Self.fw2VLAN,
                               etherType: EtherType.ipv4) + inner
    }

    static func context(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { [UInt8($0 >> 24), UInt8($0 >> 16 & 0xFF), UInt8($0 >> 8 & 0xFF), UInt8($0 & 0xFF)] }
    }

    /// Sends `inner` (with NSH) through the proxy and checks that the function gets the bare packet.
    func out(_ p: Pipeline, _ frame: [UInt8], inner: [UInt8]) {
        let (meta, output) = p.process(frame, ingress: Topo.services)
        #expect(meta.verdict == .forward && meta.trace.all == [.nshProxyOut])
        #expect(output.mac(0) == Self.fw2MAC && output.be16(14) & 0xFFF == Self.fw2VLAN && Array(output[18...]) == inner)
    }

    /// The frame the function's return produces: NSH towards the IDS.
    func back(_ p: Pipeline, _ inner: [UInt8]) -> [UInt8] {
        let (meta, output) = p.process(fromFunction(inner), ingress: Topo.services)
        #expect(meta.verdict == .forward && meta.trace.all == [.nshProxyIn, .nshForward])
        #expect(output.be16(12) == EtherType.nsh)
        return output
    }

    static func ttl(_ frame: [UInt8]) -> Int { Int(frame.be16(14) >> 6 & 0x3F) }

    @Test func aForeignContextAndTTLCrossAnUnawareHopIntact() {
        let p = pipeline()
        let ip = inner(sport: 40001)
        let context = Self.context([0x0a0b_0c0d, 0, 0, 0])
        // Arrives with TTL 20, leaves towards the function with 19.
        out(p, foreignNSH(ip, ttl: 20, context: context), inner: ip)
        let frame = back(p, ip)
        // Restored: TTL 19 as it left, decremented once more by the SFF; SI 255 - 1.
        #expect(Self.ttl(frame) == 18)
        #expect(frame.be16(14) & 0x3F == 6 && frame[16] & 0x0F == 1 && frame[17] == NSHNextProtocol.ipv4)
        #expect(frame.be32(18) >> 8 == Self.spi && frame[21] == 254)
        #expect(Array(frame[22..<38]) == context)
        #expect(Array(frame[38...]) == ip)
    }

    @Test func anMD2HeaderComesBackWithItsTLVs() {
        let p = pipeline()
        let ip = inner(sport: 40011)
        // One TLV (class 0x0102, type 3, 4 bytes) on a chain configured MD type 1.
        let tlvs: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef]
        out(p, foreignNSH(ip, ttl: 40, context: tlvs, mdType: 2), inner: ip)
        let frame = back(p, ip)
        #expect(Self.ttl(frame) == 38)
        #expect(frame.be16(14) & 0x3F == 4 && frame[16] & 0x0F == 2 && frame[21] == 254)
        #expect(Array(frame[22..<30]) == tlvs)
        #expect(Array(frame[30...]) == ip)
    }

    /// Two source ports whose flows use different slots of the block (or the same one).
    static func ports(sameSlot: Bool) -> (UInt16, UInt16) {
        let t = NSHProxyStateTests()
        func slot(_ port: UInt16) -> UInt32 {
            let ip = t.inner(sport: port)
            return ip.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: ip.count) } & UInt32(ForwardingTables.nshProxyFlowSlots - 1)
        }
        for b in UInt16(40101)...40400 where (slot(40100) == slot(b)) == sameSlot { return (40100, b) }
        fatalError("no pair of ports found")
    }

    @Test func interleavedFlowsEachGetTheirOwnHeaderBack() {
        let p = pipeline()
        let (a, b) = Self.ports(sameSlot: false)
        let ipA = inner(sport: a), ipB = inner(sport: b)
        let ctxA = Self.context([0x0a0b_0c0d, 1, 2, 3]), ctxB = Self.context([0x0e0f_1011, 4, 5, 6])
        out(p, foreignNSH(ipA, ttl: 20, context: ctxA), inner: ipA)
        out(p, foreignNSH(ipB, ttl: 30, context: ctxB), inner: ipB)
        let backB = back(p, ipB), backA = back(p, ipA)
        #expect(Self.ttl(backA) == 18 && Array(backA[22..<38]) == ctxA && backA[21] == 254)
        #expect(Self.ttl(backB) == 28 && Array(backB[22..<38]) == ctxB && backB[21] == 254)
        // The state stays for the flow's next packets.
        let again = back(p, ipA)
        #expect(Self.ttl(again) == 18 && Array(again[22..<38]) == ctxA)
        // Two slots, nothing overwritten, nothing rebuilt; a flow saving its
        // own slot again is not an eviction.
        out(p, foreignNSH(ipA, ttl: 21, context: ctxA), inner: ipA)
        let events = p.counters.events
        #expect(events[Int(NodeEvent.nshProxyEvicted.rawValue)] == 0)
        #expect(events[Int(NodeEvent.nshProxyRebuilt.rawValue)] == 0)
    }

    @Test func withoutStateTheConfiguredHeaderIsRestored() {
        let p = pipeline()
        let ip = inner(sport: 40001)
        out(p, foreignNSH(ip, ttl: 20, context: Self.context([0x0a0b_0c0d, 0, 0, 0])), inner: ip)
        // The function changed the 5-tuple (NAT): no state for that flow.
        let translated = Array(Topo.clientFrame(.tcp(sourcePort: 5555, destinationPort: 80), src: "192.0.2.77")[14...])
        let frame = back(p, translated)
        // Chain configuration: SI 255 - 1, TTL 63 - 1 restored, minus the SFF's decrement; its context.
        #expect(Self.ttl(frame) == 61 && frame[21] == 254 && frame.be32(18) >> 8 == Self.spi)
        #expect(Array(frame[22..<38]) == Self.context([0xc1, 0xc2, 0xc3, 0xc4]))
        #expect(Array(frame[38...]) == translated)
    }

    @Test func aFlowWhoseSlotWasTakenByAnotherFallsBack() {
        let p = pipeline()
        let (a, b) = Self.ports(sameSlot: true)
        let ipA = inner(sport: a), ipB = inner(sport: b)
        out(p, foreignNSH(ipA, ttl: 20, context: Self.context([0x0a0b_0c0d, 0, 0, 0])), inner: ipA)
        out(p, foreignNSH(ipB, ttl: 30, context: Self.context([0x0e0f_1011, 0, 0, 0])), inner: ipB)
        let backA = back(p, ipA), backB = back(p, ipB)
        #expect(Self.ttl(backA) == 61 && Array(backA[22..<38]) == Self.context([0xc1, 0xc2, 0xc3, 0xc4]))
        #expect(Self.ttl(backB) == 28 && Array(backB[22..<38]) == Self.context([0x0e0f_1011, 0, 0, 0]))
        // Both counted: B's header overwrote A's, and A's return was rebuilt.
        let events = p.counters.events
        #expect(events[Int(NodeEvent.nshProxyEvicted.rawValue)] == 1)
        #expect(events[Int(NodeEvent.nshProxyRebuilt.rawValue)] == 1)
    }

    @Test func everyNSHUnawareReturnAttachmentHasItsOwnBlock() {
        let tables = ForwardingTables(Self.config)
        // fw-1 and fw2-1: two return attachments, two blocks.
        #expect(tables.nshProxyStateSlots == 2 * ForwardingTables.nshProxyFlowSlots)
        let fw = tables.instanceCounterBase[1], fw2 = tables.instanceCounterBase[Self.config.functions.count - 1]
        #expect(Set([tables.nshProxyStateBase[fw], tables.nshProxyStateBase[fw2]]) == [0, Int32(ForwardingTables.nshProxyFlowSlots)])
        #expect(tables.nshProxyStateBase[tables.instanceCounterBase[0]] == -1)
        let ret = tables.returns[ForwardingTables.returnKey(port: Topo.services, vlan: Self.fw2VLAN)]
        #expect(ret?.cacheSlot == tables.nshProxyStateBase[fw2])
    }
}
