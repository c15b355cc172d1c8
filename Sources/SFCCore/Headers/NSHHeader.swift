// The Network Service Header (RFC 8300 section 2).
//
//  0 Ver(2) O U TTL(6) Length(6) | U U U U MD Type(4) | Next Protocol(8)
//  4 Service Path Identifier (24) | Service Index (8)
//  8 context: MD type 1 = 16 bytes; MD type 2 = TLVs (class 16, type 8,
//    U + length 7 in bytes, value padded to 4 bytes).

public struct NSHHeader {
    public static let baseSize = 8
    public static let md1Size = 24
    public static let md1LengthWords: UInt8 = 6
    public static let defaultTTL: UInt8 = 63

    public let p: UnsafeRawPointer
    public let available: Int

    /// Returns nil unless the base and service path headers are present.
    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= NSHHeader.baseSize else { return nil }
        self.p = p
        self.available = count
    }

    @inline(__always) public var version: UInt8 { p.be8(0) >> 6 }
    @inline(__always) public var oam: Bool { p.be8(0) & 0x20 != 0 }
    @inline(__always) public var ttl: UInt8 { UInt8(truncatingIfNeeded: p.be16(0) >> 6) & 0x3F }
    /// Length in 4-byte words, including the base and service path headers.
    @inline(__always) public var lengthWords: UInt8 { p.be8(1) & 0x3F }
    @inline(__always) public var length: Int { Int(lengthWords) * 4 }
    @inline(__always) public var mdType: UInt8 { p.be8(2) & 0x0F }
    @inline(__always) public var nextProtocol: UInt8 { p.be8(3) }
    @inline(__always) public var spi: UInt32 { p.be32(4) >> 8 }
    @inline(__always) public var si: UInt8 { p.be8(7) }

    /// The checks an SFF applies before it trusts the header (RFC 8300
    /// sections 2.2, 2.4, 2.5): version 0, a known MD type whose Length fits
    /// it, the whole header in the buffer.
    @inline(__always)
    public var problem: DropReason? {
        if version != 0 { return .nshBadVersion }
        switch mdType {
        case 1:
            if lengthWords != NSHHeader.md1LengthWords { return .nshBadLength }
        case 2:
            if lengthWords < 2 { return .nshBadLength }
        default:
            return .nshBadMDType
        }
        if length > available { return .truncated }
        if mdType == 2 && !tlvsAreWellFormed { return .nshBadLength }
        return nil
    }

    /// MD type 2: every TLV lies inside Length (false when Length runs past the buffer).
    public var tlvsAreWellFormed: Bool {
        var offset = NSHHeader.baseSize
        let end = length
        guard end <= available else { return false }
        while offset < end {
            guard offset + 4 <= end else { return false }
            let valueLength = Int(p.be8(offset + 3) & 0x7F)
            offset += 4 + (valueLength + 3) / 4 * 4
        }
        return offset == end
    }

    /// Writes the base and service path headers.
    @inline(__always)
    public static func writeBase(_ q: UnsafeMutableRawPointer, ttl: UInt8, lengthWords: UInt8, mdType: UInt8,
                                 nextProtocol: UInt8, spi: UInt32, si: UInt8) {
        // Ver 0, O 0, U 0, TTL in the 6 bits after them, Length in the low 6.
        q.setBE16(0, UInt16(ttl & 0x3F) << 6 | UInt16(lengthWords & 0x3F))
        q.setBE8(2, mdType & 0x0F)
        q.setBE8(3, nextProtocol)
        q.setBE32(4, spi << 8 | UInt32(si))
    }

    /// Rewrites only the TTL, keeping the other bits of the first 16-bit word.
    @inline(__always)
    public static func setTTL(_ q: UnsafeMutableRawPointer, _ ttl: UInt8) {
        let word = q.be16(0)
        q.setBE16(0, word & ~(0x3F << 6) | UInt16(ttl & 0x3F) << 6)
    }

    @inline(__always)
    public static func setSI(_ q: UnsafeMutableRawPointer, _ si: UInt8) { q.setBE8(7, si) }
}

/// One MD type 2 context header, as read from a packet.
public struct NSHContextTLV: Equatable, Sendable {
    public var metadataClass: UInt16
    public var type: UInt8
    public var value: [UInt8]
}

extension NSHHeader {
    /// The MD type 2 TLVs (tools only: allocates).
    public var contextTLVs: [NSHContextTLV] {
        guard mdType == 2 else { return [] }
        var list: [NSHContextTLV] = []
        var offset = NSHHeader.baseSize
        let end = min(length, available)
        while offset + 4 <= end {
            let valueLength = Int(p.be8(offset + 3) & 0x7F)
            guard offset + 4 + valueLength <= end else { break }
            let value = (0..<valueLength).map { p.be8(offset + 4 + $0) }
            list.append(NSHContextTLV(metadataClass: p.be16(offset), type: p.be8(offset + 2), value: value))
            offset += 4 + (valueLength + 3) / 4 * 4
        }
        return list
    }

    /// MD type 1 context words (tools only).
    public var fixedContext: [UInt32] {
        guard mdType == 1, available >= NSHHeader.md1Size else { return [] }
        return (0..<4).map { p.be32(8 + 4 * $0) }
    }
}
