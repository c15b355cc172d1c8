// RFC 8300 behaviour of the classifier + SFF + NSH proxy.
import Testing
@testable import SFCCore

@Suite struct NSHPipelineTests {
    let web = TransportSpec.tcp(sourcePort: 40000, destinationPort: 80)

    /// Classifies a web packet and returns the frame sent to the IDS.
    func toIDS(_ p: Pipeline) -> (PacketMeta, [UInt8]) {
        p.process(Topo.clientFrame(web), ingress: Topo.clients)
    }

    @Test func classifierPushesMD1AndSFFDecrementsTTLOnly() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(web)
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.verdict == .forward)
        #expect(meta.egressPort == Int32(Topo.services))
        #expect([Topo.ids1, Topo.ids2].contains(out.mac(0)))
        #expect(out.mac(6) == Topo.config.ports[Topo.services].mac)
        #expect(out.be16(12) == EtherType.nsh)
        // Base header: ver 0, O 0, TTL 63 - 1 (the SFF's own decrement), length 6, MD type 1, next protocol IPv4.
        let word = out.be16(14)
        #expect(word >> 14 == 0)
        #expect((word >> 6) & 0x3F == 62)
        #expect(word & 0x3F == 6)
        #expect(out[16] & 0x0F == 1)
        #expect(out[17] == NSHNextProtocol.ipv4)
        // Service path header: SPI 100, SI 255 (the SFF leaves SI alone).
        #expect(out.be32(18) >> 8 == 100)
        #expect(out[21] == 255)
        // 16 bytes of zero context, then the original IP packet unchanged.
        #expect(out[22..<38].allSatisfy { $0 == 0 })
        #expect(Array(out[38...]) == Array(input[14...]))
        #expect(meta.trace.all == [.nshEncap, .nshForward])
    }

    @Test func fullPathThroughAwareAndProxiedUnawareFunctionEndsDecapsulated() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(web)
        var (meta, frame) = toIDS(p)
        // The IDS (NSH-aware) decrements SI and sends the frame back.
        frame[21] -= 1
        let back = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: frame.mac(0),
                                          etherType: EtherType.nsh) + frame[14...]
        (meta, frame) = p.process(back, ingress: Topo.services)
        #expect(meta.verdict == .forward)
        #expect(meta.trace.all == [.nshProxyOut])
        // The NSH proxy strips NSH and sends the bare packet, VLAN 10, to the firewall.
        #expect(frame.mac(0) == Topo.fw1)
        #expect(frame.be16(12) == EtherType.vlan && frame.be16(14) & 0xFFF == 10 && frame.be16(16) == EtherType.ipv4)
        #expect(Array(frame[18...]) == Array(input[14...]))
        // The firewall returns it on the same attachment; the proxy restores
        // NSH with SI 253, the SFF finds the end of the path and decapsulates.
        let fromFirewall = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.fw1,
                                                  vlan: 10, etherType: EtherType.ipv4) + input[14...]
        (meta, frame) = p.process(fromFirewall, ingress: Topo.services)
        #expect(meta.verdict == .forward)
        #expect(meta.egressPort == Int32(Topo.servers))
        #expect(meta.trace.all == [.nshProxyIn, .nshDecap])
        #expect(frame.mac(0) == Topo.serverGateway)
        #expect(frame.be16(12) == EtherType.ipv4)
        #expect(Array(frame[14...]) == Array(input[14...]))
        // Counters: one packet on the chain, one per hop, one delivered.
        let base = p.tables.hopCounterBase[0]
        #expect(p.counters.chainPackets[0] == 1)
        #expect(Array(p.counters.hopPackets[base..<(base + 3)]) == [1, 1, 1])
        #expect(p.counters.totalDrops == 0)
    }

    /// An NSH frame on the services port with the given header fields.
    func nshFrame(spi: UInt32 = 100, si: UInt8 = 254, ttl: UInt8 = 10, version: UInt8 = 0, length: UInt8 = 6,
                  mdType: UInt8 = 1, oam: Bool = false) -> [UInt8] {
        let inner = Array(Topo.clientFrame(web)[14...])
        var nsh = [UInt8](repeating: 0, count: 24)
        nsh.withUnsafeMutableBytes {
            NSHHeader.writeBase($0.baseAddress!, ttl: ttl, lengthWords: length, mdType: mdType,
                                nextProtocol: NSHNextProtocol.ipv4, spi: spi, si: si)
        }
        nsh[0] |= version << 6 | (oam ? 0x20 : 0)
        return PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.ids1,
                                      etherType: EtherType.nsh) + nsh + inner
    }

    @Test func ttlIsDecrementedBeforeLookupAndOneIsDropped() {
        let p = Topo.pipeline()
        var r = p.process(nshFrame(ttl: 2), ingress: Topo.services)
        #expect(r.meta.verdict == .forward)
        r = p.process(nshFrame(ttl: 1), ingress: Topo.services)
        #expect(r.meta.verdict == .drop && r.meta.dropReason == .nshTTLExpired)
        #expect(p.counters.drops(.nshTTLExpired) == 1)
    }

    @Test func ttlZeroWrapsTo63() {
        // RFC 8300 s2.2: decrementing an incoming 0 gives 63.
        let p = Topo.pipeline()
        let r = p.process(nshFrame(si: 255, ttl: 0), ingress: Topo.services)
        #expect(r.meta.verdict == .forward)
        #expect(r.output.count > 22 && (r.output.be16(14) >> 6) & 0x3F == 63)
    }

    @Test func unknownPathAndMalformedHeadersAreDroppedWithTheirReason() {
        let p = Topo.pipeline()
        let cases: [([UInt8], DropReason)] = [
            (nshFrame(spi: 999), .nshNoPath),
            (nshFrame(si: 7), .nshNoPath),
            (nshFrame(version: 1), .nshBadVersion),
            (nshFrame(length: 5), .nshBadLength),
            (nshFrame(mdType: 0), .nshBadMDType),
            (nshFrame(mdType: 0xF), .nshBadMDType),
            (nshFrame(oam: true), .nshOAM),
            (Array(nshFrame().prefix(20)), .truncated),
        ]
        for (frame, reason) in cases {
            let r = p.process(frame, ingress: Topo.services)
            #expect(r.meta.verdict == .drop && r.meta.dropReason == reason, "expected \(reason)")
        }
        for (_, reason) in cases { #expect(p.counters.drops(reason) >= 1) }
    }

    @Test func nshFromAnUntrustedPortIsDropped() {
        let p = Topo.pipeline()
        let r = p.process(nshFrame(), ingress: Topo.clients)
        #expect(r.meta.dropReason == .untrustedIngress)
    }

    @Test func remoteInstanceGetsVXLANGPEWithMD2AndTheRemoteReturnIsAccepted() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.udp(sourcePort: 5000, destinationPort: 53))
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.verdict == .forward && meta.egressPort == Int32(Topo.uplink))
        #expect(meta.trace.all == [.nshEncap, .vxlanGPEEncap])
        #expect(out.mac(0) == Topo.peerMAC && out.be16(12) == EtherType.ipv4)
        // IPv4 to the peer, valid checksum, UDP 4790, VXLAN-GPE I+P flags, next protocol NSH, VNI 100.
        let checksum = out.withUnsafeBytes { Checksum.fold(Checksum.sum($0.baseAddress! + 14, count: 20)) }
        #expect(checksum == 0)
        #expect(out.be32(30) == Topo.v4("192.0.2.2").raw && out.be32(26) == Topo.v4("192.0.2.1").raw)
        #expect(out.be16(34) >= 0xC000 && out.be16(36) == 4790)
        #expect(out[42] == 0x0C && out[45] == 4 && out.be32(46) >> 8 == 100)
        // NSH MD type 2 with one 4-byte TLV: length 2 + 2 words.
        let nsh = 50
        #expect(out.be16(nsh) & 0x3F == 4 && out[nsh + 2] & 0x0F == 2)
        #expect(Array(out[(nsh + 8)..<(nsh + 16)]) == [0, 0, 1, 4, 0, 0, 0, 42])
        #expect(Array(out[(nsh + 16)...]) == Array(input[14...]))

        // The remote SFF sends it back over VXLAN-GPE after its SF: SI 254.
        var back = out
        back[nsh + 7] = 254
        back.replaceSubrange(0..<12, with: Array(out[6..<12]) + Array(out[0..<6]))
        back.replaceSubrange(26..<34, with: Array(out[30..<34]) + Array(out[26..<30]))
        let (meta2, out2) = p.process(back, ingress: Topo.uplink)
        #expect(meta2.verdict == .forward && meta2.egressPort == Int32(Topo.servers))
        #expect(meta2.trace.all == [.vxlanGPEDecap, .nshDecap])
        #expect(Array(out2[14...]) == Array(input[14...]))
    }

    @Test func encapsulationThatExceedsTheEgressMTUIsDropped() {
        let p = Topo.pipeline()
        // The uplink has MTU 1500; VXLAN-GPE + NSH MD2 adds 36 + 16 bytes.
        let big = Topo.clientFrame(.udp(sourcePort: 5000, destinationPort: 53), payload: Array(repeating: 7, count: 1460))
        let r = p.process(big, ingress: Topo.clients)
        #expect(r.meta.dropReason == .mtuExceeded)
    }

    @Test func unclassifiedAndNonIPTrafficIsCountedNotForwarded() {
        let p = Topo.pipeline()
        var r = p.process(Topo.clientFrame(.tcp(sourcePort: 1, destinationPort: 9)), ingress: Topo.clients)
        #expect(r.meta.dropReason == .unclassified)
        let arp = PacketBuilder.ethernet(destination: .broadcast, source: Topo.clientMAC, etherType: EtherType.arp)
            + [UInt8](repeating: 0, count: 28)
        r = p.process(arp, ingress: Topo.clients)
        #expect(r.meta.dropReason == .unsupportedEthertype)
        var badIP = Topo.clientFrame(web)
        badIP[14] = 0x44  // IHL 4
        r = p.process(badIP, ingress: Topo.clients)
        #expect(r.meta.dropReason == .ipv4BadHeader)
    }

    @Test func everyTruncationOfAClassifiedFrameIsHandled() {
        let p = Topo.pipeline()
        let frame = Topo.clientFrame(web)
        for length in 0..<frame.count {
            let r = p.process(Array(frame.prefix(length)), ingress: Topo.clients)
            #expect(r.meta.verdict == .drop, "length \(length)")
        }
        let nsh = nshFrame()
        for length in 0..<nsh.count {
            let r = p.process(Array(nsh.prefix(length)), ingress: Topo.services)
            // Once the NSH header is whole, a truncated inner packet still forwards (the SFF does not parse it).
            if length < 14 + 24 { #expect(r.meta.verdict == .drop, "length \(length)") }
        }
    }
}
