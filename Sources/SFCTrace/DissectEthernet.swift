// Ethernet II (+ one 802.1Q / 802.1ad tag), then dispatch on the ethertype.
import SFCCore

extension DissectState {
    mutating func ethernet() -> DissectStep {
        guard let eth = EthernetHeader(here, count: remaining) else {
            let tagged = remaining >= 14 && [EtherType.vlan, EtherType.qinq].contains(here.be16(12))
            truncated("ethernet", tagged ? "Ethernet header with 802.1Q tag" : "Ethernet header",
                      need: tagged ? 18 : 14, have: remaining, reference: "IEEE 802.3 s3.1, IEEE 802.1Q s9")
            return .stop
        }
        var layer = Layer(name: "ethernet")
        layer.add("dst", eth.destination.description)
        layer.add("src", eth.source.description)
        var summary = "ethernet  \(eth.source) -> \(eth.destination)"
        if eth.headerLength == 18 {
            layer.add("vlan", Int(eth.vlan))
            layer.add("pcp", Int(here.be8(14) >> 5))
            summary += "  vlan \(eth.vlan)"
        }
        layer.add("type", Int(eth.etherType))
        summary += "  type \(hex(eth.etherType, digits: 4))"
        layer.summary = summary
        layers.append(layer)
        offset += eth.headerLength
        switch eth.etherType {
        case EtherType.ipv4: return .ipv4
        case EtherType.ipv6: return .ipv6
        case EtherType.nsh: return .nsh
        default:
            data(reason: "ethertype \(hex(eth.etherType, digits: 4)) not decoded")
            return .stop
        }
    }
}
