// H.Encaps / H.Encaps.Red (RFC 8986 s5.1, s5.2): the headend of an SRv6
// chain. BPF: BPF/behaviors/h_encaps.h.

extension Pipeline {
    @inline(__always) static var encapHopLimit: UInt8 { UInt8(SharedSpec.SFC_ENCAP_HOP_LIMIT) }

    /// Writes outer IPv6 (+ SRH) in front of the inner IP packet. The path is
    /// P[0..n-1]; Segment List[i] = P[n-1-i]; H.Encaps.Red leaves P[0] out of
    /// the list (and the SRH out entirely when n == 1). `segmentsLeft` picks
    /// the active segment, which goes into the DA.
    @inline(__always)
    func pushSRv6(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int, segmentsLeft: Int, hash: UInt32) {
        let n = tables.chains[c].segmentCount
        let listCount = tables.chains[c].config.reduced ? n - 1 : n
        let signer = listCount == 0 ? nil : tables.chains[c].hmac
        let srhLength = listCount == 0 ? 0
            : SegmentRoutingHeader.fixedSize + 16 * listCount + (signer == nil ? 0 : SRHHMAC.tlvSize)
        guard pkt.length > 0 else { drop(&meta, .truncated); return }
        let innerIsIPv6 = pkt.data.be8(0) >> 4 == 6
        let trafficClass = innerIsIPv6 ? IPv6Header(pkt.data, count: pkt.length)?.trafficClass ?? 0
                                       : (pkt.length >= 2 ? pkt.data.be8(1) : 0)
        let innerType = innerIsIPv6 ? IPv6NextHeader.ipv6 : IPv6NextHeader.ipv4
        guard let source = tables.node.srv6Source else { drop(&meta, .noRoute); return }
        guard chooseSegments(&meta, chain: c, hash: hash) else { return }
        guard pkt.prepend(IPv6Header.size + srhLength) else { drop(&meta, .noHeadroom); return }
        // DA = the active segment: P[n-1-SL] (Segment List[SL]).
        let fixed = !tables.srv6SegmentLists[c].isEmpty
        let active = fixed ? tables.srv6SegmentLists[c].withUnsafeBytes { UnsafeRawPointer($0.baseAddress!).ipv6(16 * segmentsLeft) }
                           : chosenSegment(chain: c, position: n - 1 - segmentsLeft)
        IPv6Header.write(pkt.data, trafficClass: trafficClass, flowLabel: hash & 0x000F_FFFF,
                         payloadLength: pkt.length - IPv6Header.size,
                         nextHeader: srhLength > 0 ? IPv6NextHeader.routing : innerType,
                         hopLimit: Pipeline.encapHopLimit, source: source, destination: active)
        guard srhLength > 0 else { return }
        let srh = pkt.data + IPv6Header.size
        SegmentRoutingHeader.writeFixed(srh, nextHeader: innerType, segments: listCount,
                                        segmentsLeft: UInt8(segmentsLeft), lastEntry: UInt8(listCount - 1))
        if fixed {
            tables.srv6SegmentLists[c].withUnsafeBytes { list in
                let from = list.baseAddress!, to = srh + SegmentRoutingHeader.fixedSize
                for w in 0..<(2 * listCount) {
                    to.storeBytes(of: from.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self), toByteOffset: 8 * w, as: UInt64.self)
                }
            }
        } else {
            for i in 0..<listCount {
                srh.setIPv6(SegmentRoutingHeader.fixedSize + 16 * i, chosenSegment(chain: c, position: n - 1 - i))
            }
        }
        if let signer {
            srh.setBE8(1, UInt8(2 * listCount + SRHHMAC.tlvSize / 8))
            srh.setBE8(5, SRHHMAC.srhFlag)
            signSRH(srh, listCount: listCount, source: source, signer: signer, reduced: tables.chains[c].config.reduced)
        }
    }

    /// Chooses every hop's instance once (affinity entries are written
    /// here) into `chosen`. A hop with none: an sr-unaware function that
    /// fails open takes instance 0's proxy SID, which bypasses at its turn;
    /// otherwise the packet is dropped `instance-down`.
    @inline(__always)
    func chooseSegments(_ meta: inout PacketMeta, chain c: Int, hash: UInt32) -> Bool {
        for k in 0..<tables.chains[c].config.hops.count {
            let f = tables.chains[c].config.hops[k]
            var i = chooseInstance(function: f, hash: hash)
            if i < 0 {
                guard tables.functions[f].config.kind == .srUnaware && tables.functions[f].config.fail == .open else {
                    drop(&meta, .instanceDown); return false
                }
                i = 0
            }
            chosen[k] = Int32(i)
        }
        return true
    }

    /// Segment `position` of the path (0 = first visited) with the chosen instances.
    @inline(__always)
    func chosenSegment(chain c: Int, position: Int) -> IPv6Address {
        if position >= tables.chains[c].config.hops.count { return tables.chains[c].endSegment }
        let f = tables.chains[c].config.hops[position]
        return tables.functions[f].config.instances[Int(chosen[position])].sid ?? IPv6Address(hi: 0, lo: 0)
    }

    /// Headend: classify put the packet on an SRv6 chain.
    @inline(__always)
    func srv6Encap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int) {
        let hash = FlowHash.ofIPPacket(pkt.data, count: pkt.length, seed: tables.flowSeed)
        pushSRv6(&pkt, &meta, chain: c, segmentsLeft: tables.chains[c].segmentCount - 1, hash: hash)
        guard meta.verdict == .pending else { return }
        // Every hop's instance is fixed here, in the segment list, and counted
        // here, except SR-unaware ones: this node's End.AS/AD/AM counts those
        // when it hands them the packet, so each is counted once. Hops are
        // not: SR-aware functions get packets this node never sees again.
        for k in 0..<tables.chains[c].config.hops.count {
            let f = tables.chains[c].config.hops[k]
            let i = Int(chosen[k])
            if tables.functions[f].config.kind != .srUnaware { stats.countInstance(tables.instanceCounterBase[f] + i) }
            if k == 0 { meta.instance = Int32(i) }
        }
        meta.hop = 0
        meta.trace.record(tables.chains[c].config.reduced ? .srv6EncapReduced : .srv6Encap)
        ipv6Output(&pkt, &meta)
    }
}
