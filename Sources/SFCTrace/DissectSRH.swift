// The Segment Routing Header (RFC 8754 s2) and the checks a segment endpoint
// applies to it (RFC 8754 s4.3.1.1, RFC 8986 s4.1 S08-S09).
import SFCCore

extension DissectState {
    mutating func segmentRoutingHeader() -> DissectStep {
        let announced = (Int(here.be8(1)) + 1) * 8
        guard let srh = SegmentRoutingHeader(here, count: remaining) else {
            truncated("srh", "Segment Routing Header (Hdr Ext Len \(here.be8(1)))", need: announced, have: remaining,
                      reference: "RFC 8754 s2")
            return .stop
        }
        let lastEntry = Int(srh.lastEntry)
        let segmentsLeft = Int(srh.segmentsLeft)
        // Only the entries that lie inside the header are read.
        let shown = min(lastEntry, srh.maxLastEntry) + 1
        let segments = (0..<max(0, shown)).map { srh.segment($0) }

        var layer = Layer(name: "srh")
        layer.add("nxt", Int(srh.nextHeader))
        layer.add("len", Int(srh.hdrExtLen))
        layer.add("type", Int(srh.type))
        layer.add("segments_left", segmentsLeft)
        layer.add("last_entry", lastEntry)
        layer.add("flags", Int(srh.flags))
        layer.add("tag", Int(srh.tag))
        layer.add("segments", .list(segments.map { .string($0.description) }))
        let findingsBefore = findings.count
        let tlvs = srhTLVs(srh)
        let tlvAreaMalformed = findings.count > findingsBefore
        layer.add("tlvs", .list(tlvs))
        var summary = "srh  segments left \(segmentsLeft) last entry \(lastEntry) flags \(hex(srh.flags)) tag \(srh.tag) nxt \(srh.nextHeader)"
        summary += "  [" + segments.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ") + "]"
        if !tlvs.isEmpty { summary += "  \(tlvs.count) TLV(s)" }
        layer.summary = summary
        layers.append(layer)

        // RFC 8986 s4.1 S08-S09 (RFC 8754 s2): Last Entry must index a segment inside Hdr Ext Len.
        if lastEntry > srh.maxLastEntry {
            flag("srh", "RFC 8754 s2, RFC 8986 s4.1",
                 "Last Entry \(lastEntry) but Hdr Ext Len \(srh.hdrExtLen) has room for \(max(0, srh.maxLastEntry + 1)) segment(s) (max Last Entry \(srh.maxLastEntry))",
                 .srhMalformed)
        } else if srh.hdrExtLen & 1 != 0 && !tlvAreaMalformed && !tlvs.contains(where: { tlvType($0) != 0 }) {
            // An odd Hdr Ext Len leaves 8 bytes after the segments; only TLVs may fill them (RFC 8754 s2.1, s2.1.1).
            flag("srh", "RFC 8754 s2, s2.1.1",
                 "Hdr Ext Len \(srh.hdrExtLen) is odd and the bytes after the segment list hold no TLV",
                 .srhMalformed)
        }
        // RFC 8754 s4.3.1.1 S05 / RFC 8986 s4.1 S09. SL == Last Entry + 1 is legal (reduced SRH, RFC 8986 s5.2).
        if segmentsLeft > lastEntry + 1 {
            flag("srh", "RFC 8754 s4.3.1.1", "Segments Left \(segmentsLeft) is greater than Last Entry + 1 (\(lastEntry + 1))",
                 .srhSegmentsLeftOutOfRange)
        } else if segmentsLeft <= lastEntry, segmentsLeft < segments.count, let da = ipv6Destination,
                  da != segments[segmentsLeft] {
            // RFC 8754 s4.1, s4.3.1.1: the DA is the active segment, Segment List[Segments Left].
            flag("srh", "RFC 8754 s4.1, s4.3.1.1",
                 "IPv6 destination \(da) is not Segment List[\(segmentsLeft)] \(segments[segmentsLeft])")
        }
        offset += srh.length
        return .ipProtocol(srh.nextHeader)
    }

    /// The TLVs after the segment list (RFC 8754 s2.1): Pad1 is one byte, others type/length/value.
    mutating func srhTLVs(_ srh: SegmentRoutingHeader) -> [FieldValue] {
        let start = 8 + 16 * (min(Int(srh.lastEntry), srh.maxLastEntry) + 1)
        var at = max(8, start)
        let stop = srh.length
        var list: [FieldValue] = []
        while at < stop {
            let type = srh.p.be8(at)
            if type == 0 {
                list.append(.object([Field("type", .int(0)), Field("length", .int(0))]))
                at += 1
                continue
            }
            guard at + 2 <= stop, at + 2 + Int(srh.p.be8(at + 1)) <= stop else {
                let length = at + 2 <= stop ? Int(srh.p.be8(at + 1)) : 0
                flag("srh", "RFC 8754 s2.1",
                     "TLV of type \(type) at SRH byte \(at) (length \(length)) runs past the end of the header (\(stop) bytes)",
                     .srhMalformed)
                break
            }
            let length = Int(srh.p.be8(at + 1))
            let value = (0..<length).map { srh.p.be8(at + 2 + $0) }
            list.append(.object([Field("type", .int(Int(type))), Field("length", .int(length)),
                                 Field("value", .string(hexBytes(value)))]))
            at += 2 + length
        }
        return list
    }

    func tlvType(_ tlv: FieldValue) -> Int {
        if case let .object(fields) = tlv, case let .int(t)? = fields.first(where: { $0.name == "type" })?.value { return t }
        return -1
    }
}
