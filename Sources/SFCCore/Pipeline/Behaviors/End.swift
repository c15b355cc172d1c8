// End and End.X (RFC 8986 s4.1, s4.2): next segment, then look the new DA
// up here again (End) or send to the SID's adjacency (End.X).
// BPF: BPF/behaviors/end.h.

extension Pipeline {
    /// Returns true when the packet should be looked up again (End).
    @inline(__always)
    func end(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) -> Bool {
        guard let (srhOrNil, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: true), let srh = srhOrNil else { return false }
        guard advance(&pkt, &meta, srh: srh, srhOffset: chain.srhOffset) else { return false }
        if sid.behavior.action == .endpoint { meta.trace.record(sid.behavior.step); return true }
        guard let via = sid.via else { drop(&meta, .noRoute); return false }
        emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
        if meta.verdict == .forward { meta.trace.record(sid.behavior.step) }
        return false
    }
}
