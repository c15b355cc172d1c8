// NSH (RFC 8300): classifier encapsulation, SFF forwarding, end-of-path
// decapsulation, VXLAN-GPE towards and from remote SFFs.

extension Pipeline {
    /// Classifier: push base + service path header + context (RFC 8300 s2),
    /// then hand the packet to the co-located SFF.
    @inline(__always)
    func nshEncap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int) {
        let nextProtocol = pkt.length > 0 && pkt.data.be8(0) >> 4 == 6 ? NSHNextProtocol.ipv6 : NSHNextProtocol.ipv4
        // What nshForward would do to the header just written, decided here:
        // it is well formed and not OAM, so the co-located SFF's TTL - 1 goes
        // into the header as it is written, and the first hop's precomputed
        // rewrite applies when it is direct and up (RFC 8300 s2.2, s4.3).
        let first = Int(tables.nshFirstPath[c])
        let ttl = tables.chains[c].config.ttl & 0x3F
        let ttlAfter: UInt8 = ttl == 0 ? 63 : ttl - 1
        if first >= 0 && ttlAfter != 0 && nshDirectHopIsUp(first) {
            pushNSH(&pkt, &meta, chain: c, si: tables.chains[c].config.startSI, ttl: ttlAfter, nextProtocol: nextProtocol)
            guard meta.verdict == .pending else { return }
            meta.trace.record(.nshEncap)
            nshSendDirect(&pkt, &meta, tables.nshNextHops[first])
            return
        }
        pushNSH(&pkt, &meta, chain: c, si: tables.chains[c].config.startSI, ttl: tables.chains[c].config.ttl,
                nextProtocol: nextProtocol)
        guard meta.verdict == .pending else { return }
        meta.trace.record(.nshEncap)
        nshForward(&pkt, &meta)
    }

    /// Reads the chain's fields in place: binding the whole ChainEntry would
    /// retain and release its arrays on every packet.
    @inline(__always)
    func pushNSH(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int, si: UInt8, ttl: UInt8,
                 nextProtocol: UInt8) {
        let size = NSHHeader.baseSize + tables.chains[c].contextBytes.count
        guard pkt.prepend(size) else { drop(&meta, .noHeadroom); return }
        NSHHeader.writeBase(pkt.data, ttl: ttl, lengthWords: tables.chains[c].nshLengthWords, mdType: tables.chains[c].mdType,
                            nextProtocol: nextProtocol, spi: tables.chains[c].config.spi, si: si)
        let target = pkt.data + NSHHeader.baseSize
        tables.chains[c].contextBytes.withUnsafeBytes { src in
            guard let base = src.baseAddress else { return }
            if src.count == 16 {
                // MD type 1's fixed context: two stores instead of a memmove call.
                target.storeBytes(of: base.loadUnaligned(as: UInt64.self), as: UInt64.self)
                target.storeBytes(of: base.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
            } else {
                target.copyMemory(from: base, byteCount: src.count)
            }
        }
    }

    /// SFF forwarding (RFC 8300 s2.2, s4.3): decrement TTL before the
    /// lookup, never forward at TTL 0, look (SPI, SI) up, and send to the
    /// chosen instance or, at the end of the path, remove NSH.
    /// The SFF never changes SI: the SF or the NSH proxy does.
    func nshForward(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta) {
        guard let nsh = NSHHeader(pkt.data, count: pkt.length) else { drop(&meta, .truncated); return }
        if let problem = nsh.problem { drop(&meta, problem); return }
        if nsh.oam {
            // A liveness probe an NSH-aware instance returned (SI - 1, O bit
            // kept); any other OAM packet is not handled here.
            if nsh.nextProtocol == NSHNextProtocol.ipv4, nsh.length < pkt.length,
               consumeProbe(pkt.data + nsh.length, count: pkt.length - nsh.length, &meta) { return }
            drop(&meta, .nshOAM); return
        }
        // "Decrementing by 1 from an incoming value of 0 shall result in a
        // TTL value of 63" (RFC 8300 s2.2): the 6-bit field wraps.
        let ttl: UInt8 = nsh.ttl == 0 ? 63 : nsh.ttl - 1
        if ttl == 0 { drop(&meta, .nshTTLExpired); return }
        NSHHeader.setTTL(pkt.data, ttl)
        let headerLength = nsh.length
        let nextProtocol = nsh.nextProtocol
        var si = nsh.si
        // The common case in one lookup and a copy (Tables/NSHNextHop.swift).
        let entry = tables.nshPaths.index(of: ForwardingTables.pathKey(spi: nsh.spi, si: si))
        if entry < 0 { drop(&meta, .nshNoPath); return }
        if nshDirectHopIsUp(entry) {
            nshSendDirect(&pkt, &meta, tables.nshNextHops[entry])
            return
        }
        // A hop whose function has no instance up and fails open is skipped
        // as the function would have: SI - 1, then the next lookup in the
        // same pass (docs/PIPELINE.md "Instance state, fail mode...").
        for _ in 0...SharedSpec.SFC_MAX_HOPS {
            guard let path = tables.nshPaths[ForwardingTables.pathKey(spi: nsh.spi, si: si)] else {
                drop(&meta, .nshNoPath); return
            }
            let c = Int(path.chain), k = Int(path.position)
            if k == tables.chains[c].config.hops.count {
                nshDecap(&pkt, &meta, chain: c, headerLength: headerLength, nextProtocol: nextProtocol)
                return
            }
            let f = tables.chains[c].config.hops[k]
            let instanceCount = tables.functions[f].config.instances.count
            // The inner flow hash picks among several instances and gives VXLAN-GPE
            // its source port; a single local instance needs neither.
            var hash: UInt32 = 0
            if instanceCount > 1 || tables.functions[f].config.instances[0].peer != nil,
               nextProtocol == NSHNextProtocol.ipv4 || nextProtocol == NSHNextProtocol.ipv6 {
                hash = FlowHash.ofIPPacket(pkt.data + headerLength, count: pkt.length - headerLength, seed: tables.flowSeed)
            }
            let i = chooseInstance(function: f, hash: hash)
            if i < 0 {
                guard tables.functions[f].config.fail == .open else { drop(&meta, .instanceDown); return }
                stats.countEvent(.hopBypassed)
                meta.trace.record(.hopBypass)
                si = si &- 1
                NSHHeader.setSI(pkt.data, si)
                continue
            }
            nshSend(&pkt, &meta, chain: c, position: k, function: f, instance: i, hash: hash,
                    headerLength: headerLength, nextProtocol: nextProtocol)
            return
        }
        drop(&meta, .nshNoPath)
    }

    /// Whether path entry `entry`'s precomputed rewrite applies: its hop has
    /// one instance reached directly over Ethernet, and that instance is not
    /// down. The one test both the classifier's and the SFF's shortcut take.
    @inline(__always)
    func nshDirectHopIsUp(_ entry: Int) -> Bool {
        tables.nshNextHops[entry].direct
            && live.states[Int(tables.nshNextHops[entry].instanceSlot)] != UInt8(SharedSpec.SFC_INSTANCE_DOWN)
    }

    /// nshSend for a hop whose single instance is up and reached directly
    /// over Ethernet: the same counters, checks and bytes, precomputed.
    @inline(__always)
    func nshSendDirect(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, _ hop: NSHNextHop) {
        meta.chain = hop.chain
        meta.hop = hop.position
        meta.instance = 0
        stats.countHop(Int(hop.hopCounter))
        stats.countInstance(Int(hop.instanceSlot))
        if pkt.length > hop.mtu { drop(&meta, .mtuExceeded); return }
        guard pkt.prepend(hop.l2Length) else { drop(&meta, .noHeadroom); return }
        hop.writeL2(pkt.data)
        meta.verdict = .forward
        meta.egressPort = hop.port
        stats.countTX(port: Int(hop.port), bytes: pkt.length)
        meta.trace.record(.nshForward)
    }

    /// Sends the NSH packet to instance `i` of hop `k`'s function `f`.
    @inline(__always)
    func nshSend(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int, position k: Int, function f: Int,
                 instance i: Int, hash: UInt32, headerLength: Int, nextProtocol: UInt8) {
        let instanceCount = tables.functions[f].config.instances.count
        countHop(&meta, chain: c, position: k, function: f, instance: i)
        switch tables.functions[f].config.kind {
        case .nshAware:
            if let peer = tables.functions[f].config.instances[i].peer {
                vxlanEncap(&pkt, &meta, peer: tables.peers[peer], hash: hash)
                if meta.verdict == .forward { meta.trace.record(.vxlanGPEEncap) }
            } else if let via = tables.functions[f].config.instances[i].attachment {
                emit(&pkt, &meta, via: via, etherType: EtherType.nsh)
                if meta.verdict == .forward { meta.trace.record(.nshForward) }
            } else {
                drop(&meta, .noRoute)
            }
        case .nshUnaware:
            // NSH proxy, outbound: the SF sees the bare packet.
            guard let via = tables.functions[f].config.instances[i].attachment else { drop(&meta, .noRoute); return }
            let etherType: UInt16
            switch nextProtocol {
            case NSHNextProtocol.ipv4: etherType = EtherType.ipv4
            case NSHNextProtocol.ipv6: etherType = EtherType.ipv6
            default: drop(&meta, .nshUnknownNextProtocol); return
            }
            guard innerIsWellFormed(pkt.data + headerLength, count: pkt.length - headerLength,
                                    ipv4: nextProtocol == NSHNextProtocol.ipv4) else { drop(&meta, .nshInnerMalformed); return }
            let first = tables.nshProxyStateBase[tables.instanceCounterBase[f] + i]
            if first >= 0 {
                // Remember the header as it leaves (TTL already decremented)
                // for what the SF sends back of this flow.
                let flow = instanceCount > 1 ? hash : FlowHash.ofIPPacket(pkt.data + headerLength, count: pkt.length - headerLength,
                                                                         seed: tables.flowSeed)
                saveNSHState(pkt.data, length: headerLength, slot: Int(first) + Int(flow & UInt32(ForwardingTables.nshProxyFlowSlots - 1)),
                             flow: flow)
            }
            _ = pkt.adjust(headerLength)
            trimToIPLength(&pkt)
            emit(&pkt, &meta, via: via, etherType: etherType)
            if meta.verdict == .forward { meta.trace.record(.nshProxyOut) }
        case .srAware, .srUnaware:
            drop(&meta, .nshNoPath)
        }
    }

    /// NSH proxy state: keep the `length` header bytes at `header` in
    /// `slot` for the flow `flow`, overwriting whatever the slot held
    /// (counted nsh-proxy-evicted when that was another flow's header).
    @inline(__always)
    func saveNSHState(_ header: UnsafeMutableRawPointer, length: Int, slot: Int, flow: UInt32) {
        guard length >= NSHHeader.baseSize && length <= 252 else { return }
        if nshStateLength[slot] >= NSHHeader.baseSize && nshStateHash[slot] != flow { stats.countEvent(.nshProxyEvicted) }
        (nshState + slot * Pipeline.nshStateSlotSize).copyMemory(from: header, byteCount: length)
        nshStateHash[slot] = flow
        nshStateLength[slot] = UInt8(length)
    }

    /// NSH proxy, inbound: push the header saved for this flow with SI - 1
    /// (the proxy decrements SI on the SF's behalf) and the next protocol of
    /// what came back. False when the block holds nothing for the flow.
    @inline(__always)
    func restoreNSHState(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, first: Int, nextProtocol: UInt8) -> Bool {
        let flow = FlowHash.ofIPPacket(pkt.data, count: pkt.length, seed: tables.flowSeed)
        let slot = first + Int(flow & UInt32(ForwardingTables.nshProxyFlowSlots - 1))
        let length = Int(nshStateLength[slot])
        guard length >= NSHHeader.baseSize && nshStateHash[slot] == flow else { return false }
        guard pkt.prepend(length) else { drop(&meta, .noHeadroom); return true }
        pkt.data.copyMemory(from: nshState + slot * Pipeline.nshStateSlotSize, byteCount: length)
        pkt.data.storeBytes(of: nextProtocol, toByteOffset: 3, as: UInt8.self)
        pkt.data.storeBytes(of: pkt.data.load(fromByteOffset: 7, as: UInt8.self) &- 1, toByteOffset: 7, as: UInt8.self)
        return true
    }

    /// End of the service path: remove NSH, deliver the inner packet.
    @inline(__always)
    func nshDecap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, chain c: Int, headerLength: Int, nextProtocol: UInt8) {
        guard case .deliver(let via) = tables.chains[c].config.end else { drop(&meta, .nshNoPath); return }
        meta.chain = Int32(c)
        meta.hop = Int32(tables.chains[c].config.hops.count)
        if nextProtocol == NSHNextProtocol.ipv4 || nextProtocol == NSHNextProtocol.ipv6,
           !innerIsWellFormed(pkt.data + headerLength, count: pkt.length - headerLength, ipv4: nextProtocol == NSHNextProtocol.ipv4) {
            drop(&meta, .nshInnerMalformed); return
        }
        _ = pkt.adjust(headerLength)
        switch nextProtocol {
        case NSHNextProtocol.ipv4:
            trimToIPLength(&pkt)
            emit(&pkt, &meta, via: via, etherType: EtherType.ipv4)
        case NSHNextProtocol.ipv6:
            trimToIPLength(&pkt)
            emit(&pkt, &meta, via: via, etherType: EtherType.ipv6)
        case NSHNextProtocol.ethernet:
            // The inner frame goes out as it is, on the end port.
            guard pkt.length >= EthernetHeader.size else { drop(&meta, .truncated); return }
            let port = tables.ports[via.port]
            if pkt.length - EthernetHeader.size > port.mtu { drop(&meta, .mtuExceeded); return }
            meta.verdict = .forward
            meta.egressPort = Int32(via.port)
            stats.countTX(port: via.port, bytes: pkt.length)
        default:
            drop(&meta, .nshUnknownNextProtocol)
            return
        }
        if meta.verdict == .forward {
            stats.countHop(tables.hopCounterBase[c] + tables.chains[c].config.hops.count)
            meta.trace.record(.nshDecap)
        }
    }

    /// VXLAN-GPE towards a remote SFF: IPv4 / UDP 4790 / VXLAN-GPE (next
    /// protocol NSH). The UDP source port carries the flow hash as entropy.
    @inline(__always)
    func vxlanEncap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, peer: PeerConfig, hash: UInt32) {
        guard let source = tables.node.ipv4 else { drop(&meta, .noRoute); return }
        let outer = IPv4Header.minimumSize + UDPHeader.size + VXLANGPEHeader.size
        guard pkt.prepend(outer) else { drop(&meta, .noHeadroom); return }
        let total = pkt.length
        IPv4Header.write(pkt.data, tos: 0, totalLength: total, identification: 0, dontFragment: true, ttl: 64,
                         proto: IPProtocolNumber.udp, source: source, destination: peer.address)
        UDPHeader.write(pkt.data + 20, sourcePort: 0xC000 | UInt16(truncatingIfNeeded: hash & 0x3FFF),
                        destinationPort: UDPPort.vxlanGPE, length: total - 20)
        VXLANGPEHeader.write(pkt.data + 28, vni: peer.vni, nextProtocol: VXLANGPEHeader.nextProtocolNSH)
        emit(&pkt, &meta, via: Adjacency(port: peer.port, mac: peer.mac), etherType: EtherType.ipv4)
    }

    /// From a remote SFF: take off IPv4 / UDP / VXLAN-GPE, process the NSH.
    @inline(__always)
    func vxlanDecap(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta) {
        guard let ip = IPv4Header(pkt.data, count: pkt.length) else { drop(&meta, .truncated); return }
        let offset = ip.headerLength + UDPHeader.size
        guard let gpe = VXLANGPEHeader(pkt.data + offset, count: pkt.length - offset) else { drop(&meta, .truncated); return }
        guard gpe.carriesNSH else { drop(&meta, .vxlanBadHeader); return }
        _ = pkt.adjust(offset + VXLANGPEHeader.size)
        meta.trace.record(.vxlanGPEDecap)
        nshForward(&pkt, &meta)
    }
}
