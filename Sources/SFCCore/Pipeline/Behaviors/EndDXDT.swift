// The decapsulating endpoints (actions DECAP_* of BPF/include/sfc_behaviors.h):
// End.DX6, End.DX4 (RFC 8986 s4.4, s4.5), End.DT6, End.DT4, End.DT46
// (s4.6-s4.8). BPF: BPF/behaviors/end_dx_dt.h.

extension Pipeline {
    /// End.DX4 / End.DX6 (RFC 8986 s4.4, s4.5), End.DT4 / End.DT6 / End.DT46
    /// (s4.6-s4.8): with an SRH, SL must be 0; the inner packet must be a
    /// family the behaviour accepts; remove the outer header and deliver to
    /// the SID's adjacency (DX) or look the inner destination up (DT).
    func decapsulate(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) {
        guard let (srh, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: false) else { return }
        if let srh, srh.segmentsLeft != 0 { drop(&meta, .srv6SegmentsLeftNotZero); return }
        let isIPv4 = chain.upperProtocol == IPv6NextHeader.ipv4
        guard isIPv4 || chain.upperProtocol == IPv6NextHeader.ipv6,
              sid.behavior.inner.contains(isIPv4 ? .ipv4 : .ipv6),
              innerIsWellFormed(pkt.data + chain.upperOffset, count: pkt.length - chain.upperOffset, ipv4: isIPv4)
        else { drop(&meta, .srv6InnerMismatch); return }
        _ = pkt.adjust(chain.upperOffset)
        trimToIPLength(&pkt)
        let via: Adjacency?
        if sid.behavior.action == .decapsulateCrossConnect {
            via = sid.via
        } else if isIPv4 {
            via = pkt.length >= 20 ? tables.routes4.lookup(pkt.data.ipv4(16)) : nil
        } else {
            via = pkt.length >= 40 ? tables.routes6.lookup(pkt.data.ipv6(24)) : nil
        }
        guard let via else { drop(&meta, .noRoute); return }
        emit(&pkt, &meta, via: via, etherType: isIPv4 ? EtherType.ipv4 : EtherType.ipv6)
        if meta.verdict == .forward {
            meta.trace.record(sid.behavior.step)
            if sid.chain >= 0 {
                countHop(&meta, chain: Int(sid.chain), position: Int(sid.position), function: -1, instance: -1)
            } else if meta.chain >= 0 {
                meta.hop = Int32(tables.chains[Int(meta.chain)].config.hops.count)
            }
        }
    }
}
