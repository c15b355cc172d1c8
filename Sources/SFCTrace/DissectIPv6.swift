// IPv6 (RFC 8200 s3) and its extension headers (RFC 8200 s4). Routing
// headers of type 4 go to the SRH decoder (DissectSRH.swift).
import SFCCore

extension DissectState {
    mutating func ipv6() -> DissectStep {
        guard let ip = IPv6Header(here, count: remaining) else {
            truncated("ipv6", "IPv6 header", need: IPv6Header.size, have: remaining, reference: "RFC 8200 s3")
            return .stop
        }
        var layer = Layer(name: "ipv6")
        layer.add("version", Int(ip.version))
        layer.add("tclass", Int(ip.trafficClass))
        layer.add("flow", Int(ip.flowLabel))
        layer.add("plen", ip.payloadLength)
        layer.add("nxt", Int(ip.nextHeader))
        layer.add("hlim", Int(ip.hopLimit))
        layer.add("src", ip.source.description)
        layer.add("dst", ip.destination.description)
        layer.summary = "ipv6  \(ip.source) -> \(ip.destination)  nxt \(ip.nextHeader) hlim \(ip.hopLimit) plen \(ip.payloadLength)"
        layers.append(layer)
        guard ip.version == 6 else {
            flag("ipv6", "RFC 8200 s3", "version \(ip.version) in an IPv6 header, must be 6", .ipv6BadHeader)
            return .stop
        }
        let total = IPv6Header.size + ip.payloadLength
        if total > remaining {
            flag("ipv6", "RFC 8200 s3",
                 "packet truncated: payload length announces \(ip.payloadLength) bytes, \(remaining - IPv6Header.size) present (\(total - remaining) missing)",
                 .truncated)
        } else {
            end = offset + total
        }
        ipv6Destination = ip.destination
        offset += IPv6Header.size
        return .ipProtocol(ip.nextHeader)
    }

    /// Hop-by-hop, destination options, fragment, AH and mobility headers.
    mutating func ipv6Extension(_ type: UInt8) -> DissectStep {
        let (name, title): (String, String) = switch type {
        case IPv6NextHeader.hopByHop: ("hopopts", "IPv6 Hop-by-Hop Options header")
        case IPv6NextHeader.destinationOptions: ("dstopts", "IPv6 Destination Options header")
        case IPv6NextHeader.fragment: ("fragment", "IPv6 Fragment header")
        case IPv6NextHeader.auth: ("ah", "IPv6 Authentication header")
        default: ("mobility", "IPv6 Mobility header")
        }
        let reference = type == IPv6NextHeader.auth ? "RFC 4302 s2" : "RFC 8200 s4"
        guard remaining >= 8 else {
            truncated(name, title, need: 8, have: remaining, reference: reference)
            return .stop
        }
        let length: Int
        switch type {
        case IPv6NextHeader.fragment: length = 8
        case IPv6NextHeader.auth: length = (Int(here.be8(1)) + 2) * 4       // RFC 4302 s2.2: 4-octet units minus 2
        default: length = (Int(here.be8(1)) + 1) * 8                       // RFC 8200 s4.3: 8-octet units, not counting the first
        }
        guard length <= remaining else {
            truncated(name, title, need: length, have: remaining, reference: reference)
            return .stop
        }
        let next = here.be8(0)
        var layer = Layer(name: name)
        layer.add("nxt", Int(next))
        layer.add("len", length)
        var summary = "\(name)  nxt \(next) len \(length)"
        var laterFragment = false
        if type == IPv6NextHeader.fragment {
            let field = here.be16(2)
            let fragmentOffset = Int(field >> 3) * 8
            layer.add("offset", fragmentOffset)
            layer.add("more", field & 1 != 0)
            layer.add("id", Int(here.be32(4)))
            summary += "  offset \(fragmentOffset) more \(field & 1) id \(hex(here.be32(4), digits: 8))"
            laterFragment = fragmentOffset != 0
        }
        layer.summary = summary
        layers.append(layer)
        offset += length
        if laterFragment {
            data(reason: "non-first fragment")
            return .stop
        }
        return .ipProtocol(next)
    }

    /// A routing header: type 4 is the SRH; other types are shown, not checked.
    mutating func routing() -> DissectStep {
        guard remaining >= 8 else {
            let isSRH = remaining >= 3 && here.be8(2) == SegmentRoutingHeader.routingType
            truncated(isSRH ? "srh" : "routing", isSRH ? "Segment Routing Header" : "IPv6 Routing header",
                      need: 8, have: remaining, reference: isSRH ? "RFC 8754 s2" : "RFC 8200 s4.4")
            return .stop
        }
        if here.be8(2) == SegmentRoutingHeader.routingType { return segmentRoutingHeader() }
        let length = (Int(here.be8(1)) + 1) * 8
        guard length <= remaining else {
            truncated("routing", "IPv6 Routing header", need: length, have: remaining, reference: "RFC 8200 s4.4")
            return .stop
        }
        var layer = Layer(name: "routing")
        layer.add("nxt", Int(here.be8(0)))
        layer.add("len", Int(here.be8(1)))
        layer.add("type", Int(here.be8(2)))
        layer.add("segments_left", Int(here.be8(3)))
        layer.summary = "routing  type \(here.be8(2)) segments left \(here.be8(3)) nxt \(here.be8(0))"
        layers.append(layer)
        let next = here.be8(0)
        offset += length
        return .ipProtocol(next)
    }
}
