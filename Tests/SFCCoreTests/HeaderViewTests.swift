// Header views over hand-built bytes: every accessor, and every truncation
// length (0 ..< full size) of each header, where the failable init must
// return nil or the checks must report the right DropReason, never trap.
// Data always starts at an odd address so every multi-byte read is unaligned.
import Testing
@testable import SFCCore

/// Calls `body` with a pointer to a private copy of `bytes` at an odd address, and its count.
func withHeaderBuffer<R>(_ bytes: [UInt8], _ body: (UnsafeRawPointer, Int) throws -> R) rethrows -> R {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 1, alignment: 8)
    defer { raw.deallocate() }
    let p = raw + 1
    bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: bytes.count) } }
    return try body(UnsafeRawPointer(p), bytes.count)
}

/// Writes with a `write` helper into a zeroed buffer of `count` bytes and returns them.
func writtenHeader(_ count: Int, _ body: (UnsafeMutableRawPointer) -> Void) -> [UInt8] {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count + 1, alignment: 8)
    defer { raw.deallocate() }
    let p = raw + 1
    p.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    body(p)
    return Array(UnsafeRawBufferPointer(start: p, count: count))
}

func v6Bytes(_ s: String) -> [UInt8] {
    let a = IPv6Address(s)!
    return (0..<16).map { a.octet($0) }
}

@Suite struct HeaderViewTests {
    // MARK: Ethernet

    static let untagged: [UInt8] = [0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x89, 0x4F]
    static let tagged: [UInt8] = [0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x81, 0x00, 0xE0, 0x2A, 0x86, 0xDD]

    @Test func ethernetAccessors() {
        withHeaderBuffer(Self.untagged) { p, n in
            let eth = EthernetHeader(p, count: n)
            #expect(eth?.destination == MACAddress("02:00:00:00:00:0b"))
            #expect(eth?.source == MACAddress("02:00:00:00:00:0a"))
            #expect(eth?.vlan == 0)
            #expect(eth?.etherType == EtherType.nsh)
            #expect(eth?.headerLength == 14)
        }
        withHeaderBuffer(Self.tagged) { p, n in
            let eth = EthernetHeader(p, count: n)
            #expect(eth?.vlan == 42)           // PCP bits (0xE000) are not part of the VLAN ID
            #expect(eth?.etherType == EtherType.ipv6)
            #expect(eth?.headerLength == 18)
        }
        var qinq = Self.tagged
        qinq[12] = 0x88; qinq[13] = 0xA8
        withHeaderBuffer(qinq) { p, n in #expect(EthernetHeader(p, count: n)?.headerLength == 18) }
    }

    @Test func ethernetEveryTruncation() {
        for frame in [Self.untagged, Self.tagged] {
            for cut in 0..<frame.count {
                withHeaderBuffer(Array(frame.prefix(cut))) { p, n in #expect(EthernetHeader(p, count: n) == nil, "cut \(cut)") }
            }
        }
    }

    @Test func ethernetWrite() {
        let mac1 = MACAddress("02:00:00:00:00:0b")!, mac2 = MACAddress("02:00:00:00:00:0a")!
        #expect(writtenHeader(14) { EthernetHeader.write($0, destination: mac1, source: mac2, vlan: 0, etherType: EtherType.nsh) }
                == Self.untagged)
        let tagged = writtenHeader(18) { EthernetHeader.write($0, destination: mac1, source: mac2, vlan: 42, etherType: EtherType.ipv6) }
        #expect(tagged == Self.tagged.enumerated().map { $0.offset == 14 ? 0x00 : $0.element })   // no PCP written
        #expect(EthernetHeader.length(vlan: 0) == 14)
        #expect(EthernetHeader.length(vlan: 7) == 18)
    }

    // MARK: IPv4

    /// 10.0.0.1 -> 10.0.0.2 UDP, TTL 64, DF, id 0x1234, DSCP 46 (tos 0xB8), checksum correct.
    static let ipv4: [UInt8] = {
        var h: [UInt8] = [0x45, 0xB8, 0, 28, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let sum = writtenHeader(20) { q in
            IPv4Header.write(q, tos: 0xB8, totalLength: 28, identification: 0x1234, dontFragment: true, ttl: 64, proto: 17,
                             source: IPv4Address("10.0.0.1")!, destination: IPv4Address("10.0.0.2")!)
        }
        h[10] = sum[10]; h[11] = sum[11]
        return h + [0, 1, 0, 2, 0, 8, 0, 0]
    }()

    @Test func ipv4Accessors() {
        withHeaderBuffer(Self.ipv4) { p, n in
            let ip = IPv4Header(p, count: n)!
            #expect(ip.version == 4)
            #expect(ip.headerLength == 20)
            #expect(ip.tos == 0xB8)
            #expect(ip.dscp == 46)
            #expect(ip.totalLength == 28)
            #expect(ip.identification == 0x1234)
            #expect(ip.fragmentField == 0x4000)
            #expect(!ip.isLaterFragment)
            #expect(ip.ttl == 64)
            #expect(ip.proto == 17)
            #expect(ip.checksum != 0)
            #expect(ip.source == IPv4Address("10.0.0.1"))
            #expect(ip.destination == IPv4Address("10.0.0.2"))
            #expect(ip.isValid)
            #expect(ip.computedChecksum == 0)
            #expect(ip.available == 28)
        }
        // The checksum the writer computed is the RFC 1071 one (worked out by hand: 0x13E3 for this header).
        #expect(Self.ipv4[10] == 0x13 && Self.ipv4[11] == 0xE3)
    }

    @Test func ipv4Invalid() {
        func check(_ edit: (inout [UInt8]) -> Void, valid: Bool, checksumGood: Bool = true, _ why: Comment) {
            var b = Self.ipv4
            edit(&b)
            withHeaderBuffer(b) { p, n in
                let ip = IPv4Header(p, count: n)!
                #expect(ip.isValid == valid, why)
                #expect((ip.computedChecksum == 0) == checksumGood, why)
            }
        }
        check({ $0[0] = 0x65 }, valid: false, checksumGood: false, "version 6")
        check({ $0[0] = 0x44 }, valid: false, checksumGood: false, "IHL 4")
        check({ $0[2] = 0; $0[3] = 19 }, valid: false, checksumGood: false, "total length below the header")
        check({ $0[2] = 0; $0[3] = 29 }, valid: false, checksumGood: false, "total length beyond the buffer")
        check({ $0[8] = 63 }, valid: true, checksumGood: false, "TTL changed without the checksum")
        check({ $0[6] = 0x20; $0[7] = 0x01; $0[10] = 0; $0[11] = 0 }, valid: true, checksumGood: false, "later fragment")
        var fragment = Self.ipv4
        fragment[6] = 0x00; fragment[7] = 0x01
        withHeaderBuffer(fragment) { p, n in #expect(IPv4Header(p, count: n)!.isLaterFragment) }
        var options = Self.ipv4
        options[0] = 0x46                                           // IHL 6: 24-byte header, 28 total
        withHeaderBuffer(options) { p, n in
            #expect(IPv4Header(p, count: n)!.headerLength == 24)
            #expect(IPv4Header(p, count: n)!.isValid)
        }
    }

    @Test func ipv4EveryTruncation() {
        for cut in 0..<Self.ipv4.count {
            withHeaderBuffer(Array(Self.ipv4.prefix(cut))) { p, n in
                let ip = IPv4Header(p, count: n)
                if cut < 20 {
                    #expect(ip == nil, "cut \(cut)")
                } else {
                    #expect(ip?.isValid == false, "cut \(cut): total length 28 does not fit")
                    _ = ip?.computedChecksum
                }
            }
        }
        // IHL 15 with only 20 bytes: the checksum reads no further than the buffer.
        var b = Array(Self.ipv4.prefix(20))
        b[0] = 0x4F
        withHeaderBuffer(b) { p, n in
            let ip = IPv4Header(p, count: n)!
            #expect(ip.headerLength == 60)
            #expect(!ip.isValid)
            _ = ip.computedChecksum
        }
    }

    @Test func checksumHelpers() {
        // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        withHeaderBuffer([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) { p, n in
            #expect(Checksum.sum(p, count: n) == 0x2_DDF0)
            #expect(Checksum.fold(Checksum.sum(p, count: n)) == ~UInt16(0xDDF2))
        }
        withHeaderBuffer([0xAB]) { p, n in #expect(Checksum.sum(p, count: n) == 0xAB00) }   // odd byte padded
        withHeaderBuffer([]) { p, n in #expect(Checksum.fold(Checksum.sum(p, count: n)) == 0xFFFF) }
        withHeaderBuffer([0x12, 0x34]) { p, n in #expect(Checksum.sum(p, count: n, initial: 0x10) == 0x1244) }
    }

    // MARK: IPv6

    static let ipv6: [UInt8] = [0x6B, 0x81, 0x23, 0x45, 0, 8, 17, 63] + v6Bytes("2001:db8::1") + v6Bytes("fc00:1::e")
        + [0, 1, 0, 2, 0, 8, 0, 0]

    @Test func ipv6Accessors() {
        withHeaderBuffer(Self.ipv6) { p, n in
            let ip = IPv6Header(p, count: n)!
            #expect(ip.version == 6)
            #expect(ip.trafficClass == 0xB8)
            #expect(ip.dscp == 46)
            #expect(ip.flowLabel == 0x12345)
            #expect(ip.payloadLength == 8)
            #expect(ip.nextHeader == 17)
            #expect(ip.hopLimit == 63)
            #expect(ip.source == IPv6Address("2001:db8::1"))
            #expect(ip.destination == IPv6Address("fc00:1::e"))
            #expect(ip.isValid)
        }
        let w = writtenHeader(40) { q in
            IPv6Header.write(q, trafficClass: 0xB8, flowLabel: 0x12345, payloadLength: 8, nextHeader: 17, hopLimit: 63,
                             source: IPv6Address("2001:db8::1")!, destination: IPv6Address("fc00:1::e")!)
        }
        #expect(w == Array(Self.ipv6.prefix(40)))
    }

    @Test func ipv6Invalid() {
        var v4 = Self.ipv6
        v4[0] = 0x4B
        withHeaderBuffer(v4) { p, n in #expect(!IPv6Header(p, count: n)!.isValid) }
        var long = Self.ipv6
        long[5] = 9
        withHeaderBuffer(long) { p, n in #expect(!IPv6Header(p, count: n)!.isValid) }
    }

    @Test func ipv6EveryTruncation() {
        for cut in 0..<Self.ipv6.count {
            withHeaderBuffer(Array(Self.ipv6.prefix(cut))) { p, n in
                let ip = IPv6Header(p, count: n)
                if cut < 40 {
                    #expect(ip == nil, "cut \(cut)")
                } else {
                    #expect(ip?.isValid == false, "cut \(cut)")
                    #expect(ip?.walkExtensions() != nil, "no extension headers to cut")
                }
            }
        }
    }
}
