// The Network Service Header (RFC 8300 s2): base header, service path
// header, MD type 1 fixed context or MD type 2 TLVs, then the inner packet
// by Next Protocol.
import SFCCore

extension DissectState {
    mutating func nsh() -> DissectStep {
        guard let nsh = NSHHeader(here, count: remaining) else {
            truncated("nsh", "NSH base and service path headers", need: NSHHeader.baseSize, have: remaining,
                      reference: "RFC 8300 s2.1")
            return .stop
        }
        let have = remaining
        var layer = Layer(name: "nsh")
        layer.add("version", Int(nsh.version))
        layer.add("oam", nsh.oam)
        layer.add("ttl", Int(nsh.ttl))
        layer.add("length", Int(nsh.lengthWords))
        layer.add("md_type", Int(nsh.mdType))
        layer.add("next_protocol", Int(nsh.nextProtocol))
        layer.add("spi", Int(nsh.spi))
        layer.add("si", Int(nsh.si))
        var summary = "nsh  spi \(nsh.spi) si \(nsh.si)  ver \(nsh.version) O \(nsh.oam ? 1 : 0) ttl \(nsh.ttl) len \(nsh.lengthWords) md \(nsh.mdType) next \(nsh.nextProtocol)"

        // RFC 8300 s2.2: base header checks.
        if nsh.version != 0 {
            flag("nsh", "RFC 8300 s2.2", "version \(nsh.version), must be 0", .nshBadVersion)
        }
        if here.be8(0) & 0x10 != 0 || here.be8(2) & 0xF0 != 0 {
            flag("nsh", "RFC 8300 s2.2", "unassigned bits set (must be 0 on transmission)")
        }
        if nsh.ttl == 0 {
            flag("nsh", "RFC 8300 s2.2", "TTL is 0: an SFF must not forward this packet", .nshTTLExpired)
        }
        switch nsh.mdType {
        case 0: flag("nsh", "RFC 8300 s2.2", "MD Type 0x0 is reserved", .nshBadMDType)
        case 0xF: flag("nsh", "RFC 8300 s2.2", "MD Type 0xF is reserved for experimentation", .nshBadMDType)
        case 1, 2: break
        default: flag("nsh", "RFC 8300 s11.2.4", "MD Type \(hex(nsh.mdType, digits: 1)) is unassigned", .nshBadMDType)
        }
        if nsh.mdType == 1 && nsh.lengthWords != NSHHeader.md1LengthWords {
            flag("nsh", "RFC 8300 s2.4", "MD Type 1 requires Length 6 (24 bytes), header says \(nsh.lengthWords)", .nshBadLength)
        } else if nsh.lengthWords < 2 {
            flag("nsh", "RFC 8300 s2.5", "Length \(nsh.lengthWords) is below the 2 words of the base and service path headers",
                 .nshBadLength)
        }
        switch nsh.nextProtocol {
        case NSHNextProtocol.ipv4...NSHNextProtocol.mpls: break
        case 0xFE, 0xFF:
            flag("nsh", "RFC 8300 s2.2", "Next Protocol \(hex(nsh.nextProtocol)) is reserved for experimentation",
                 .nshUnknownNextProtocol)
        default:
            flag("nsh", "RFC 8300 s2.2, s11.2.5", "Next Protocol \(hex(nsh.nextProtocol)) is unassigned", .nshUnknownNextProtocol)
        }

        // Context headers, read only as far as both Length and the capture allow.
        let contextEnd = min(nsh.length, have)
        if nsh.mdType == 1 && contextEnd >= NSHHeader.md1Size {
            let words = nsh.fixedContext
            layer.add("context", .list(words.map { .int(Int($0)) }))
            summary += "  context " + words.map { hex($0, digits: 8) }.joined(separator: " ")
        } else if nsh.mdType == 2 {
            let tlvs = md2TLVs(nsh, end: contextEnd)
            layer.add("tlvs", .list(tlvs.map { tlv in
                .object([Field("class", .int(Int(tlv.metadataClass))), Field("type", .int(Int(tlv.type))),
                         Field("length", .int(tlv.value.count)), Field("value", .string(hexBytes(tlv.value)))])
            }))
            if !tlvs.isEmpty {
                summary += "  tlvs " + tlvs.map { "\(hex($0.metadataClass, digits: 4))/\(hex($0.type))=\(hexBytes($0.value))" }
                    .joined(separator: " ")
            }
        }
        layer.summary = summary
        layers.append(layer)

        if nsh.length > have {
            flagTruncated("nsh", "NSH (Length \(nsh.lengthWords) words)", need: nsh.length, have: have, reference: "RFC 8300 s2.2")
            return .stop
        }
        guard nsh.length >= NSHHeader.baseSize else { return .stop }
        offset += nsh.length
        switch nsh.nextProtocol {
        case NSHNextProtocol.ipv4: return .ipv4
        case NSHNextProtocol.ipv6: return .ipv6
        case NSHNextProtocol.ethernet: return .ethernet
        case NSHNextProtocol.nsh: return .nsh
        case NSHNextProtocol.mpls:
            data(reason: "MPLS not decoded")
            return .stop
        default:
            data(reason: "unknown NSH next protocol \(nsh.nextProtocol)")
            return .stop
        }
    }

    /// MD type 2 context headers (RFC 8300 s2.5.1): class 16, type 8, U 1 + length 7,
    /// value padded to 4 bytes. The TLVs must exactly fill the Length.
    mutating func md2TLVs(_ nsh: NSHHeader, end: Int) -> [MD2Context] {
        var list: [MD2Context] = []
        var at = NSHHeader.baseSize
        let limit = nsh.length
        while at < limit {
            guard at + 4 <= limit else {
                flag("nsh", "RFC 8300 s2.5.1",
                     "MD type 2 context header at NSH byte \(at): \(limit - at) byte(s) left before Length, a TLV header needs 4",
                     .nshBadLength)
                break
            }
            guard at + 4 <= end else { break } // the capture ends here; reported as truncation
            let valueLength = Int(nsh.p.be8(at + 3) & 0x7F)
            let padded = (valueLength + 3) / 4 * 4
            if at + 4 + padded > limit {
                flag("nsh", "RFC 8300 s2.5.1",
                     "MD type 2 context header at NSH byte \(at) (class \(hex(nsh.p.be16(at), digits: 4)), type \(nsh.p.be8(at + 2))) announces \(valueLength) value bytes and runs \(at + 4 + padded - limit) byte(s) past the NSH Length of \(limit) bytes",
                     .nshBadLength)
                break
            }
            guard at + 4 + valueLength <= end else { break }
            list.append(MD2Context(metadataClass: nsh.p.be16(at), type: nsh.p.be8(at + 2),
                                      value: (0..<valueLength).map { nsh.p.be8(at + 4 + $0) }))
            at += 4 + padded
        }
        return list
    }
}

/// One MD type 2 context header as shown by the decoder.
struct MD2Context {
    var metadataClass: UInt16
    var type: UInt8
    var value: [UInt8]
}
