// The innermost headers: UDP (RFC 768), TCP (RFC 9293 s3.1), ICMP (RFC 792)
// and ICMPv6 (RFC 4443 s2.1). UDP port 4790 leads to VXLAN-GPE.
import SFCCore

extension DissectState {
    mutating func udp() -> DissectStep {
        guard let udp = UDPHeader(here, count: remaining) else {
            truncated("udp", "UDP header", need: UDPHeader.size, have: remaining, reference: "RFC 768")
            return .stop
        }
        var layer = Layer(name: "udp")
        layer.add("sport", Int(udp.sourcePort))
        layer.add("dport", Int(udp.destinationPort))
        layer.add("length", udp.length)
        layer.add("checksum", Int(udp.checksum))
        layer.summary = "udp  \(udp.sourcePort) -> \(udp.destinationPort)  len \(udp.length)"
        layers.append(layer)
        if udp.length < UDPHeader.size {
            // A zero length is allowed only for IPv6 jumbograms (RFC 2675 s4); flag it anyway.
            flag("udp", "RFC 768", "length \(udp.length) is below the 8-byte header", nil)
        } else if udp.length > remaining {
            flagTruncated("udp", "UDP datagram (length \(udp.length))", need: udp.length, have: remaining, reference: "RFC 768")
        } else {
            end = offset + udp.length
        }
        offset += UDPHeader.size
        if udp.destinationPort == UDPPort.vxlanGPE || udp.sourcePort == UDPPort.vxlanGPE { return .vxlanGPE }
        return .stop
    }

    mutating func tcp() -> DissectStep {
        guard let tcp = TCPHeader(here, count: remaining) else {
            truncated("tcp", "TCP header", need: TCPHeader.minimumSize, have: remaining, reference: "RFC 9293 s3.1")
            return .stop
        }
        var layer = Layer(name: "tcp")
        layer.add("sport", Int(tcp.sourcePort))
        layer.add("dport", Int(tcp.destinationPort))
        layer.add("seq", Int(tcp.sequence))
        layer.add("ack", Int(tcp.acknowledgment))
        layer.add("hdr_len", tcp.dataOffset)
        layer.add("flags", Int(tcp.flags))
        let names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
        let set = (0..<8).filter { tcp.flags & (1 << $0) != 0 }.map { names[$0] }
        layer.summary = "tcp  \(tcp.sourcePort) -> \(tcp.destinationPort)  [\(set.joined(separator: ","))] seq \(tcp.sequence)"
        if tcp.dataOffset < TCPHeader.minimumSize {
            layers.append(layer)
            flag("tcp", "RFC 9293 s3.1", "data offset \(tcp.dataOffset / 4) is below the minimum of 5")
        } else if tcp.dataOffset > remaining {
            layer.add("truncated", true)
            layers.append(layer)
            flagTruncated("tcp", "TCP header with options", need: tcp.dataOffset, have: remaining, reference: "RFC 9293 s3.1")
        } else {
            layers.append(layer)
        }
        return .stop
    }

    mutating func icmp(version6: Bool) -> DissectStep {
        let name = version6 ? "icmpv6" : "icmp"
        guard let icmp = ICMPHeader(here, count: remaining) else {
            truncated(name, version6 ? "ICMPv6 header" : "ICMP header", need: ICMPHeader.size, have: remaining,
                      reference: version6 ? "RFC 4443 s2.1" : "RFC 792")
            return .stop
        }
        var layer = Layer(name: name)
        layer.add("type", Int(icmp.type))
        layer.add("code", Int(icmp.code))
        layer.add("checksum", Int(icmp.checksum))
        var summary = "\(name)  type \(icmp.type) code \(icmp.code)"
        let echo = version6 ? (icmp.type == 128 || icmp.type == 129) : (icmp.type == 8 || icmp.type == 0)
        if echo {
            layer.add("ident", Int(icmp.identifier))
            layer.add("seq", Int(here.be16(6)))
            summary += "  echo id \(icmp.identifier) seq \(here.be16(6))"
        }
        layer.summary = summary
        layers.append(layer)
        return .stop
    }
}
