// The dissector on hand-built packets of each kind: every layer in order,
// the fields a reader of chain-trace decode relies on, and no violation.
import Testing
import SFCCore
@testable import SFCTrace

/// Dissects an Ethernet frame.
func dissect(_ frame: [UInt8]) -> Dissection { PacketDissector.dissect(frame) }

@Suite struct DecodeTests {
    @Test func nshMD1CarryingIPv4TCP() {
        let frame = Build.ethernet(type: 0x894F, payload:
            Build.nshMD1(spi: 100, si: 254, next: 1, context: [1, 2, 3, 0xDEADBEEF])
            + Build.ipv4(src: "10.1.0.5", dst: "10.20.0.9", proto: 6, payload: Build.tcp(sport: 40000, dport: 104)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "nsh", "ipv4", "tcp"])
        #expect(d.violations == [])
        let nsh = d.layer("nsh")!
        #expect(nsh.int("version") == 0)
        #expect(nsh.bool("oam") == false)
        #expect(nsh.int("ttl") == 63)
        #expect(nsh.int("length") == 6)
        #expect(nsh.int("md_type") == 1)
        #expect(nsh.int("next_protocol") == 1)
        #expect(nsh.int("spi") == 100)
        #expect(nsh.int("si") == 254)
        #expect(nsh.list("context") == [.int(1), .int(2), .int(3), .int(0xDEADBEEF)])
        #expect(d.layer("ethernet")?.int("type") == 0x894F)
        #expect(d.layer("ethernet")?.string("src") == "02:00:00:00:00:0a")
        let ip = d.layer("ipv4")!
        #expect(ip.string("src") == "10.1.0.5")
        #expect(ip.string("dst") == "10.20.0.9")
        #expect(ip.string("checksum_status") == "good")
        #expect(d.layer("tcp")?.int("sport") == 40000)
        #expect(d.layer("tcp")?.int("dport") == 104)
        #expect(d.layer("tcp")?.int("flags") == 0x02)
    }

    @Test func nshMD2TLVsCarryingIPv6UDP() {
        let tlvs = Build.tlv(class: 0x0101, type: 1, value: [0xAA, 0xBB, 0xCC]) + Build.tlv(class: 0, type: 2, value: [])
        let frame = Build.ethernet(type: 0x894F, payload:
            Build.nshMD2(spi: 0x123456, si: 9, ttl: 2, next: 2, tlvs: tlvs)
            + Build.ipv6(nextHeader: 17, payload: Build.udp(sport: 5000, dport: 53)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "nsh", "ipv6", "udp"])
        #expect(d.violations == [])
        let nsh = d.layer("nsh")!
        #expect(nsh.int("md_type") == 2)
        #expect(nsh.int("length") == 5)
        #expect(nsh.int("spi") == 0x123456)
        let list = nsh.list("tlvs")!
        #expect(list.count == 2)
        #expect(list.first == .object([Field("class", .int(0x0101)), Field("type", .int(1)), Field("length", .int(3)),
                                       Field("value", .string("aabbcc"))]))
        #expect(d.layer("udp")?.int("dport") == 53)
        #expect(d.layer("ipv6")?.string("dst") == "2001:db8::2")
    }

    @Test func vlanTaggedFrame() {
        let frame = Build.ethernet(type: 0x0800, vlan: 42, payload:
            Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv4", "udp"])
        #expect(d.layer("ethernet")?.int("vlan") == 42)
        #expect(d.violations == [])
    }

    @Test func vxlanGPEToNSHToEthernetToICMP() {
        let inner = Build.ethernet(type: 0x0800, payload: Build.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 1,
                                                                     payload: Build.icmpEcho(id: 9, seq: 3)))
        let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 17,
            payload: Build.udp(sport: 50000, dport: 4790,
                               payload: Build.vxlanGPE(vni: 5000, next: 4) + Build.nshMD1(spi: 7, si: 3, next: 3) + inner)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv4", "udp", "vxlan-gpe", "nsh", "ethernet", "ipv4", "icmp"])
        #expect(d.violations == [])
        let gpe = d.layer("vxlan-gpe")!
        #expect(gpe.int("vni") == 5000)
        #expect(gpe.int("next_protocol") == 4)
        #expect(gpe.bool("p") == true)
        #expect(gpe.bool("i") == true)
        #expect(d.layer("icmp")?.int("type") == 8)
        #expect(d.layer("icmp")?.int("ident") == 9)
        #expect(d.layer("ipv4", 1)?.string("dst") == "10.0.0.2")
    }

    @Test func vxlanGPECarryingIPv4AndIPv6Directly() {
        for (next, payload, last) in [(UInt8(1), Build.ipv4(proto: 6, payload: Build.tcp(sport: 1, dport: 2)), "tcp"),
                                      (UInt8(2), Build.ipv6(nextHeader: 58, payload: Build.icmpEcho(v6: true)), "icmpv6")] {
            let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17,
                payload: Build.udp(sport: 4790, dport: 4790, payload: Build.vxlanGPE(vni: 1, next: next) + payload)))
            let d = dissect(frame)
            #expect(d.layerNames.last == last)
            #expect(d.violations == [])
        }
    }

    @Test func srv6EncapsWithSRH() {
        let sids = ["fc00:3::e", "fc00:2::e", "fc00:1::e"]
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(src: "2001:db8::a", dst: "fc00:2::e", nextHeader: 43,
            payload: Build.srh(nextHeader: 41, segments: sids, segmentsLeft: 1, flags: 0x80, tag: 0x77)
                + Build.ipv6(src: "2001:db8:1::5", dst: "2001:db8:2::9", nextHeader: 17, payload: Build.udp(sport: 1, dport: 53))))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv6", "srh", "ipv6", "udp"])
        #expect(d.violations == [])
        let srh = d.layer("srh")!
        #expect(srh.int("segments_left") == 1)
        #expect(srh.int("last_entry") == 2)
        #expect(srh.int("len") == 6)
        #expect(srh.int("type") == 4)
        #expect(srh.int("flags") == 0x80)
        #expect(srh.int("tag") == 0x77)
        #expect(srh.int("nxt") == 41)
        #expect(srh.list("segments") == sids.map { .string($0) })
        #expect(srh.list("tlvs") == [])
    }

    /// RFC 8986 s5.2: H.Encaps.Red leaves the first SID only in the DA, so SL == Last Entry + 1 is legal.
    @Test func reducedSRHIsLegal() {
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: "fc00:1::e", nextHeader: 43,
            payload: Build.srh(nextHeader: 4, segments: ["fc00:3::e", "fc00:2::e"], segmentsLeft: 2)
                + Build.ipv4(proto: 6, payload: Build.tcp(sport: 1, dport: 443))))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv6", "srh", "ipv4", "tcp"])
        #expect(d.violations == [])
    }

    @Test func srhCarryingEthernet() {
        let inner = Build.ethernet(type: 0x86DD, payload: Build.ipv6(nextHeader: 58, payload: Build.icmpEcho(v6: true, id: 3, seq: 4)))
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: "fc00:9::d", nextHeader: 43,
            payload: Build.srh(nextHeader: 143, segments: ["fc00:9::d"], segmentsLeft: 0) + inner))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv6", "srh", "ethernet", "ipv6", "icmpv6"])
        #expect(d.layer("icmpv6")?.int("seq") == 4)
        #expect(d.violations == [])
    }

    /// RFC 8754 s2.1: an odd Hdr Ext Len is fine when TLVs fill the extra 8 bytes (PadN here).
    @Test func srhWithPadNTLVAndOddLength() {
        let padN: [UInt8] = [4, 6, 0, 0, 0, 0, 0, 0]
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: "fc00:1::e", nextHeader: 43,
            payload: Build.srh(nextHeader: 59, segments: ["fc00:1::e"], segmentsLeft: 0, tlvs: padN)))
        let d = dissect(frame)
        let srh = d.layer("srh")!
        #expect(srh.int("len") == 3)
        #expect(srh.list("tlvs") == [.object([Field("type", .int(4)), Field("length", .int(6)), Field("value", .string("000000000000"))])])
        #expect(d.violations == [])
    }

    /// RFC 8200 s4.1 order: hop-by-hop, destination options, routing (SRH), fragment, upper layer.
    @Test func ipv6ExtensionChain() {
        let hop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let dst: [UInt8] = [43, 0, 1, 4, 0, 0, 0, 0]
        let srh = Build.srh(nextHeader: 44, segments: ["2001:db8::2"], segmentsLeft: 0)
        let frag: [UInt8] = [17, 0, 0, 0, 0, 0, 0, 7]
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(nextHeader: 0,
            payload: hop + dst + srh + frag + Build.udp(sport: 10, dport: 20)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv6", "hopopts", "dstopts", "srh", "fragment", "udp"])
        #expect(d.layer("fragment")?.int("id") == 7)
        #expect(d.violations == [])
    }

    @Test func laterIPv6FragmentStopsBeforeTheUpperLayer() {
        let frag: [UInt8] = [17, 0, 0x01, 0x00, 0, 0, 0, 7]   // offset 32 (units of 8)
        let frame = Build.ethernet(type: 0x86DD, payload: Build.ipv6(nextHeader: 44, payload: frag + [1, 2, 3, 4, 5, 6, 7, 8]))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv6", "fragment", "data"])
        #expect(d.layer("fragment")?.int("offset") == 256)
    }

    @Test func nshInsideNSH() {
        let frame = Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 1, si: 9, next: 4)
            + Build.nshMD1(spi: 2, si: 8, next: 1) + Build.ipv4(proto: 17, payload: Build.udp(sport: 7, dport: 9)))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "nsh", "nsh", "ipv4", "udp"])
        #expect(d.layer("nsh", 1)?.int("spi") == 2)
    }

    /// RFC 8300 s4: NSH over GRE (protocol type 0x894F), here with a key (RFC 2890).
    @Test func greCarryingNSH() {
        let gre: [UInt8] = [0x20, 0x00, 0x89, 0x4F, 0, 0, 0, 42]
        let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 47, payload: gre
            + Build.nshMD1(spi: 5, si: 250, next: 3) + Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 1, payload: Build.icmpEcho()))))
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv4", "gre", "nsh", "ethernet", "ipv4", "icmp"])
        #expect(d.layer("gre")?.int("proto") == 0x894F)
        #expect(d.layer("gre")?.int("key") == 42)
        #expect(d.violations == [])
        let cut = dissect(Array(frame.prefix(14 + 20 + 6)))
        #expect(cut.violations.last == "gre: GRE header truncated: 8 bytes needed, 6 present (2 missing) (RFC 2784 s2, RFC 2890 s2)")
    }

    @Test func rawIPLinkTypes() {
        let v4 = Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2))
        let v6 = Build.ipv6(nextHeader: 17, payload: Build.udp(sport: 1, dport: 2))
        #expect(PacketDissector.dissect(v4, linkType: 101).layerNames == ["ipv4", "udp"])
        #expect(PacketDissector.dissect(v6, linkType: 101).layerNames == ["ipv6", "udp"])
        #expect(PacketDissector.dissect(v4, linkType: 228).layerNames == ["ipv4", "udp"])
        #expect(PacketDissector.dissect(v6, linkType: 229).layerNames == ["ipv6", "udp"])
        let other = PacketDissector.dissect([1, 2, 3], linkType: 147)
        #expect(other.layerNames == ["unsupported"])
        #expect(other.violations == [])
    }

    @Test func ethernetTrailerIsNotDecoded() {
        // A 60-byte minimum frame: IPv4 total length bounds the payload, the padding is ignored.
        var frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2)))
        frame += [UInt8](repeating: 0xEE, count: 60 - frame.count)
        let d = dissect(frame)
        #expect(d.layerNames == ["ethernet", "ipv4", "udp"])
        #expect(d.violations == [])
    }

    @Test func unknownEthertypeIsShownAsData() {
        let d = dissect(Build.ethernet(type: 0x88CC, payload: [1, 2, 3]))
        #expect(d.layerNames == ["ethernet", "data"])
        #expect(d.violations == [])
    }
}
