// Liveness probes coming back (docs/PIPELINE.md "Liveness probes"): an IPv4
// packet whose L4 payload starts with SFC_PROBE_MAGIC, a token and a
// sequence. The daemon sent it through an instance; whichever dataplane
// sees it come back records the sequence and consumes it, so a probe never
// travels past the forwarder and is never counted as traffic.
// BPF: BPF/sfc_probe.h.

extension Pipeline {
    /// If the IPv4 packet at `ip` (`count` bytes) is a probe, records it and
    /// marks the packet consumed. False: not a probe, nothing changed.
    @inline(__always)
    func consumeProbe(_ ip: UnsafeRawPointer, count: Int, _ meta: inout PacketMeta) -> Bool {
        guard count >= 20, ip.be8(0) >> 4 == 4 else { return false }
        let ihl = Int(ip.be8(0) & 0x0F) * 4
        guard ihl >= 20, ip.be16(6) & 0x3FFF == 0 else { return false }
        let total = min(count, Int(ip.be16(2)))
        let proto = ip.be8(9)
        var payload: Int
        switch proto {
        case IPProtocolNumber.icmp, IPProtocolNumber.udp: payload = ihl + 8
        case IPProtocolNumber.tcp:
            guard total >= ihl + 20 else { return false }
            payload = ihl + Int(ip.be8(ihl + 12) >> 4) * 4
        default: return false
        }
        guard payload + SharedSpec.SFC_PROBE_PAYLOAD <= total,
              ip.be32(payload) == UInt32(SharedSpec.SFC_PROBE_MAGIC) else { return false }
        let token = ip.be32(payload + 4)
        guard token < UInt32(SharedSpec.SFC_MAX_PROBES) else { return false }
        let words = shared.probes.words + 2 * Int(token)
        words[0] = ip.be32(payload + 8)
        words[1] &+= 1
        stats.countEvent(.probeReply)
        meta.trace.record(.probeReply)
        meta.verdict = .consumed
        return true
    }
}
