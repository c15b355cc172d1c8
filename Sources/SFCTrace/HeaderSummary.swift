// What chain-trace shows of a frame on a link: the service header (NSH
// SPI/SI/TTL, or IPv6 DA / Segments Left / segment list) or the plain
// destination when there is none.
import SFCCore

public struct HeaderSummary: Sendable, Equatable {
    public var spi: Int?
    public var si: Int?
    public var ttl: Int?
    public var destination: String?
    public var segmentsLeft: Int?
    public var segments: [String]?
    public var vlan: Int?
    public var overVXLANGPE = false

    public init() {}

    public init(frame: [UInt8]) {
        self.init()
        frame.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, let eth = EthernetHeader(base, count: raw.count) else { return }
            if eth.vlan != 0 { vlan = Int(eth.vlan) }
            let l3 = base + eth.headerLength, length = raw.count - eth.headerLength
            switch eth.etherType {
            case EtherType.nsh: readNSH(l3, length)
            case EtherType.ipv4: readIPv4(l3, length)
            case EtherType.ipv6: readIPv6(l3, length)
            default: return
            }
        }
    }

    mutating func readNSH(_ p: UnsafeRawPointer, _ length: Int) {
        guard let nsh = NSHHeader(p, count: length) else { return }
        spi = Int(nsh.spi); si = Int(nsh.si); ttl = Int(nsh.ttl)
    }

    mutating func readIPv4(_ p: UnsafeRawPointer, _ length: Int) {
        guard let ip = IPv4Header(p, count: length) else { return }
        let l4 = ip.headerLength
        if ip.proto == IPProtocolNumber.udp, length >= l4 + 8 + 8, p.be16(l4 + 2) == UDPPort.vxlanGPE,
           let gpe = VXLANGPEHeader(p + l4 + 8, count: length - l4 - 8), gpe.carriesNSH {
            overVXLANGPE = true
            destination = ip.destination.description
            readNSH(p + l4 + 16, length - l4 - 16)
            return
        }
        destination = ip.destination.description
    }

    mutating func readIPv6(_ p: UnsafeRawPointer, _ length: Int) {
        guard let ip = IPv6Header(p, count: length) else { return }
        destination = ip.destination.description
        guard let chain = ip.walkExtensions(), chain.srhOffset >= 0,
              let srh = SegmentRoutingHeader(p + chain.srhOffset, count: length - chain.srhOffset),
              Int(srh.lastEntry) <= srh.maxLastEntry else { return }
        segmentsLeft = Int(srh.segmentsLeft)
        segments = (0...Int(srh.lastEntry)).map { srh.segment($0).description }
    }

    /// The fields that are known, under their JSON names (simulate --json, live --json).
    public var fields: [String: Any] {
        var h: [String: Any] = [:]
        if let v = spi { h["spi"] = v }
        if let v = si { h["si"] = v }
        if let v = ttl { h["ttl"] = v }
        if let v = destination { h["destination"] = v }
        if let v = segmentsLeft { h["segments_left"] = v }
        if let v = segments { h["segments"] = v }
        if let v = vlan { h["vlan"] = v }
        return h
    }

    /// One line: "NSH spi 100 si 255 ttl 62" or "IPv6 DA fc00:1::a1 SL 2 [..]" or "to 10.20.0.9".
    public var text: String {
        var parts: [String] = []
        if let spi, let si, let ttl { parts.append("\(overVXLANGPE ? "VXLAN-GPE/" : "")NSH spi \(spi) si \(si) ttl \(ttl)") }
        else if let segmentsLeft, let destination, let segments {
            parts.append("SRv6 DA \(destination) SL \(segmentsLeft) list [\(segments.joined(separator: ", "))]")
        } else if let destination {
            parts.append("IP to \(destination)")
        }
        if let vlan { parts.append("vlan \(vlan)") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}
