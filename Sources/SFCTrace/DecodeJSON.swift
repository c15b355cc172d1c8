// JSON output of chain-trace decode, keys in a fixed order:
// {"packets": [{"index", "length", "layers": [...], "violations": [...]}], "summary": {...}}

enum DecodeJSON {
    static func render(_ packets: [DecodedPacket], warnings: [String]) -> String {
        var items: [String] = []
        for p in packets {
            var fields: [(String, String)] = [
                ("index", String(p.index)),
                ("timestamp_ns", String(p.packet.timestampNanoseconds)),
                ("length", String(p.packet.originalLength)),
                ("captured_length", String(p.packet.bytes.count)),
                ("link_type", String(p.packet.linkType)),
            ]
            let layers = p.dissection.layers.map { layer in
                object([("layer", string(layer.name))] + layer.fields.map { ($0.name, value($0.value)) })
            }
            fields.append(("layers", "[" + layers.joined(separator: ", ") + "]"))
            fields.append(("violations", "[" + p.dissection.findings.map(violation).joined(separator: ", ") + "]"))
            items.append(object(fields))
        }
        let flagged = packets.filter { !$0.dissection.findings.isEmpty }.count
        let summary = object([("packets", String(packets.count)), ("with_violations", String(flagged)),
                              ("violations", String(packets.reduce(0) { $0 + $1.dissection.findings.count }))])
        var top: [(String, String)] = [("packets", "[\n  " + items.joined(separator: ",\n  ") + "\n]"), ("summary", summary)]
        if !warnings.isEmpty { top.append(("warnings", "[" + warnings.map(string).joined(separator: ", ") + "]")) }
        return object(top) + "\n"
    }

    static func violation(_ v: Violation) -> String {
        var fields = [("layer", string(v.layer)), ("reference", string(v.reference)), ("message", string(v.message))]
        if let reason = v.reason { fields.append(("reason", string(reason.name))) }
        return object(fields)
    }

    static func value(_ v: FieldValue) -> String {
        switch v {
        case let .int(i): return String(i)
        case let .string(s): return string(s)
        case let .bool(b): return b ? "true" : "false"
        case let .list(items): return "[" + items.map(value).joined(separator: ", ") + "]"
        case let .object(fields): return object(fields.map { ($0.name, value($0.value)) })
        }
    }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal (RFC 8259 s7).
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let h = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
