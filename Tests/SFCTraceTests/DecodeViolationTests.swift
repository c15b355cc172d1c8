// Each RFC violation the dissector flags, on a packet that has only that one,
// with the RFC section and the drop reason it would be counted under.
import Testing
import SFCCore
@testable import SFCTrace

/// The one finding of a dissection (fails the test when there is not exactly one).
func onlyFinding(_ d: Dissection, sourceLocation: SourceLocation = #_sourceLocation) -> Violation? {
    #expect(d.findings.count == 1, "findings: \(d.violations)", sourceLocation: sourceLocation)
    return d.findings.first
}

private func nshFrame(_ nsh: [UInt8], inner: [UInt8] = Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2))) -> [UInt8] {
    Build.ethernet(type: 0x894F, payload: nsh + inner)
}

private func srv6Frame(dst: String, _ srh: [UInt8]) -> [UInt8] {
    Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: dst, nextHeader: 43,
        payload: srh + Build.ipv6(nextHeader: 17, payload: Build.udp(sport: 1, dport: 2))))
}

extension DecodeTests {
@Suite struct Violations {
    @Test func nshVersionNotZero() {
        let v = onlyFinding(dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, next: 1, version: 1))))
        #expect(v?.reason == .nshBadVersion)
        #expect(v?.reference == "RFC 8300 s2.2")
    }

    @Test func nshMD1LengthNotSix() {
        // Length 5 with MD type 1: the inner packet is then looked for 20 bytes in, so only check the NSH finding.
        let d = dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, next: 1, lengthWords: 5)))
        let v = d.findings.first { $0.layer == "nsh" }
        #expect(v?.reason == .nshBadLength)
        #expect(v?.reference == "RFC 8300 s2.4")
    }

    @Test func nshMD2LengthBelowTwo() {
        let d = dissect(nshFrame(Build.nshMD2(spi: 1, si: 1, next: 1, tlvs: [], lengthWords: 1)))
        let v = d.findings.first { $0.layer == "nsh" }
        #expect(v?.reason == .nshBadLength)
        #expect(v?.reference == "RFC 8300 s2.5")
    }

    /// RFC 8300 s2.5.1: a TLV whose (padded) value runs past the NSH Length.
    @Test func nshMD2TLVRunsPastLength() {
        let tlv = Build.tlv(class: 1, type: 1, value: [1, 2, 3, 4], lengthField: 12)   // says 12, Length has room for 4
        let v = onlyFinding(dissect(nshFrame(Build.nshMD2(spi: 1, si: 1, next: 1, tlvs: tlv))))
        #expect(v?.reason == .nshBadLength)
        #expect(v?.reference == "RFC 8300 s2.5.1")
        #expect(v?.message.contains("8 byte(s) past") == true)
    }

    @Test func nshMDTypeZeroIsReserved() {
        let v = onlyFinding(dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, next: 1, mdType: 0))))
        #expect(v?.reason == .nshBadMDType)
        #expect(v?.message.contains("reserved") == true)
    }

    @Test func nshMDTypeFIsExperimental() {
        let v = onlyFinding(dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, next: 1, mdType: 0xF))))
        #expect(v?.reason == .nshBadMDType)
        #expect(v?.message.contains("experimentation") == true)
    }

    @Test func nshTTLZero() {
        let v = onlyFinding(dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, ttl: 0, next: 1))))
        #expect(v?.reason == .nshTTLExpired)
        #expect(v?.reference == "RFC 8300 s2.2")
    }

    @Test func nshUnknownNextProtocol() {
        let d = dissect(nshFrame(Build.nshMD1(spi: 1, si: 1, next: 0x42)))
        let v = onlyFinding(d)
        #expect(v?.reason == .nshUnknownNextProtocol)
        #expect(d.layerNames == ["ethernet", "nsh", "data"])
    }

    /// RFC 8754 s2: Hdr Ext Len odd with nothing but padding bytes after the segments.
    @Test func srhOddHdrExtLenWithoutTLV() {
        let srh = Build.srh(nextHeader: 41, segments: ["fc00:1::e"], segmentsLeft: 0, tlvs: [0, 0, 0, 0, 0, 0, 0, 0])
        let v = onlyFinding(dissect(srv6Frame(dst: "fc00:1::e", srh)))
        #expect(v?.reason == .srhMalformed)
        #expect(v?.message.contains("odd") == true)
    }

    /// RFC 8986 s4.1 S08: Last Entry beyond Hdr Ext Len / 2 - 1.
    @Test func srhLastEntryBeyondHdrExtLen() {
        let srh = Build.srh(nextHeader: 41, segments: ["fc00:2::e", "fc00:1::e"], segmentsLeft: 1, lastEntry: 2)
        let v = onlyFinding(dissect(srv6Frame(dst: "fc00:1::e", srh)))
        #expect(v?.reason == .srhMalformed)
        #expect(v?.message.contains("Last Entry 2") == true)
    }

    @Test func srhSegmentsLeftAboveLastEntryPlusOne() {
        let srh = Build.srh(nextHeader: 41, segments: ["fc00:2::e", "fc00:1::e"], segmentsLeft: 3)
        let v = onlyFinding(dissect(srv6Frame(dst: "fc00:1::e", srh)))
        #expect(v?.reason == .srhSegmentsLeftOutOfRange)
        #expect(v?.reference == "RFC 8754 s4.3.1.1")
    }

    @Test func srhDestinationIsNotTheActiveSegment() {
        let srh = Build.srh(nextHeader: 41, segments: ["fc00:2::e", "fc00:1::e"], segmentsLeft: 1)
        let v = onlyFinding(dissect(srv6Frame(dst: "fc00:2::e", srh)))
        #expect(v?.message.contains("is not Segment List[1] fc00:1::e") == true)
    }

    @Test func srhTLVRunsPastHeader() {
        let srh = Build.srh(nextHeader: 41, segments: ["fc00:1::e"], segmentsLeft: 0, tlvs: [4, 30, 0, 0, 0, 0, 0, 0])
        let v = onlyFinding(dissect(srv6Frame(dst: "fc00:1::e", srh)))
        #expect(v?.reference == "RFC 8754 s2.1")
    }

    @Test func ipv4HeaderChecksumWrong() {
        let d = dissect(Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2),
                                                                          badChecksum: true)))
        let v = onlyFinding(d)
        #expect(v?.reason == .ipv4BadHeader)
        #expect(v?.message.contains("checksum") == true)
        #expect(d.layer("ipv4")?.string("checksum_status") == "bad")
        #expect(d.layerNames == ["ethernet", "ipv4", "udp"])
    }

    @Test func vxlanGPEWithoutPBit() {
        let inner = Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2)))
        let d = dissect(Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17,
            payload: Build.udp(sport: 1, dport: 4790, payload: Build.vxlanGPE(vni: 1, next: 0, flags: 0x08) + inner))))
        let v = onlyFinding(d)
        #expect(v?.reason == .vxlanBadHeader)
        #expect(v?.message.contains("P bit") == true)
        #expect(d.layerNames == ["ethernet", "ipv4", "udp", "vxlan-gpe", "ethernet", "ipv4", "udp"])
    }

    @Test func vxlanGPEWithUnknownNextProtocol() {
        let d = dissect(Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17,
            payload: Build.udp(sport: 1, dport: 4790, payload: Build.vxlanGPE(vni: 1, next: 5) + [1, 2, 3, 4]))))
        let v = onlyFinding(d)
        #expect(v?.reason == .vxlanBadHeader)
        #expect(v?.message.contains("Next Protocol 0x05") == true)
    }

    /// Cut inside each header: the finding names the header and how many bytes are missing.
    @Test(arguments: [
        (Array(Build.ethernet(type: 0x0800, payload: []).prefix(10)), "Ethernet header", 4),
        (Build.ethernet(type: 0x0800, payload: [0x45] + [UInt8](repeating: 0, count: 11)), "IPv4 header", 8),
        (Build.ethernet(type: 0x86DD, payload: [0x60] + [UInt8](repeating: 0, count: 29)), "IPv6 header", 10),
        (Build.ethernet(type: 0x894F, payload: [0, 6, 1, 1, 0]), "NSH base and service path headers", 3),
        (Build.ethernet(type: 0x894F, payload: Array(Build.nshMD1(spi: 1, si: 1, next: 1).prefix(20))), "NSH (Length 6 words)", 4),
    ] as [([UInt8], String, Int)])
    func truncatedHeaderSaysWhatIsMissing(frame: [UInt8], header: String, missing: Int) {
        let d = dissect(frame)
        let v = d.findings.first { $0.reason == .truncated }
        #expect(v?.message.hasPrefix(header + " truncated") == true, "\(d.violations)")
        #expect(v?.message.contains("(\(missing) missing)") == true, "\(d.violations)")
    }

    @Test func truncatedInnerHeaders() {
        let srhBytes = Build.srh(nextHeader: 59, segments: ["fc00:1::e", "fc00:2::e"], segmentsLeft: 1)
        let cases: [([UInt8], String)] = [
            (Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: "fc00:2::e", nextHeader: 43, payload: Array(srhBytes.prefix(30)),
                                                             payloadLength: 40)), "Segment Routing Header (Hdr Ext Len 4) truncated: 40 bytes needed, 30 present (10 missing)"),
            (Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: [0, 1, 0, 2], totalLength: 24)),
             "UDP header truncated: 8 bytes needed, 4 present (4 missing)"),
            (Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 6, payload: Array(Build.tcp(sport: 1, dport: 2).prefix(12)))),
             "TCP header truncated: 20 bytes needed, 12 present (8 missing)"),
            (Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 1, payload: [8, 0, 0])),
             "ICMP header truncated: 8 bytes needed, 3 present (5 missing)"),
            (Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 9, dport: 4790, payload: [0x0C, 0, 0]))),
             "VXLAN-GPE header truncated: 8 bytes needed, 3 present (5 missing)"),
            (Build.ethernet(type: 0x86DD, payload: Build.ipv6(nextHeader: 0, payload: [17, 1, 0, 0, 0, 0, 0, 0])),
             "IPv6 Hop-by-Hop Options header truncated: 16 bytes needed, 8 present (8 missing)"),
        ]
        for (frame, message) in cases {
            let d = dissect(frame)
            #expect(d.findings.contains { $0.message == message && $0.reason == .truncated }, "\(d.violations)")
        }
    }

    @Test func ipv4TotalLengthBeyondCapture() {
        let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2),
                                                                      totalLength: 100))
        let d = dissect(frame)
        #expect(d.findings.contains { $0.layer == "ipv4" && $0.reason == .truncated && $0.message.contains("72 missing") })
    }

    /// Every prefix of every well-formed packet decodes without trapping, and
    /// any cut inside the headers is reported as a truncation.
    @Test func everyPrefixOfEveryKindOfPacket() {
        let packets: [[UInt8]] = [
            Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 1, si: 2, next: 1)
                           + Build.ipv4(proto: 6, payload: Build.tcp(sport: 1, dport: 2))),
            Build.ethernet(type: 0x894F, payload: Build.nshMD2(spi: 1, si: 2, next: 2, tlvs: Build.tlv(class: 1, type: 2, value: [1, 2, 3, 4, 5]))
                           + Build.ipv6(nextHeader: 58, payload: Build.icmpEcho(v6: true))),
            Build.ethernet(type: 0x0800, vlan: 7, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 4790,
                payload: Build.vxlanGPE(vni: 3, next: 4) + Build.nshMD1(spi: 1, si: 1, next: 3)
                    + Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 1, payload: Build.icmpEcho()))))),
            Build.ethernet(type: 0x86DD, payload: Build.ipv6(dst: "fc00:1::e", nextHeader: 0,
                payload: [43, 0, 1, 4, 0, 0, 0, 0] + Build.srh(nextHeader: 60, segments: ["fc00:2::e", "fc00:1::e"], segmentsLeft: 1)
                    + [44, 0, 1, 4, 0, 0, 0, 0] + [4, 0, 0, 0, 0, 0, 0, 1] + Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2)))),
        ]
        for packet in packets {
            let full = dissect(packet)
            #expect(full.violations == [], "\(full.violations)")
            for cut in 0..<packet.count {
                let d = dissect(Array(packet.prefix(cut)))
                #expect(d.findings.contains { $0.reason == .truncated }, "cut at \(cut) of \(packet.count): \(d.layerNames)")
            }
        }
    }

    /// Random bytes behind each starting header never trap.
    @Test func randomBytesNeverTrap() {
        var rng = SplitMix(seed: 0x5FC)
        for _ in 0..<3000 {
            let length = Int(rng.next() % 120)
            let body = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for type: UInt16 in [0x0800, 0x86DD, 0x894F] {
                _ = dissect(Build.ethernet(type: type, payload: body))
            }
            _ = dissect(Build.ethernet(type: 0x0800, payload: Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 4790, payload: body))))
            _ = dissect(Build.ethernet(type: 0x86DD, payload: Build.ipv6(nextHeader: 43, payload: [59, UInt8(length / 8), 4] + body)))
        }
    }
}
}

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
