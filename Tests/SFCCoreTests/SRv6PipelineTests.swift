// RFC 8754 / RFC 8986 behaviour: headend encapsulation and the endpoint
// behaviours of the SIDs this node owns.
import Testing
@testable import SFCCore

@Suite struct SRv6PipelineTests {
    let innerIP = Array(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 104))[14...])

    func lbSIDs() -> [IPv6Address] { [Topo.v6("fc00:2::10"), Topo.v6("fc00:2::11")] }

    @Test func hEncapsPutsTheSegmentListInReverseAndTheFirstSIDInTheDA() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 443))
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.verdict == .forward && meta.egressPort == Int32(Topo.sr))
        #expect(meta.trace.all == [.srv6Encap])
        #expect(out.be16(12) == EtherType.ipv6)
        let o = SRv6Frames.outer(out)
        #expect(o.nextHeader == IPv6NextHeader.routing && o.hopLimit == 64)
        #expect(out.ipv6(14 + 8) == Topo.v6("2001:db8:1::1"))  // SA = the node's srv6-source
        #expect(o.hdrExtLen == 6 && o.lastEntry == 2 && o.segmentsLeft == 2)
        #expect(o.list[0] == Topo.v6("fc00:1::d4"))            // Segment List[0] is the last segment
        #expect(lbSIDs().contains(o.list[1]) && lbSIDs().contains(o.list[2]))
        #expect(o.da == o.list[2])                             // DA = Segment List[Segments Left]
        #expect(out[14 + 40] == IPv6NextHeader.ipv4)           // SRH next header: inner IPv4
        #expect(Int(out.be16(14 + 4)) == 56 + input.count - 14)
        #expect(o.inner == Array(input[14...]))
    }

    @Test func hEncapsRedLeavesTheFirstSIDOutOfTheSRH() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 8443))
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.trace.all == [.srv6EncapReduced])
        let o = SRv6Frames.outer(out)
        // Three segments, two in the list: Last Entry 1, Segments Left 2 (= Last Entry + 1).
        #expect(o.hdrExtLen == 4 && o.lastEntry == 1 && o.segmentsLeft == 2)
        #expect(o.list[0] == Topo.v6("fc00:1::d4") && lbSIDs().contains(o.list[1]))
        #expect(lbSIDs().contains(o.da) && !o.list.contains(o.da) || o.list[1] == o.da)
        #expect(o.inner == Array(input[14...]))
    }

    @Test func hEncapsRedWithOneSIDHasNoSRH() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.udp(sourcePort: 40000, destinationPort: 9999))
        let (meta, out) = p.process(input, ingress: Topo.clients)
        #expect(meta.verdict == .forward)
        let o = SRv6Frames.outer(out)
        #expect(o.nextHeader == IPv6NextHeader.ipv4 && o.da == Topo.v6("fc00:2::99"))
        #expect(Int(out.be16(14 + 4)) == input.count - 14)
        #expect(o.inner == Array(input[14...]))
    }

    @Test func endDecrementsSegmentsLeftAndHopLimitAndUpdatesTheDA() {
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:1::e", segments: ["fc00:2::99", "fc00:2::20", "fc00:1::e"], segmentsLeft: 2, hopLimit: 10)
        let (meta, out) = p.process(f, ingress: Topo.sr)
        #expect(meta.verdict == .forward && meta.trace.all == [.end])
        let o = SRv6Frames.outer(out)
        #expect(o.segmentsLeft == 1 && o.da == Topo.v6("fc00:2::20") && o.hopLimit == 9)
        #expect(out.mac(0) == Topo.srGateway)
        #expect(o.inner == innerIP)
    }

    @Test func endThenLocalEndDX4DeliversTheInnerPacket() {
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:1::e", segments: ["fc00:1::d4", "fc00:1::e"], segmentsLeft: 1)
        let (meta, out) = p.process(f, ingress: Topo.sr)
        #expect(meta.verdict == .forward && meta.trace.all == [.end, .endDX4])
        #expect(meta.egressPort == Int32(Topo.servers) && out.mac(0) == Topo.serverGateway)
        #expect(out.be16(12) == EtherType.ipv4 && Array(out[14...]) == innerIP)
    }

    @Test func endXSendsToItsAdjacency() {
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:1::e1", segments: ["fc00:2::99", "fc00:1::e1"], segmentsLeft: 1)
        let (meta, out) = p.process(f, ingress: Topo.sr)
        #expect(meta.trace.all == [.endX] && meta.egressPort == Int32(Topo.uplink) && out.mac(0) == Topo.endXMAC)
        #expect(SRv6Frames.outer(out).segmentsLeft == 0 && SRv6Frames.outer(out).da == Topo.v6("fc00:2::99"))
    }

    @Test func malformedSRHsAreDroppedWithTheirReason() {
        let p = Topo.pipeline()
        let segs = ["fc00:2::99", "fc00:1::e"]
        let cases: [([UInt8], DropReason)] = [
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 1, hopLimit: 1), .srv6HopLimitExpired),
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 3), .srhSegmentsLeftOutOfRange),
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 0), .srv6NoSRH),
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 1, routingType: 2), .srhMalformed),
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 1, lastEntry: 2), .srhMalformed),
            (SRv6Frames.frame(da: "fc00:1::e", segments: segs, segmentsLeft: 1, withSRH: false), .srv6NoSRH),
            (SRv6Frames.frame(da: "fc00:1::d4", segments: ["fc00:1::d4", "fc00:1::e"], segmentsLeft: 1), .srv6SegmentsLeftNotZero),
            (SRv6Frames.frame(da: "fc00:1::d4", segments: ["fc00:1::d4"], segmentsLeft: 0, innerType: IPv6NextHeader.ipv6), .srv6InnerMismatch),
            (SRv6Frames.frame(da: "fc00:1::77", segments: ["fc00:1::77"], segmentsLeft: 0), .srv6UnknownSID),
            (SRv6Frames.frame(port: Topo.clients, da: "fc00:1::e", segments: segs, segmentsLeft: 1), .untrustedIngress),
        ]
        for (frame, reason) in cases {
            let r = p.process(frame, ingress: frame.mac(0) == Topo.config.ports[Topo.clients].mac ? Topo.clients : Topo.sr)
            #expect(r.meta.verdict == .drop && r.meta.dropReason == reason, "expected \(reason), got \(String(describing: r.meta.dropReason))")
        }
    }

    @Test func segmentsLeftOneAboveLastEntryIsLegal() {
        // The reduced form: SL = Last Entry + 1, the active SID only in the DA (RFC 8986 s5.2).
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:1::e", segments: ["fc00:2::99"], segmentsLeft: 1)
        let (meta, out) = p.process(f, ingress: Topo.sr)
        #expect(meta.verdict == .forward)
        #expect(SRv6Frames.outer(out).da == Topo.v6("fc00:2::99"))
    }

    @Test func endDT4AndDT6LookTheInnerDestinationUp() {
        let p = Topo.pipeline()
        var r = p.process(SRv6Frames.frame(da: "fc00:1::74", segments: ["fc00:1::74"], segmentsLeft: 0), ingress: Topo.sr)
        #expect(r.meta.trace.all == [.endDT4] && r.meta.egressPort == Int32(Topo.servers))
        let inner6 = PacketBuilder.ipPacket(endpoints: .v6(Topo.v6("2001:db8:10::5"), Topo.v6("2001:db8:20::5")),
                                            transport: .udp(sourcePort: 1, destinationPort: 2), payload: [1, 2, 3])
        r = p.process(SRv6Frames.frame(da: "fc00:1::76", segments: ["fc00:1::76"], segmentsLeft: 0, inner: inner6,
                                       innerType: IPv6NextHeader.ipv6), ingress: Topo.sr)
        #expect(r.meta.trace.all == [.endDT6] && Array(r.output[14...]) == inner6)
        let lost = PacketBuilder.ipPacket(endpoints: .v4(Topo.v4("10.1.0.5"), Topo.v4("172.16.0.1")),
                                          transport: .udp(sourcePort: 1, destinationPort: 2), payload: [])
        r = p.process(SRv6Frames.frame(da: "fc00:1::74", segments: ["fc00:1::74"], segmentsLeft: 0, inner: lost), ingress: Topo.sr)
        #expect(r.meta.dropReason == .noRoute)
    }

    @Test func endASRoundTripRestoresTheListWithTheNextSegmentActive() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 104))
        var (meta, out) = p.process(input, ingress: Topo.clients)
        // The first SID is this node's End.AS: the function gets the bare packet on VLAN 20.
        #expect(meta.trace.all == [.srv6Encap, .endASOut])
        #expect(out.mac(0) == Topo.asMAC && out.be16(14) & 0xFFF == 20 && Array(out[18...]) == Array(input[14...]))
        let back = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.asMAC, vlan: 20,
                                          etherType: EtherType.ipv4) + input[14...]
        (meta, out) = p.process(back, ingress: Topo.services)
        #expect(meta.verdict == .forward && meta.trace.all == [.endASIn])
        let o = SRv6Frames.outer(out)
        #expect(o.segmentsLeft == 1 && o.lastEntry == 2)
        #expect(o.list[0] == Topo.v6("fc00:1::d4") && o.list[2] == Topo.v6("fc00:1::a1"))
        #expect(o.da == o.list[1] && lbSIDs().contains(o.da))
        #expect(o.inner == Array(input[14...]))
    }

    @Test func endADAndEndAMRoundTripsEndInDecapsulation() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 11112))
        var (meta, out) = p.process(input, ingress: Topo.clients)
        // Reduced encap, DA = End.AD SID (local): the headers are learned, the bare packet goes to VLAN 21.
        #expect(meta.trace.all == [.srv6EncapReduced, .endADOut])
        #expect(out.mac(0) == Topo.adMAC && out.be16(14) & 0xFFF == 21 && Array(out[18...]) == Array(input[14...]))
        let fromAD = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.adMAC, vlan: 21,
                                            etherType: EtherType.ipv4) + input[14...]
        (meta, out) = p.process(fromAD, ingress: Topo.services)
        // Restored headers have SL 1 and DA = End.AM SID: masquerading sends IPv6 with DA = Segment List[0].
        #expect(meta.trace.all == [.endADIn, .endAMOut])
        #expect(out.mac(0) == Topo.amMAC && out.be16(14) & 0xFFF == 22)
        let o = SRv6Frames.outer(out, l2: 18)
        #expect(o.segmentsLeft == 0 && o.da == Topo.v6("fc00:1::d4") && o.hopLimit == 62)
        // The function returns it; de-masquerading puts Segment List[SL] back; End.DX4 delivers.
        var fromAM = out
        fromAM.replaceSubrange(0..<12, with: Topo.config.ports[Topo.services].mac.bytesArray + Topo.amMAC.bytesArray)
        (meta, out) = p.process(fromAM, ingress: Topo.services)
        #expect(meta.trace.all == [.endAMIn, .endDX4])
        #expect(meta.egressPort == Int32(Topo.servers) && Array(out[14...]) == Array(input[14...]))
    }

    @Test func endADWithoutLearnedHeadersDrops() {
        let p = Topo.pipeline()
        let input = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 11112))
        let fromAD = PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: Topo.adMAC, vlan: 21,
                                            etherType: EtherType.ipv4) + input[14...]
        #expect(p.process(fromAD, ingress: Topo.services).meta.dropReason == .srv6ProxyNoState)
    }

    @Test func everyTruncationOfAnSRv6FrameIsHandled() {
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:1::e", segments: ["fc00:2::99", "fc00:1::e"], segmentsLeft: 1)
        for length in 0..<(14 + 40 + 40) {
            let r = p.process(Array(f.prefix(length)), ingress: Topo.sr)
            #expect(r.meta.verdict == .drop, "length \(length)")
        }
    }
}

extension MACAddress {
    var bytesArray: [UInt8] { (0..<6).map { octet($0) } }
}

@Suite struct SRv6TransitTests {
    @Test func srv6InTransitOnATrustedPortIsRoutedNotReclassified() {
        // DA is another node's SID; the inner packet would match rule "sr" (tcp/104).
        let p = Topo.pipeline()
        let f = SRv6Frames.frame(da: "fc00:2::20", segments: ["fc00:2::99", "fc00:2::20"], segmentsLeft: 1, hopLimit: 9)
        let (meta, out) = p.process(f, ingress: Topo.sr)
        #expect(meta.verdict == .forward && meta.trace.all == [.ipv6Forward])
        #expect(SRv6Frames.outer(out).hopLimit == 8 && SRv6Frames.outer(out).segmentsLeft == 1)
        #expect(p.counters.chainPackets.allSatisfy { $0 == 0 })
    }
}
