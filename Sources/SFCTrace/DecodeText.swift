// Text output of chain-trace decode: a block per packet, a line per layer,
// violations marked "!", and a closing line with counts.

enum DecodeText {
    static func render(_ packets: [DecodedPacket]) -> String {
        var out = ""
        for p in packets {
            let seconds = p.packet.timestampNanoseconds / 1_000_000_000
            let nanos = String(p.packet.timestampNanoseconds % 1_000_000_000)
            let stamp = "\(seconds).\(String(repeating: "0", count: 9 - nanos.count))\(nanos)"
            var head = "packet \(p.index)  t=\(stamp)  \(p.packet.bytes.count) bytes"
            if p.packet.isSnapped { head += " (of \(p.packet.originalLength) on the wire)" }
            out += head + "\n"
            for layer in p.dissection.layers { out += "  " + layer.summary + "\n" }
            for v in p.dissection.findings {
                out += "  ! \(v.layer): \(v.message) [\(v.reference)]\n"
            }
        }
        let flagged = packets.filter { !$0.dissection.findings.isEmpty }.count
        let total = packets.reduce(0) { $0 + $1.dissection.findings.count }
        out += "\(packets.count) packet(s), \(flagged) with violations (\(total) violation(s) in all)\n"
        return out
    }
}
