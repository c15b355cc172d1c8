// The Segment Routing Header (RFC 8754 section 2): a routing header of type 4.
//
//  0 Next Header | Hdr Ext Len | Routing Type (4) | Segments Left
//  4 Last Entry  | Flags       | Tag (16)
//  8 Segment List[0] (the last segment) ... Segment List[n-1], then TLVs.

public struct SegmentRoutingHeader {
    public static let routingType: UInt8 = 4
    public static let fixedSize = 8

    public let p: UnsafeRawPointer
    public let available: Int

    /// Returns nil unless the fixed part and all Hdr Ext Len announces are present.
    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= SegmentRoutingHeader.fixedSize else { return nil }
        let total = (Int(p.be8(1)) + 1) * 8
        guard count >= total else { return nil }
        self.p = p
        self.available = count
    }

    @inline(__always) public var nextHeader: UInt8 { p.be8(0) }
    @inline(__always) public var hdrExtLen: UInt8 { p.be8(1) }
    @inline(__always) public var type: UInt8 { p.be8(2) }
    @inline(__always) public var segmentsLeft: UInt8 { p.be8(3) }
    @inline(__always) public var lastEntry: UInt8 { p.be8(4) }
    @inline(__always) public var flags: UInt8 { p.be8(5) }
    @inline(__always) public var tag: UInt16 { p.be16(6) }
    /// Header length in bytes.
    @inline(__always) public var length: Int { (Int(hdrExtLen) + 1) * 8 }
    /// The largest Last Entry the header has room for: Hdr Ext Len / 2 - 1 (RFC 8986 s4.1 S08).
    @inline(__always) public var maxLastEntry: Int { Int(hdrExtLen) / 2 - 1 }

    /// Segment List[i]; the caller keeps i <= lastEntry <= maxLastEntry.
    @inline(__always) public func segment(_ i: Int) -> IPv6Address { p.ipv6(8 + 16 * i) }

    /// Where TLVs start (after Last Entry + 1 segments) and end; empty when
    /// Last Entry points past the header (clamped: a malformed header must not trap).
    @inline(__always) public var tlvRange: Range<Int> { min(8 + 16 * (Int(lastEntry) + 1), length)..<length }

    /// RFC 8754 section 4.3.1.1 / RFC 8986 section 4.1 checks, in order.
    @inline(__always)
    public var problem: DropReason? {
        // Hdr Ext Len may be odd: TLVs come in 8-octet units (RFC 8754 s2);
        // it must leave room for one segment.
        if type != SegmentRoutingHeader.routingType || hdrExtLen < 2 { return .srhMalformed }
        if Int(lastEntry) > maxLastEntry { return .srhMalformed }
        if Int(segmentsLeft) > Int(lastEntry) + 1 { return .srhSegmentsLeftOutOfRange }
        return nil
    }

    /// Writes the fixed part of an SRH for `segments` entries (no TLVs).
    @inline(__always)
    public static func writeFixed(_ q: UnsafeMutableRawPointer, nextHeader: UInt8, segments: Int,
                                  segmentsLeft: UInt8, lastEntry: UInt8) {
        q.setBE8(0, nextHeader)
        q.setBE8(1, UInt8(truncatingIfNeeded: 2 * segments))
        q.setBE8(2, SegmentRoutingHeader.routingType)
        q.setBE8(3, segmentsLeft)
        q.setBE8(4, lastEntry)
        q.setBE8(5, 0)
        q.setBE16(6, 0)
    }
}
