// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe s3): flags R R Ver I P B O, Next
// Protocol 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH. Without the P bit the payload
// is Ethernet, as in plain VXLAN (RFC 7348).
import SFCCore

extension DissectState {
    mutating func vxlanGPE() -> DissectStep {
        guard let gpe = VXLANGPEHeader(here, count: remaining) else {
            truncated("vxlan-gpe", "VXLAN-GPE header", need: VXLANGPEHeader.size, have: remaining,
                      reference: "draft-ietf-nvo3-vxlan-gpe s3")
            return .stop
        }
        let flags = gpe.flags
        let iBit = flags & VXLANGPEHeader.flagI != 0
        let pBit = flags & VXLANGPEHeader.flagP != 0
        var layer = Layer(name: "vxlan-gpe")
        layer.add("flags", Int(flags))
        layer.add("version", Int(gpe.version))
        layer.add("i", iBit)
        layer.add("p", pBit)
        layer.add("b", flags & 0x02 != 0)
        layer.add("o", flags & 0x01 != 0)
        layer.add("next_protocol", Int(gpe.nextProtocol))
        layer.add("vni", Int(gpe.vni))
        layer.summary = "vxlan-gpe  vni \(gpe.vni) flags \(hex(flags)) next \(gpe.nextProtocol)"
        layers.append(layer)

        if gpe.version != 0 {
            flag("vxlan-gpe", "draft-ietf-nvo3-vxlan-gpe s3", "version \(gpe.version), must be 0", .vxlanBadHeader)
        }
        if !iBit {
            flag("vxlan-gpe", "draft-ietf-nvo3-vxlan-gpe s3", "I bit clear: the VNI is not valid", .vxlanBadHeader)
        }
        offset += VXLANGPEHeader.size
        guard pBit else {
            flag("vxlan-gpe", "draft-ietf-nvo3-vxlan-gpe s3",
                 "P bit clear: Next Protocol \(gpe.nextProtocol) is not valid, payload taken as Ethernet", .vxlanBadHeader)
            return .ethernet
        }
        switch gpe.nextProtocol {
        case 1: return .ipv4
        case 2: return .ipv6
        case 3: return .ethernet
        case VXLANGPEHeader.nextProtocolNSH: return .nsh
        default:
            flag("vxlan-gpe", "draft-ietf-nvo3-vxlan-gpe s3",
                 "Next Protocol \(hex(gpe.nextProtocol)) is none of IPv4 (1), IPv6 (2), Ethernet (3), NSH (4)", .vxlanBadHeader)
            data(reason: "VXLAN-GPE next protocol \(gpe.nextProtocol) not decoded")
            return .stop
        }
    }
}
