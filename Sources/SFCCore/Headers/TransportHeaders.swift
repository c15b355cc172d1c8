// The transport headers the classifier and the flow hash read.

public struct UDPHeader {
    public static let size = 8
    public let p: UnsafeRawPointer
    @inline(__always) public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= UDPHeader.size else { return nil }
        self.p = p
    }
    @inline(__always) public var sourcePort: UInt16 { p.be16(0) }
    @inline(__always) public var destinationPort: UInt16 { p.be16(2) }
    @inline(__always) public var length: Int { Int(p.be16(4)) }
    @inline(__always) public var checksum: UInt16 { p.be16(6) }

    @inline(__always)
    public static func write(_ q: UnsafeMutableRawPointer, sourcePort: UInt16, destinationPort: UInt16, length: Int) {
        q.setBE16(0, sourcePort)
        q.setBE16(2, destinationPort)
        q.setBE16(4, UInt16(truncatingIfNeeded: length))
        q.setBE16(6, 0)
    }
}

public struct TCPHeader {
    public static let minimumSize = 20
    public let p: UnsafeRawPointer
    public let available: Int
    @inline(__always) public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= TCPHeader.minimumSize else { return nil }
        self.p = p
        self.available = count
    }
    @inline(__always) public var sourcePort: UInt16 { p.be16(0) }
    @inline(__always) public var destinationPort: UInt16 { p.be16(2) }
    @inline(__always) public var sequence: UInt32 { p.be32(4) }
    @inline(__always) public var acknowledgment: UInt32 { p.be32(8) }
    @inline(__always) public var dataOffset: Int { Int(p.be8(12) >> 4) * 4 }
    @inline(__always) public var flags: UInt8 { p.be8(13) }
    @inline(__always) public var isValid: Bool { dataOffset >= 20 && dataOffset <= available }
}

/// ICMP (RFC 792) and ICMPv6 (RFC 4443) share the first four bytes.
public struct ICMPHeader {
    public static let size = 8
    public let p: UnsafeRawPointer
    @inline(__always) public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= ICMPHeader.size else { return nil }
        self.p = p
    }
    @inline(__always) public var type: UInt8 { p.be8(0) }
    @inline(__always) public var code: UInt8 { p.be8(1) }
    @inline(__always) public var checksum: UInt16 { p.be16(2) }
    /// Echo request/reply identifier.
    @inline(__always) public var identifier: UInt16 { p.be16(4) }
}
