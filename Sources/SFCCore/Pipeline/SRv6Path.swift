// SRv6: H.Encaps / H.Encaps.Red (RFC 8986 s5.1, s5.2), the endpoint
// behaviours of RFC 8986 s4 for the SIDs this node owns, and the outbound
// half of the SR proxies (draft-ietf-spring-sr-service-programming s6).

extension Pipeline {
    @inline(__always) static var encapHopLimit: UInt8 { UInt8(SharedSpec.SFC_ENCAP_HOP_LIMIT) }
    /// Local SIDs a packet may visit in one pass before it is dropped.
    @inline(__always) static var maxLocalSIDs: Int { SharedSpec.SFC_MAX_LOCAL_SIDS }

    /// Writes outer IPv6 (+ SRH) in front of the inner IP packet. The path is
    /// P[0..n-1]; Segment List[i] = P[n-1-i]; H.Encaps.Red leaves P[0] out of
    /// the list (and the SRH out entirely when n == 1). `segmentsLeft` picks
    /// the active segment, which goes into the DA.
    @inline(__always)
    func pushSRv6(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int, segmentsLeft: Int, hash: UInt32) {
        let n = tables.chains[c].segmentCount
        let listCount = tables.chains[c].config.reduced ? n - 1 : n
        let srhLength = listCount == 0 ? 0 : SegmentRoutingHeader.fixedSize + 16 * listCount
        guard pkt.length > 0 else { drop(&meta, .truncated); return }
        let innerIsIPv6 = pkt.data.be8(0) >> 4 == 6
        let trafficClass = innerIsIPv6 ? IPv6Header(pkt.data, count: pkt.length)?.trafficClass ?? 0
                                       : (pkt.length >= 2 ? pkt.data.be8(1) : 0)
        let innerType = innerIsIPv6 ? IPv6NextHeader.ipv6 : IPv6NextHeader.ipv4
        guard let source = tables.node.srv6Source else { drop(&meta, .noRoute); return }
        guard pkt.prepend(IPv6Header.size + srhLength) else { drop(&meta, .noHeadroom); return }
        // DA = the active segment: P[n-1-SL].
        let active = tables.segment(chain: c, position: n - 1 - segmentsLeft, flowHash: hash)
        IPv6Header.write(pkt.data, trafficClass: trafficClass, flowLabel: hash & 0x000F_FFFF,
                         payloadLength: pkt.length - IPv6Header.size,
                         nextHeader: srhLength > 0 ? IPv6NextHeader.routing : innerType,
                         hopLimit: Pipeline.encapHopLimit, source: source, destination: active)
        guard srhLength > 0 else { return }
        let srh = pkt.data + IPv6Header.size
        SegmentRoutingHeader.writeFixed(srh, nextHeader: innerType, segments: listCount,
                                        segmentsLeft: UInt8(segmentsLeft), lastEntry: UInt8(listCount - 1))
        for i in 0..<listCount {
            srh.setIPv6(SegmentRoutingHeader.fixedSize + 16 * i,
                        tables.segment(chain: c, position: n - 1 - i, flowHash: hash))
        }
    }

    /// Headend: classify put the packet on an SRv6 chain.
    @inline(__always)
    func srv6Encap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int) {
        let hash = FlowHash.ofIPPacket(pkt.data, count: pkt.length)
        pushSRv6(&pkt, &meta, chain: c, segmentsLeft: tables.chains[c].segmentCount - 1, hash: hash)
        guard meta.verdict == .pending else { return }
        // Every hop's instance is fixed here, in the segment list, and counted
        // here, except SR-unaware ones: this node's End.AS/AD/AM counts those
        // when it hands them the packet, so each is counted once. Hops are
        // not: SR-aware functions get packets this node never sees again.
        for k in 0..<tables.chains[c].config.hops.count {
            let f = tables.chains[c].config.hops[k]
            let i = tables.functions[f].selector.instance(forHash: hash)
            if tables.functions[f].config.kind != .srUnaware { stats.countInstance(tables.instanceCounterBase[f] + i) }
            if k == 0 { meta.instance = Int32(i) }
        }
        meta.hop = 0
        meta.trace.record(tables.chains[c].config.reduced ? .srv6EncapReduced : .srv6Encap)
        ipv6Output(&pkt, &meta)
    }

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
        if meta.verdict == .pending { drop(&meta, .noRoute) }
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
            // RFC 8986 s4.1 (End), s4.2 (End.X).
            guard let (srhOrNil, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: true), let srh = srhOrNil else { return false }
            guard advance(&pkt, &meta, srh: srh, srhOffset: chain.srhOffset) else { return false }
            if sid.behavior.action == .endpoint { meta.trace.record(sid.behavior.step); return true }
            guard let via = sid.via else { drop(&meta, .noRoute); return false }
            emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
            if meta.verdict == .forward { meta.trace.record(sid.behavior.step) }
            return false
        case .decapsulateCrossConnect, .decapsulateLookup:
            decapsulate(&pkt, &meta, sid: sid)
            return false
        case .proxy:
            proxyOut(&pkt, &meta, sid: sid)
            return false
        }
    }

    /// End.DX4 / End.DX6 (RFC 8986 s4.4, s4.5), End.DT4 / End.DT6 / End.DT46
    /// (s4.6-s4.8): with an SRH, SL must be 0; the inner packet must be a
    /// family the behaviour accepts; remove the outer header and deliver to
    /// the SID's adjacency (DX) or look the inner destination up (DT).
    func decapsulate(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) {
        guard let (srh, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: false) else { return }
        if let srh, srh.segmentsLeft != 0 { drop(&meta, .srv6SegmentsLeftNotZero); return }
        let isIPv4 = chain.upperProtocol == IPv6NextHeader.ipv4
        guard isIPv4 || chain.upperProtocol == IPv6NextHeader.ipv6,
              sid.behavior.inner.contains(isIPv4 ? .ipv4 : .ipv6) else { drop(&meta, .srv6InnerMismatch); return }
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
