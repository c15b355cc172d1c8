// chains: path, NSH metadata, and where the path ends.
import SFCCore
import Yams

extension ChainFileParser {
    func parseChain(_ node: Node) -> ChainSpec? {
        guard let m = MappingReader(node, what: "chain",
                                    allowed: ["name", "spi", "encapsulation", "hops", "start-si", "ttl", "metadata",
                                              "reduced", "end", "hmac-key"],
                                    sink: sink)
        else { return nil }
        let name = m.name("name", required: true)
        let spi = m.int("spi", in: 1...16_777_215, required: true)
        let encapsulation = m.choice("encapsulation", Encapsulation.self, required: true)
        var hops: [Located<String>] = []
        let hopNodes = m.list("hops", required: true)
        for hop in hopNodes ?? [] {
            guard let t = MappingReader.scalarText(hop, expected: "a function name in 'hops'", sink: sink) else { continue }
            guard ValueParsers.isValidName(t.value) else {
                sink.error("bad function name '\(ScalarText.shortened(t.value))' in 'hops'", at: t.position)
                continue
            }
            hops.append(t)
        }
        if encapsulation?.value == .nsh, let nodes = hopNodes, nodes.isEmpty, let v = m.value("hops") {
            sink.error("an nsh chain needs at least one hop", at: v.position)
        }
        switch encapsulation?.value {
        case .nsh?:
            m.notAllowed("reduced", reason: "reduced encapsulation is an SRv6 option")
            m.notAllowed("hmac-key", reason: "the HMAC TLV is an SRv6 option (RFC 8754 s2.1.2)")
        case .srv6?:
            for key in ["start-si", "ttl", "metadata"] { m.notAllowed(key, reason: "it is an NSH setting") }
        case nil:
            break
        }
        let startSI = m.int("start-si", in: 1...255)
        let ttl = m.int("ttl", in: 1...63)
        let metadata = m.value("metadata").flatMap(parseMetadata)
        let reduced = m.bool("reduced")?.value ?? false
        return ChainSpec(position: m.position, name: name, spi: spi, encapsulation: encapsulation, hops: hops,
                         startSI: startSI, ttl: ttl, ttlKey: m.keyPosition("ttl"), metadata: metadata, reduced: reduced,
                         end: parseEnd(m, encapsulation: encapsulation?.value),
                         hmacKey: m.int("hmac-key", in: 1...Int(UInt32.max)))
    }

    private func parseEnd(_ chain: MappingReader, encapsulation: Encapsulation?) -> EndSpec? {
        guard let node = chain.value("end") else {
            chain.missing("end")
            return nil
        }
        guard let m = MappingReader(node, what: "chain end", allowed: ["port", "mac", "sid"], sink: sink) else { return nil }
        switch encapsulation {
        case .nsh?:
            m.notAllowed("sid", reason: "an nsh chain ends by delivering to a port and MAC")
            for key in ["port", "mac"] where !m.has(key) { m.missing(key) }
        case .srv6?:
            for key in ["port", "mac"] { m.notAllowed(key, reason: "an srv6 chain ends on a segment ('sid')") }
            if !m.has("sid") { m.missing("sid") }
        case nil:
            break
        }
        return EndSpec(position: m.position, port: m.name("port"), mac: m.mac("mac"), sid: m.ipv6("sid"))
    }

    /// `metadata: {type: 1, context: [4 words]}` or `{type: 2, tlvs: [...]}`.
    private func parseMetadata(_ node: Node) -> Located<NSHMetadata>? {
        guard let m = MappingReader(node, what: "metadata", allowed: ["type", "context", "tlvs"], sink: sink)
        else { return nil }
        guard let type = m.int("type", in: 1...2, required: true) else { return nil }
        if type.value == 1 {
            m.notAllowed("tlvs", reason: "MD type 1 carries a fixed 16-byte context; use type 2 for TLVs")
            guard let words = m.list("context") else {
                return m.has("context") ? nil : Located(.type1(context: [0, 0, 0, 0]), at: m.position)
            }
            var context: [UInt32] = []
            var ok = true
            for word in words {
                guard let t = MappingReader.scalarText(word, expected: "a 32-bit word in 'context'", sink: sink),
                      let v = MappingReader.integer(t, key: "context", in: 0...0xFFFF_FFFF, sink: sink)
                else { ok = false; continue }
                context.append(UInt32(v.value))
            }
            if words.count != 4, let v = m.value("context") {
                sink.error("MD type 1 context must have exactly 4 words, found \(words.count)", at: v.position)
                ok = false
            }
            return ok ? Located(.type1(context: context), at: m.position) : nil
        }
        m.notAllowed("context", reason: "MD type 2 carries TLVs ('tlvs'), not a fixed context")
        var tlvs: [NSHTLV] = []
        var ok = true
        for item in m.list("tlvs") ?? [] {
            if let tlv = parseTLV(item) { tlvs.append(tlv) } else { ok = false }
        }
        // NSH Length is 6 bits of 4-byte words: at most 63 words, 2 of them
        // the base and service path headers (RFC 8300 section 2.2).
        let contextBytes = tlvs.reduce(0) { $0 + 4 + ($1.value.count + 3) / 4 * 4 }
        if contextBytes > 61 * 4, let v = m.value("tlvs") {
            sink.error("MD type 2 context of \(contextBytes) bytes does not fit the NSH length field (at most 244)",
                       at: v.position)
            ok = false
        }
        return ok ? Located(.type2(tlvs: tlvs), at: m.position) : nil
    }

    private func parseTLV(_ node: Node) -> NSHTLV? {
        guard let m = MappingReader(node, what: "TLV", allowed: ["class", "type", "value"], sink: sink) else { return nil }
        let metadataClass = m.int("class", in: 0...0xFFFF, required: true)
        let type = m.int("type", in: 0...0xFF, required: true)
        var value: [UInt8]?
        if let t = m.text("value", required: true, expected: "a hex string") {
            if let bytes = ValueParsers.hexBytes(t.value) {
                if bytes.count > 127 {
                    sink.error("TLV value is \(bytes.count) bytes; the NSH length field allows at most 127", at: t.position)
                } else {
                    value = bytes
                }
            } else {
                sink.error("bad TLV value '\(ScalarText.shortened(t.value))': expected an even number of hex digits",
                           at: t.position)
            }
        }
        guard let c = metadataClass, let ty = type, let v = value else { return nil }
        return NSHTLV(metadataClass: UInt16(c.value), type: UInt8(ty.value), value: v)
    }
}
