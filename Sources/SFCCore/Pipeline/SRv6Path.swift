// SRv6 at this node: the IPv6 output loop over local SIDs, transit, the SRH
// checks and the advance of RFC 8986 s4.1 that the endpoints share, and the
// dispatch of a local SID by its behaviour's action. The behaviours
// themselves are in Behaviors/ (one file per group, named as BPF/behaviors/).

extension Pipeline {
    /// Local SIDs a packet may visit in one pass before it is dropped.
    @inline(__always) static var maxLocalSIDs: Int { SharedSpec.SFC_MAX_LOCAL_SIDS }

    /// The packet's DA decides: a local SID runs its behaviour (and may hand
    /// the packet back here), anything else goes by the IPv6 routes.
    /// `known` is the DA's SID entry when the caller already looked it up.
    func ipv6Output(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, known: SIDEntry? = nil) {
        var known = known
        for _ in 0..<Pipeline.maxLocalSIDs {
            guard meta.verdict == .pending else { return }
            guard pkt.length >= IPv6Header.size else { drop(&meta, .truncated); return }
            let da = pkt.data.ipv6(24)
            let found = known ?? tables.localSIDs[da]
            known = nil
            guard let sid = found else {
                guard let via = tables.routes6.lookup(da) else { drop(&meta, .noRoute); return }
                emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
                return
            }
            if !endpoint(&pkt, &meta, sid: sid) { return }
        }
        // Bounded so that a crafted SRH naming this node again and again ends.
        if meta.verdict == .pending { drop(&meta, .srv6LocalLoop) }
    }

    /// Trusted IPv6 traffic that is neither classified nor for us: route it.
    func ipv6Transit(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta) {
        guard pkt.length >= IPv6Header.size else { drop(&meta, .truncated); return }
        let hopLimit = pkt.data.be8(7)
        guard hopLimit > 1 else { drop(&meta, .srv6HopLimitExpired); return }
        pkt.data.setBE8(7, hopLimit - 1)
        guard let via = tables.routes6.lookup(pkt.data.ipv6(24)) else { drop(&meta, .noRoute); return }
        emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
        if meta.verdict == .forward { meta.trace.record(.ipv6Forward) }
    }

    /// The SRH of the packet, checked as RFC 8754 s4.3.1.1 requires, or a
    /// drop. `needSegmentsLeft`: the behaviour needs SL > 0.
    @inline(__always)
    func checkedSRH(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, needSegmentsLeft: Bool)
        -> (srh: SegmentRoutingHeader?, chain: IPv6Chain)? {
        guard let ip = IPv6Header(pkt.data, count: pkt.length), ip.isValid else { drop(&meta, .ipv6BadHeader); return nil }
        guard let chain = ip.walkExtensions() else { drop(&meta, .srhMalformed); return nil }
        if chain.srhOffset < 0 {
            if needSegmentsLeft { drop(&meta, chain.otherRoutingOffset >= 0 ? .srhMalformed : .srv6NoSRH); return nil }
            return (nil, chain)
        }
        guard let srh = SegmentRoutingHeader(pkt.data + chain.srhOffset, count: pkt.length - chain.srhOffset) else {
            drop(&meta, .srhMalformed); return nil
        }
        if let problem = srh.problem { drop(&meta, problem); return nil }
        if needSegmentsLeft && srh.segmentsLeft == 0 { drop(&meta, .srv6NoSRH); return nil }
        return (srh, chain)
    }

    /// RFC 8986 s4.1 S05-S14: check and decrement the hop limit, decrement
    /// Segments Left, DA = Segment List[SL]. `toLast` (End.AM) puts
    /// Segment List[0] in the DA instead.
    @inline(__always)
    func advance(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, srh: SegmentRoutingHeader, srhOffset: Int,
                 toLast: Bool = false) -> Bool {
        let hopLimit = pkt.data.be8(7)
        guard hopLimit > 1 else { drop(&meta, .srv6HopLimitExpired); return false }
        pkt.data.setBE8(7, hopLimit - 1)
        let sl = srh.segmentsLeft - 1
        pkt.data.setBE8(srhOffset + 3, sl)
        pkt.data.setIPv6(24, srh.segment(toLast ? 0 : Int(sl)))
        return true
    }

    /// Runs a local SID's behaviour. Returns true when the packet should be
    /// looked up again (its DA changed and it stays in this node).
    func endpoint(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) -> Bool {
        // What a behaviour does is its action in BPF/include/sfc_behaviors.h.
        switch sid.behavior.action {
        case .endpoint, .crossConnect:
            return end(&pkt, &meta, sid: sid)
        case .decapsulateCrossConnect, .decapsulateLookup:
            decapsulate(&pkt, &meta, sid: sid)
            return false
        case .proxy:
            return !proxyOut(&pkt, &meta, sid: sid)
        case .probe:
            probeSID(&pkt, &meta)
            return false
        }
    }

}
