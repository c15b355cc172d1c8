// IPv4 (RFC 791 s3.1): version, IHL, total length, header checksum (RFC 1071).
import SFCCore

extension DissectState {
    mutating func ipv4() -> DissectStep {
        guard let ip = IPv4Header(here, count: remaining) else {
            truncated("ipv4", "IPv4 header", need: IPv4Header.minimumSize, have: remaining, reference: "RFC 791 s3.1")
            return .stop
        }
        var layer = Layer(name: "ipv4")
        layer.add("version", Int(ip.version))
        layer.add("hdr_len", ip.headerLength)
        layer.add("dsfield", Int(ip.tos))
        layer.add("len", ip.totalLength)
        layer.add("id", Int(ip.identification))
        layer.add("df", ip.fragmentField & 0x4000 != 0)
        layer.add("mf", ip.fragmentField & 0x2000 != 0)
        layer.add("frag_offset", Int(ip.fragmentField & 0x1FFF) * 8)
        layer.add("ttl", Int(ip.ttl))
        layer.add("proto", Int(ip.proto))
        layer.add("checksum", Int(ip.checksum))
        layer.add("src", ip.source.description)
        layer.add("dst", ip.destination.description)
        var summary = "ipv4  \(ip.source) -> \(ip.destination)  proto \(ip.proto) ttl \(ip.ttl) len \(ip.totalLength)"

        guard ip.version == 4 else {
            flag("ipv4", "RFC 791 s3.1", "version \(ip.version) in an IPv4 header, must be 4", .ipv4BadHeader)
            layer.summary = summary
            layers.append(layer)
            return .stop
        }
        guard ip.headerLength >= IPv4Header.minimumSize else {
            flag("ipv4", "RFC 791 s3.1", "IHL \(ip.headerLength / 4) is below the minimum of 5", .ipv4BadHeader)
            layer.summary = summary
            layers.append(layer)
            return .stop
        }
        guard ip.headerLength <= remaining else {
            layer.add("truncated", true)
            layer.summary = summary + "  (header truncated)"
            layers.append(layer)
            flagTruncated("ipv4", "IPv4 header with options", need: ip.headerLength, have: remaining, reference: "RFC 791 s3.1")
            return .stop
        }
        // RFC 791 s3.1 / RFC 1071: the header checksum sums to 0xFFFF over the header.
        let computed = ip.computedChecksum
        let checksumGood = computed == 0
        layer.add("checksum_status", checksumGood ? "good" : "bad")
        if !checksumGood {
            var header = bytes(offset, ip.headerLength)
            header[10] = 0; header[11] = 0
            let expected = header.withUnsafeBytes { Checksum.fold(Checksum.sum($0.baseAddress!, count: header.count)) }
            flag("ipv4", "RFC 791 s3.1", "header checksum \(hex(ip.checksum, digits: 4)) is wrong, should be \(hex(expected, digits: 4))",
                 .ipv4BadHeader)
            summary += "  checksum \(hex(ip.checksum, digits: 4)) BAD"
        }
        let laterFragment = ip.isLaterFragment
        if laterFragment { summary += "  fragment offset \(Int(ip.fragmentField & 0x1FFF) * 8)" }
        layer.summary = summary
        layers.append(layer)

        guard ip.totalLength >= ip.headerLength else {
            flag("ipv4", "RFC 791 s3.1", "total length \(ip.totalLength) is smaller than the header length \(ip.headerLength)",
                 .ipv4BadHeader)
            return .stop
        }
        if ip.totalLength > remaining {
            flag("ipv4", "RFC 791 s3.1",
                 "packet truncated: total length announces \(ip.totalLength) bytes, \(remaining) present (\(ip.totalLength - remaining) missing)",
                 .truncated)
        } else {
            end = offset + ip.totalLength
        }
        offset += ip.headerLength
        if laterFragment {
            data(reason: "non-first fragment")
            return .stop
        }
        return .ipProtocol(ip.proto)
    }
}
