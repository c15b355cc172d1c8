// Builds SRv6 frames for endpoint tests.
@testable import SFCCore

enum SRv6Frames {
    /// Ethernet / IPv6 (+ SRH with `segments` in Segment List order) / inner.
    static func frame(port: Int = Topo.sr, da: String, segments: [String], segmentsLeft: UInt8, lastEntry: UInt8? = nil,
                      hopLimit: UInt8 = 64, routingType: UInt8 = 4, hdrExtLenDelta: Int = 0,
                      inner: [UInt8]? = nil, innerType: UInt8 = IPv6NextHeader.ipv4, withSRH: Bool = true,
                      vlan: UInt16 = 0, source: MACAddress = Topo.srGateway) -> [UInt8] {
        let payload = inner ?? Array(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 104))[14...])
        var srh: [UInt8] = []
        if withSRH {
            srh = [innerType, UInt8(2 * segments.count + hdrExtLenDelta), routingType, segmentsLeft,
                   lastEntry ?? UInt8(segments.count - 1), 0, 0, 0]
            for s in segments { srh += bytes(Topo.v6(s)) }
        }
        var ip = [UInt8](repeating: 0, count: 40)
        ip.withUnsafeMutableBytes {
            IPv6Header.write($0.baseAddress!, trafficClass: 0, flowLabel: 0, payloadLength: srh.count + payload.count,
                             nextHeader: withSRH ? IPv6NextHeader.routing : innerType, hopLimit: hopLimit,
                             source: Topo.v6("2001:db8:9::1"), destination: Topo.v6(da))
        }
        return PacketBuilder.ethernet(destination: Topo.config.ports[port].mac, source: source, vlan: vlan,
                                      etherType: EtherType.ipv6) + ip + srh + payload
    }

    static func bytes(_ a: IPv6Address) -> [UInt8] { (0..<16).map { a.octet($0) } }

    /// Parsed outer view of an output frame (Ethernet untagged).
    struct Outer {
        var da: IPv6Address
        var hopLimit: UInt8
        var nextHeader: UInt8
        var segmentsLeft: UInt8 = 0
        var lastEntry: UInt8 = 0
        var hdrExtLen: UInt8 = 0
        var list: [IPv6Address] = []
        var inner: [UInt8]
    }

    static func outer(_ f: [UInt8], l2: Int = 14) -> Outer {
        let ip = l2
        var o = Outer(da: f.ipv6(ip + 24), hopLimit: f[ip + 7], nextHeader: f[ip + 6], inner: [])
        if o.nextHeader == IPv6NextHeader.routing {
            let s = ip + 40
            o.hdrExtLen = f[s + 1]; o.segmentsLeft = f[s + 3]; o.lastEntry = f[s + 4]
            o.list = (0...Int(o.lastEntry)).map { f.ipv6(s + 8 + 16 * $0) }
            o.inner = Array(f[(s + 8 * (Int(o.hdrExtLen) + 1))...])
        } else {
            o.inner = Array(f[(ip + 40)...])
        }
        return o
    }
}
