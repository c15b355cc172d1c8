// GRE (RFC 2784, key and sequence number from RFC 2890), one of the NSH
// transports (protocol type 0x894F, RFC 8300 s4).
import SFCCore

extension DissectState {
    mutating func gre() -> DissectStep {
        guard remaining >= 4 else {
            truncated("gre", "GRE header", need: 4, have: remaining, reference: "RFC 2784 s2")
            return .stop
        }
        let flags = here.be16(0)
        let protocolType = here.be16(2)
        let hasChecksum = flags & 0x8000 != 0, hasKey = flags & 0x2000 != 0, hasSequence = flags & 0x1000 != 0
        let version = flags & 0x7
        let length = 4 + (hasChecksum ? 4 : 0) + (hasKey ? 4 : 0) + (hasSequence ? 4 : 0)
        guard length <= remaining else {
            truncated("gre", "GRE header", need: length, have: remaining, reference: "RFC 2784 s2, RFC 2890 s2")
            return .stop
        }
        var layer = Layer(name: "gre")
        layer.add("flags", Int(flags))
        layer.add("version", Int(version))
        layer.add("proto", Int(protocolType))
        var at = 4 + (hasChecksum ? 4 : 0)
        var summary = "gre  proto \(hex(protocolType, digits: 4))"
        if hasKey {
            layer.add("key", Int(here.be32(at)))
            summary += " key \(here.be32(at))"
            at += 4
        }
        if hasSequence {
            layer.add("seq", Int(here.be32(at)))
            summary += " seq \(here.be32(at))"
        }
        layer.summary = summary
        layers.append(layer)
        if version != 0 {
            // RFC 2784 s2.3.1: version 0; version 1 is PPTP's enhanced GRE, not decoded here.
            flag("gre", "RFC 2784 s2.3.1", "version \(version), must be 0")
            return .stop
        }
        offset += length
        switch protocolType {
        case EtherType.nsh: return .nsh
        case EtherType.ipv4: return .ipv4
        case EtherType.ipv6: return .ipv6
        case 0x6558: return .ethernet             // transparent Ethernet bridging
        default:
            data(reason: "GRE protocol \(hex(protocolType, digits: 4)) not decoded")
            return .stop
        }
    }
}
