// The node's probe SID (action PROBE of BPF/include/sfc_behaviors.h): where
// the liveness probes of sr-aware functions come back. The daemon sends an
// IPv4 probe in SRv6 whose segment list is [the instance's SID, the probe
// SID]; the function processes its SID as any SR-aware one does and the
// packet returns here with SL 0 (docs/PIPELINE.md "Liveness probes").
// BPF: BPF/behaviors/probe_sid.h.

extension Pipeline {
    /// With an SRH, SL must be 0 (as a decapsulating SID, RFC 8986 s4.4);
    /// the inner packet must be IPv4 and a probe, which is consumed.
    func probeSID(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta) {
        guard let (srh, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: false) else { return }
        if let srh, srh.segmentsLeft != 0 { drop(&meta, .srv6SegmentsLeftNotZero); return }
        guard chain.upperProtocol == IPv6NextHeader.ipv4 else { drop(&meta, .srv6InnerMismatch); return }
        guard chain.upperOffset < pkt.length,
              consumeProbe(pkt.data + chain.upperOffset, count: pkt.length - chain.upperOffset, &meta) else {
            drop(&meta, .srv6NotAProbe); return
        }
    }
}
