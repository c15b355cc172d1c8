// IPv4 (RFC 791), options skipped by IHL.

public struct IPv4Header {
    public static let minimumSize = 20

    public let p: UnsafeRawPointer
    /// Bytes available from the start of the header.
    public let available: Int

    /// Returns nil when fewer than 20 bytes are available.
    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= IPv4Header.minimumSize else { return nil }
        self.p = p
        self.available = count
    }

    @inline(__always) public var version: UInt8 { p.be8(0) >> 4 }
    /// Header length in bytes (IHL * 4).
    @inline(__always) public var headerLength: Int { Int(p.be8(0) & 0x0F) * 4 }
    @inline(__always) public var tos: UInt8 { p.be8(1) }
    @inline(__always) public var dscp: UInt8 { p.be8(1) >> 2 }
    @inline(__always) public var totalLength: Int { Int(p.be16(2)) }
    @inline(__always) public var identification: UInt16 { p.be16(4) }
    @inline(__always) public var fragmentField: UInt16 { p.be16(6) }
    /// True for any fragment but the first (fragment offset != 0).
    @inline(__always) public var isLaterFragment: Bool { fragmentField & 0x1FFF != 0 }
    @inline(__always) public var ttl: UInt8 { p.be8(8) }
    @inline(__always) public var proto: UInt8 { p.be8(9) }
    @inline(__always) public var checksum: UInt16 { p.be16(10) }
    @inline(__always) public var source: IPv4Address { p.ipv4(12) }
    @inline(__always) public var destination: IPv4Address { p.ipv4(16) }

    /// Version 4, IHL >= 5, header inside total length, total length inside the buffer.
    @inline(__always) public var isValid: Bool {
        version == 4 && headerLength >= 20 && totalLength >= headerLength && totalLength <= available
    }

    /// The RFC 1071 checksum over the header as it stands (0 when correct).
    public var computedChecksum: UInt16 {
        Checksum.fold(Checksum.sum(p, count: min(headerLength, available)))
    }

    /// Writes a 20-byte header with a correct checksum.
    @inline(__always)
    public static func write(_ q: UnsafeMutableRawPointer, tos: UInt8, totalLength: Int, identification: UInt16,
                             dontFragment: Bool, ttl: UInt8, proto: UInt8, source: IPv4Address, destination: IPv4Address) {
        q.setBE8(0, 0x45)
        q.setBE8(1, tos)
        q.setBE16(2, UInt16(truncatingIfNeeded: totalLength))
        q.setBE16(4, identification)
        q.setBE16(6, dontFragment ? 0x4000 : 0)
        q.setBE8(8, ttl)
        q.setBE8(9, proto)
        q.setBE16(10, 0)
        q.setIPv4(12, source)
        q.setIPv4(16, destination)
        q.setBE16(10, Checksum.fold(Checksum.sum(UnsafeRawPointer(q), count: 20)))
    }
}

/// RFC 1071 Internet checksum.
public enum Checksum {
    @inline(__always)
    public static func sum(_ p: UnsafeRawPointer, count: Int, initial: UInt32 = 0) -> UInt32 {
        var s = UInt64(initial)
        var i = 0
        while i + 1 < count { s += UInt64(p.be16(i)); i += 2 }
        if i < count { s += UInt64(p.be8(i)) << 8 }
        while s >> 32 != 0 { s = (s & 0xFFFF_FFFF) + (s >> 32) }
        return UInt32(truncatingIfNeeded: s)
    }

    /// Folds a 32-bit sum to the one's complement 16-bit checksum.
    @inline(__always)
    public static func fold(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(truncatingIfNeeded: s)
    }
}
