// IPv6 (RFC 8200) and the walk over its extension headers.

public struct IPv6Header {
    public static let size = 40

    public let p: UnsafeRawPointer
    public let available: Int

    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= IPv6Header.size else { return nil }
        self.p = p
        self.available = count
    }

    @inline(__always) public var version: UInt8 { p.be8(0) >> 4 }
    @inline(__always) public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: p.be16(0) >> 4) }
    @inline(__always) public var dscp: UInt8 { trafficClass >> 2 }
    @inline(__always) public var flowLabel: UInt32 { p.be32(0) & 0x000F_FFFF }
    @inline(__always) public var payloadLength: Int { Int(p.be16(4)) }
    @inline(__always) public var nextHeader: UInt8 { p.be8(6) }
    @inline(__always) public var hopLimit: UInt8 { p.be8(7) }
    @inline(__always) public var source: IPv6Address { p.ipv6(8) }
    @inline(__always) public var destination: IPv6Address { p.ipv6(24) }

    /// Version 6 and the payload inside the buffer.
    @inline(__always) public var isValid: Bool {
        version == 6 && IPv6Header.size + payloadLength <= available
    }

    @inline(__always)
    public static func write(_ q: UnsafeMutableRawPointer, trafficClass: UInt8, flowLabel: UInt32, payloadLength: Int,
                             nextHeader: UInt8, hopLimit: UInt8, source: IPv6Address, destination: IPv6Address) {
        q.setBE32(0, 6 << 28 | UInt32(trafficClass) << 20 | flowLabel & 0x000F_FFFF)
        q.setBE16(4, UInt16(truncatingIfNeeded: payloadLength))
        q.setBE8(6, nextHeader)
        q.setBE8(7, hopLimit)
        q.setIPv6(8, source)
        q.setIPv6(24, destination)
    }
}

/// Where the extension header chain of one IPv6 packet leads.
public struct IPv6Chain: Equatable {
    /// Offset (from the IPv6 header) of the upper-layer header, and its protocol.
    public var upperOffset: Int
    public var upperProtocol: UInt8
    /// Offset of the first routing header of type 4 (SRH), or -1.
    public var srhOffset: Int
    /// Offset of the first routing header of another type, or -1.
    public var otherRoutingOffset: Int
    /// True when a fragment header with a non-zero offset was seen.
    public var laterFragment: Bool
}

extension IPv6Header {
    /// Extension headers this walk steps over (RFC 8200 section 4, and
    /// RFC 7045's list of headers with the common length format).
    @inline(__always)
    public static func isExtension(_ nh: UInt8) -> Bool {
        switch nh {
        case IPv6NextHeader.hopByHop, IPv6NextHeader.routing, IPv6NextHeader.fragment,
             IPv6NextHeader.destinationOptions, IPv6NextHeader.auth, IPv6NextHeader.mobility:
            return true
        default:
            return false
        }
    }

    /// Walks the extension headers inside the payload. Returns nil when a
    /// header runs past the payload or the chain is longer than 16 headers.
    public func walkExtensions() -> IPv6Chain? {
        let end = min(available, IPv6Header.size + payloadLength)
        var chain = IPv6Chain(upperOffset: IPv6Header.size, upperProtocol: nextHeader,
                              srhOffset: -1, otherRoutingOffset: -1, laterFragment: false)
        var nh = nextHeader
        var offset = IPv6Header.size
        var steps = 0
        while IPv6Header.isExtension(nh) {
            steps += 1
            guard steps <= 16, offset + 8 <= end else { return nil }
            let length: Int
            switch nh {
            case IPv6NextHeader.fragment:
                length = 8
                if p.be16(offset + 2) & 0xFFF8 != 0 { chain.laterFragment = true }
            case IPv6NextHeader.auth:
                length = (Int(p.be8(offset + 1)) + 2) * 4
            default:
                length = (Int(p.be8(offset + 1)) + 1) * 8
            }
            guard offset + length <= end else { return nil }
            if nh == IPv6NextHeader.routing {
                if p.be8(offset + 2) == SegmentRoutingHeader.routingType {
                    if chain.srhOffset < 0 { chain.srhOffset = offset }
                } else if chain.otherRoutingOffset < 0 {
                    chain.otherRoutingOffset = offset
                }
            }
            nh = p.be8(offset)
            offset += length
            if chain.laterFragment { break }
        }
        chain.upperOffset = offset
        chain.upperProtocol = nh
        return chain
    }
}
