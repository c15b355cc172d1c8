// The live trace's structs (BPF/include/sfc_trace.h) from and to SFCCore's
// values: a TraceFilter and a count become sfc_trace_armed[0]; an event of
// the sfc_trace_events ring buffer becomes a TraceRecord. Pure, like
// TableImage: nothing here touches a kernel object.
import CLibBPF
import SFCCore

enum TraceImage {
    /// sfc_trace_armed[0] for `filter`, taking at most `count` packets.
    static func arm(_ filter: TraceFilter, count: Int) -> sfc_trace_arm {
        var arm = sfc_trace_arm()
        arm.remaining = Int64(max(0, count))
        arm.filter = encode(filter)
        return arm
    }

    static func encode(_ t: TraceFilter) -> sfc_trace_filter {
        var f = sfc_trace_filter()
        var fields: UInt32 = 0
        /// Address bytes, mask bytes (the prefix length's leading bits), IPv6 flag.
        func prefix(_ p: IPPrefix, v6Flag: UInt32) -> (bytes: [UInt8], mask: [UInt8], flag: UInt32) {
            func mask(_ bits: Int, _ count: Int) -> [UInt8] {
                (0..<count).map { i in
                    let take = bits - i * 8
                    return take >= 8 ? 0xFF : take <= 0 ? 0 : UInt8(0xFF00 >> take & 0xFF)
                }
            }
            switch p {
            case .v4(let pre): return (CBytes.ipv4(pre.address), mask(pre.length, 4), 0)
            case .v6(let pre): return (CBytes.ipv6(pre.address), mask(pre.length, 16), v6Flag)
            }
        }
        if let s = t.source {
            let p = prefix(s, v6Flag: UInt32(SFC_TRACE_F_SOURCE_V6))
            CBytes.copy(p.bytes, into: &f.source)
            CBytes.copy(p.mask, into: &f.source_mask)
            fields |= UInt32(SFC_TRACE_F_SOURCE) | p.flag
        }
        if let d = t.destination {
            let p = prefix(d, v6Flag: UInt32(SFC_TRACE_F_DESTINATION_V6))
            CBytes.copy(p.bytes, into: &f.destination)
            CBytes.copy(p.mask, into: &f.destination_mask)
            fields |= UInt32(SFC_TRACE_F_DESTINATION) | p.flag
        }
        if let p = t.proto { f.proto = p; fields |= UInt32(SFC_TRACE_F_PROTO) }
        if let p = t.sourcePort { f.source_port = p; fields |= UInt32(SFC_TRACE_F_SOURCE_PORT) }
        if let p = t.destinationPort { f.destination_port = p; fields |= UInt32(SFC_TRACE_F_DESTINATION_PORT) }
        if let i = t.ingress { f.ingress = UInt32(clamping: i); fields |= UInt32(SFC_TRACE_F_INGRESS) }
        if let s = t.spi { f.spi = s; fields |= UInt32(SFC_TRACE_F_SPI) }
        if let s = t.si { f.si = s; fields |= UInt32(SFC_TRACE_F_SI) }
        if let s = t.segment { CBytes.copy(CBytes.ipv6(s), into: &f.segment); fields |= UInt32(SFC_TRACE_F_SEGMENT) }
        f.fields = fields
        return f
    }

    /// One ring buffer sample, nil when it is not a whole sfc_trace_event.
    static func event(_ bytes: UnsafeRawBufferPointer) -> sfc_trace_event? {
        guard bytes.count >= MemoryLayout<sfc_trace_event>.size else { return nil }
        return bytes.loadUnaligned(as: sfc_trace_event.self)
    }

    /// The record of event `e`; `generation` names the table generation of
    /// the event's slot.
    static func record(_ e: sfc_trace_event, sequence: UInt64, generation: UInt64) -> TraceRecord {
        func bytes<T>(_ field: T, _ length: UInt32) -> [UInt8] {
            withUnsafeBytes(of: field) { Array($0.prefix(min(Int(length), Int(SFC_TRACE_BYTES)))) }
        }
        func index(_ v: UInt32) -> Int? { v == SFC_NONE ? nil : Int(v) }
        let verdict: TraceRecord.Verdict
        switch e.action {
        case XDPAction.redirect.rawValue, XDPAction.tx.rawValue: verdict = .forward
        case XDPAction.pass.rawValue: verdict = .pass
        default: verdict = .drop
        }
        let forwarded = verdict == .forward
        return TraceRecord(sequence: sequence, generation: generation, ingress: Int(e.ingress),
                           ingressFrame: bytes(e.ingress_bytes, e.ingress_length), ingressLength: Int(e.ingress_length),
                           verdict: verdict,
                           dropReason: e.reason == 0 || e.reason > 255 ? nil : DropReason(rawValue: UInt8(e.reason)),
                           chain: index(e.chain), function: index(e.function), instance: index(e.instance),
                           egress: forwarded ? index(e.egress) : nil,
                           egressFrame: bytes(e.egress_bytes, e.egress_length), egressLength: Int(e.egress_length))
    }
}
