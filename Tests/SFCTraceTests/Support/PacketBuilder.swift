// Hand-built packets for the decoder tests: each function returns one header
// (plus its payload where it has a length field), in network byte order.
import SFCCore

enum Build {
    static let macA: [UInt8] = [0x02, 0, 0, 0, 0, 0x0a]
    static let macB: [UInt8] = [0x02, 0, 0, 0, 0, 0x0b]

    static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * $0)) } }
    static func v4(_ s: String) -> [UInt8] { be32(IPv4Address(s)!.raw) }
    static func v6(_ s: String) -> [UInt8] {
        let a = IPv6Address(s)!
        return (0..<16).map { a.octet($0) }
    }

    static func ethernet(type: UInt16, vlan: UInt16? = nil, payload: [UInt8]) -> [UInt8] {
        var out = macB + macA
        if let vlan { out += be16(0x8100) + be16(Int(vlan)) }
        return out + be16(Int(type)) + payload
    }

    /// IPv4 with a correct header checksum (unless `badChecksum`) and, for UDP, a correct UDP checksum.
    static func ipv4(src: String = "10.0.0.1", dst: String = "10.0.0.2", proto: UInt8, ttl: UInt8 = 64,
                     payload: [UInt8], badChecksum: Bool = false, totalLength: Int? = nil) -> [UInt8] {
        var h: [UInt8] = [0x45, 0] + be16(totalLength ?? 20 + payload.count) + [0, 1, 0x40, 0, ttl, proto, 0, 0]
        h += v4(src) + v4(dst)
        var sum = checksum(h)
        if badChecksum { sum ^= 0x5555 }
        h[10] = UInt8(sum >> 8); h[11] = UInt8(sum & 0xFF)
        var body = payload
        if proto == 17 && body.count >= 8 && body[6] == 0 && body[7] == 0 {
            let pseudo = v4(src) + v4(dst) + [0, 17] + be16(body.count)
            var c = checksum(pseudo + body)
            if c == 0 { c = 0xFFFF }
            body[6] = UInt8(c >> 8); body[7] = UInt8(c & 0xFF)
        }
        return h + body
    }

    /// IPv6; a UDP or ICMPv6 payload directly inside gets its checksum filled in.
    static func ipv6(src: String = "2001:db8::1", dst: String = "2001:db8::2", nextHeader: UInt8, hopLimit: UInt8 = 64,
                     payload: [UInt8], payloadLength: Int? = nil) -> [UInt8] {
        var body = payload
        let at = nextHeader == 17 ? 6 : (nextHeader == 58 ? 2 : -1)
        if at >= 0 && body.count >= at + 2 && body[at] == 0 && body[at + 1] == 0 {
            let pseudo = v6(src) + v6(dst) + be32(UInt32(body.count)) + [0, 0, 0, nextHeader]
            var c = checksum(pseudo + body)
            if c == 0 && nextHeader == 17 { c = 0xFFFF }
            body[at] = UInt8(c >> 8); body[at + 1] = UInt8(c & 0xFF)
        }
        return [0x60, 0, 0, 0] + be16(payloadLength ?? body.count) + [nextHeader, hopLimit] + v6(src) + v6(dst) + body
    }

    /// An SRH over `segments` (Segment List[0] first, i.e. the LAST segment first).
    static func srh(nextHeader: UInt8, segments: [String], segmentsLeft: Int, lastEntry: Int? = nil,
                    flags: UInt8 = 0, tag: Int = 0, tlvs: [UInt8] = [], hdrExtLen: Int? = nil, routingType: UInt8 = 4) -> [UInt8] {
        let length = hdrExtLen ?? (segments.count * 16 + tlvs.count) / 8
        var out: [UInt8] = [nextHeader, UInt8(length), routingType, UInt8(segmentsLeft),
                            UInt8(lastEntry ?? segments.count - 1), flags] + be16(tag)
        for s in segments { out += v6(s) }
        return out + tlvs
    }

    /// NSH MD type 1 with a 16-byte context.
    static func nshMD1(spi: UInt32, si: UInt8, ttl: UInt8 = 63, next: UInt8, context: [UInt32] = [0, 0, 0, 0],
                       version: UInt8 = 0, oam: Bool = false, lengthWords: UInt8 = 6, mdType: UInt8 = 1) -> [UInt8] {
        let word0 = UInt16(version & 3) << 14 | (oam ? 0x2000 : 0) | UInt16(ttl & 0x3F) << 6 | UInt16(lengthWords & 0x3F)
        var out = be16(Int(word0)) + [mdType & 0x0F, next] + be32(spi << 8 | UInt32(si))
        for c in context { out += be32(c) }
        return out
    }

    /// One MD type 2 context header, value padded to 4 bytes.
    static func tlv(class cls: UInt16, type: UInt8, value: [UInt8], lengthField: Int? = nil) -> [UInt8] {
        let padded = value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
        return be16(Int(cls)) + [type, UInt8(lengthField ?? value.count)] + padded
    }

    /// NSH MD type 2: Length defaults to what the TLVs take.
    static func nshMD2(spi: UInt32, si: UInt8, ttl: UInt8 = 63, next: UInt8, tlvs: [UInt8], lengthWords: Int? = nil) -> [UInt8] {
        let words = lengthWords ?? 2 + tlvs.count / 4
        let word0 = UInt16(ttl & 0x3F) << 6 | UInt16(words & 0x3F)
        return be16(Int(word0)) + [2, next] + be32(spi << 8 | UInt32(si)) + tlvs
    }

    static func vxlanGPE(vni: UInt32, next: UInt8, flags: UInt8 = 0x0C) -> [UInt8] {
        [flags, 0, 0, next] + be32(vni << 8)
    }

    /// UDP with a zero checksum (the IP builders fill it in).
    static func udp(sport: Int, dport: Int, payload: [UInt8] = []) -> [UInt8] {
        be16(sport) + be16(dport) + be16(8 + payload.count) + [0, 0] + payload
    }

    static func tcp(sport: Int, dport: Int, flags: UInt8 = 0x02, seq: UInt32 = 1000, dataOffsetWords: UInt8 = 5) -> [UInt8] {
        be16(sport) + be16(dport) + be32(seq) + be32(0) + [dataOffsetWords << 4, flags] + be16(8192) + [0, 0, 0, 0]
    }

    static func icmpEcho(v6: Bool = false, id: Int = 1, seq: Int = 1) -> [UInt8] {
        var m: [UInt8] = [v6 ? 128 : 8, 0, 0, 0] + be16(id) + be16(seq)
        if !v6 {
            let c = checksum(m)
            m[2] = UInt8(c >> 8); m[3] = UInt8(c & 0xFF)
        }
        return m
    }

    /// RFC 1071 checksum of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
