// The proxies that put functions which do not understand the service
// header into a chain:
// - the NSH proxy (RFC 8300 s4.6 / RFC 7665): strip NSH towards the SF,
//   restore the header the flow left with (SI - 1) on what comes back;
// - End.AS, End.AD, End.AM (draft-ietf-spring-sr-service-programming s6.1,
//   s6.2, s6.4). The outbound halves are reached through a local SID, the
//   return halves through the (port, VLAN) the function sends back on.

extension Pipeline {
    /// SR proxy, towards the function.
    /// False when the packet should be looked up again: the SID's instance
    /// is down and its function fails open, so the SID acted as End.
    func proxyOut(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) -> Bool {
        if sid.function >= 0 && sid.instance >= 0 && instanceIsDown(function: Int(sid.function), instance: Int(sid.instance)) {
            guard tables.functions[Int(sid.function)].config.fail == .open else { drop(&meta, .instanceDown); return true }
            guard let (srhOrNil, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: true), let srh = srhOrNil else { return true }
            guard advance(&pkt, &meta, srh: srh, srhOffset: chain.srhOffset) else { return true }
            stats.countEvent(.hopBypassed)
            meta.trace.record(.hopBypass)
            return false
        }
        proxyOutToInstance(&pkt, &meta, sid: sid)
        return true
    }

    func proxyOutToInstance(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, sid: SIDEntry) {
        guard let via = sid.via else { drop(&meta, .noRoute); return }
        guard let (srhOrNil, chain) = checkedSRH(&pkt, &meta, needSegmentsLeft: true), let srh = srhOrNil else { return }
        let c = Int(sid.chain), k = Int(sid.position)
        switch sid.behavior {
        case .endAS, .endAD:
            let inner = chain.upperProtocol
            guard inner == IPv6NextHeader.ipv4 || inner == IPv6NextHeader.ipv6,
                  innerIsWellFormed(pkt.data + chain.upperOffset, count: pkt.length - chain.upperOffset,
                                    ipv4: inner == IPv6NextHeader.ipv4) else { drop(&meta, .srv6InnerMismatch); return }
            if sid.behavior == .endAD {
                // Learn the headers as they will leave after this SID: hop
                // limit and SL decremented, DA the next segment.
                guard advance(&pkt, &meta, srh: srh, srhOffset: chain.srhOffset) else { return }
                let slot = Int(sid.cacheSlot)
                guard slot >= 0, chain.upperOffset <= Pipeline.cacheSlotSize else { drop(&meta, .srhMalformed); return }
                (cache + slot * Pipeline.cacheSlotSize).copyMemory(from: pkt.data, byteCount: chain.upperOffset)
                cacheLength[slot] = chain.upperOffset
                cacheInnerType[slot] = inner
            }
            _ = pkt.adjust(chain.upperOffset)
            trimToIPLength(&pkt)
            emit(&pkt, &meta, via: via, etherType: inner == IPv6NextHeader.ipv4 ? EtherType.ipv4 : EtherType.ipv6)
            if meta.verdict == .forward { meta.trace.record(sid.behavior == .endAS ? .endASOut : .endADOut) }
        default:
            // End.AM: the function gets the IPv6 packet with the last segment
            // in the DA, SRH kept, SL already pointing at the next segment.
            guard advance(&pkt, &meta, srh: srh, srhOffset: chain.srhOffset, toLast: true) else { return }
            emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
            if meta.verdict == .forward { meta.trace.record(.endAMOut) }
        }
        if meta.verdict == .forward && c >= 0 {
            countHop(&meta, chain: c, position: k, function: Int(sid.function), instance: Int(sid.instance))
        }
    }

    /// A packet came back from a function on its return attachment
    /// (`ret`, found by dispatch).
    func proxyReturn(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, _ ret: ReturnEntry) {
        guard let eth = EthernetHeader(pkt.data, count: pkt.length) else { drop(&meta, .truncated); return }
        let etherType = eth.etherType
        _ = pkt.adjust(eth.headerLength)
        guard etherType == EtherType.ipv4 || etherType == EtherType.ipv6 else { drop(&meta, .unsupportedEthertype); return }
        guard pkt.length >= (etherType == EtherType.ipv4 ? 20 : 40) else { drop(&meta, .truncated); return }
        trimToIPLength(&pkt)
        let c = Int(ret.chain), k = Int(ret.position)
        meta.chain = Int32(c)
        meta.hop = Int32(k)
        meta.instance = ret.instance
        switch (ret.kind, ret.proxy) {
        case (.nshUnaware, _):
            // Restore NSH as the SF would have returned it: the header this
            // flow left with (TTL, context, TLVs as they were), SI - 1. With
            // no state for the flow (evicted, never seen, or the SF changed
            // the 5-tuple), the chain's configured header: SI - 1 and the
            // TTL a packet of our own classifier left with.
            let nextProtocol = etherType == EtherType.ipv4 ? NSHNextProtocol.ipv4 : NSHNextProtocol.ipv6
            if ret.cacheSlot < 0 || !restoreNSHState(&pkt, &meta, first: Int(ret.cacheSlot), nextProtocol: nextProtocol) {
                stats.countEvent(.nshProxyRebuilt)
                let si = UInt8(truncatingIfNeeded: Int(tables.chains[c].config.startSI) - k - 1)
                let ttl = UInt8(max(1, Int(tables.chains[c].config.ttl) - (k + 1)))
                pushNSH(&pkt, &meta, chain: c, si: si, ttl: ttl, nextProtocol: nextProtocol)
            }
            guard meta.verdict == .pending else { return }
            meta.trace.record(.nshProxyIn)
            nshForward(&pkt, &meta)
        case (_, .staticProxy?):
            // End.AS: push the configured headers (CACHE.SA, CACHE.LIST) with
            // the segment after this one active.
            let hash = FlowHash.ofIPPacket(pkt.data, count: pkt.length, seed: tables.flowSeed)
            pushSRv6(&pkt, &meta, chain: c, segmentsLeft: tables.chains[c].segmentCount - 2 - k, hash: hash)
            guard meta.verdict == .pending else { return }
            meta.trace.record(.endASIn)
            ipv6Output(&pkt, &meta)
        case (_, .dynamicProxy?):
            let slot = Int(ret.cacheSlot)
            guard slot >= 0, cacheLength[slot] > 0 else { drop(&meta, .srv6ProxyNoState); return }
            let wanted = etherType == EtherType.ipv4 ? IPv6NextHeader.ipv4 : IPv6NextHeader.ipv6
            guard cacheInnerType[slot] == wanted else { drop(&meta, .srv6InnerMismatch); return }
            let length = cacheLength[slot]
            guard pkt.prepend(length) else { drop(&meta, .noHeadroom); return }
            pkt.data.copyMemory(from: cache + slot * Pipeline.cacheSlotSize, byteCount: length)
            pkt.data.setBE16(4, UInt16(truncatingIfNeeded: pkt.length - IPv6Header.size))
            meta.trace.record(.endADIn)
            ipv6Output(&pkt, &meta)
        case (_, .masquerading?):
            // De-masquerading: DA = Segment List[SL].
            guard etherType == EtherType.ipv6 else { drop(&meta, .srv6InnerMismatch); return }
            guard let (srhOrNil, _) = checkedSRH(&pkt, &meta, needSegmentsLeft: false) else { return }
            guard let srh = srhOrNil else { drop(&meta, .srv6NoSRH); return }
            guard srh.segmentsLeft <= srh.lastEntry else { drop(&meta, .srhSegmentsLeftOutOfRange); return }
            pkt.data.setIPv6(24, srh.segment(Int(srh.segmentsLeft)))
            meta.trace.record(.endAMIn)
            ipv6Output(&pkt, &meta)
        default:
            drop(&meta, .srv6ProxyNoState)
        }
    }
}
