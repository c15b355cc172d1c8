// The reference packet pipeline: one instance per thread / lcore.
//
// A batch goes through the stages in order, each over the whole batch:
//   1. dispatch  - parse L2/L3 once, decide what the packet is (proxy return,
//                  NSH, VXLAN-GPE, local SID, to classify), count RX
//   2. classify  - tuple-space lookup for the packets that need it, behind
//                  the pipeline's classifier cache (a flow's later packets)
//   3. act       - the behaviour (encap, SFF forward, proxy, SRv6 endpoint),
//                  run to completion per packet, ending in emit() or a drop
// Packets are changed in place: pushes use the headroom, pops move the
// start; the payload never moves. Nothing here allocates per packet.

public final class Pipeline {
    // Every stored property is a `let`: Swift checks exclusivity dynamically
    // on each access to a class's `var`, which cost a third of the
    // instructions per packet. A new configuration gets a new Pipeline,
    // swapped in between bursts, so no packet sees half of an update.
    public let tables: ForwardingTables
    let stats: CounterBlock
    /// Instance states and bucket tables of this generation, rewritten in
    /// place by the control thread (shared by a generation's pipelines).
    public let live: LiveInstances
    /// The affinity table, probe replies and clock of the dataplane.
    public let shared: PipelineShared
    /// The current tick, read from `shared.ticks` once per batch.
    let nowTick: UnsafeMutablePointer<UInt32>
    /// SRv6: the instance chosen for each hop of the packet being encapsulated.
    let chosen: UnsafeMutablePointer<Int32>
    /// SRv6 HMAC: the text being signed or checked, then the MAC computed (Behaviors/SRHHMAC.swift).
    let hmacScratch: UnsafeMutablePointer<UInt8>

    /// End.AD header cache: one slot of `cacheSlotSize` bytes per dynamic
    /// proxy instance (draft-ietf-spring-sr-service-programming s6.4).
    @inline(__always) static var cacheSlotSize: Int { SharedSpec.SFC_PROXY_CACHE_BYTES }
    let cache: UnsafeMutableRawPointer
    let cacheLength: UnsafeMutablePointer<Int>
    /// The inner packet type the cached headers were learned with (4 or 41).
    let cacheInnerType: UnsafeMutablePointer<UInt8>

    /// NSH proxy state (RFC 8300 s4.6, RFC 7665 s4.6): the whole NSH header
    /// (at most 63 words) a packet carried when it left towards an
    /// NSH-unaware instance, per flow, so that what comes back gets that
    /// header again. `tables.nshProxyStateSlots` slots of `nshStateSlotSize`
    /// bytes, direct-mapped by the inner flow hash within the block of the
    /// instance's return attachment; a slot is empty when its length is 0.
    /// Per Pipeline, so per DPDK lcore: a reply that returns on another
    /// lcore finds no state and gets the chain's configured header.
    static let nshStateSlotSize = 256
    let nshState: UnsafeMutableRawPointer
    let nshStateHash: UnsafeMutablePointer<UInt32>
    let nshStateLength: UnsafeMutablePointer<UInt8>

    /// Per-burst scratch; larger batches are processed in windows of this size.
    static let window = 256
    let actions: UnsafeMutablePointer<Action>
    let fields: UnsafeMutablePointer<FlowFields>
    /// The table entry dispatch found (return or local SID), so the action
    /// does not look the same key up again.
    let found: UnsafeMutablePointer<Int32>
    /// A flow's later packets skip the tuple search (Tables/ClassifierCache.swift).
    let classifierCache: ClassifierCache

    enum Action: UInt8 {
        case done, classify, nsh, vxlan, localSID, proxyReturn, transit6
    }

    public init(tables: ForwardingTables, live: LiveInstances? = nil, shared: PipelineShared? = nil) {
        self.tables = tables
        self.live = live ?? LiveInstances(tables: tables)
        self.shared = shared ?? PipelineShared()
        nowTick = .allocate(capacity: 1)
        nowTick.initialize(to: self.shared.ticks())
        chosen = .allocate(capacity: SharedSpec.SFC_MAX_HOPS)
        chosen.initialize(repeating: 0, count: SharedSpec.SFC_MAX_HOPS)
        hmacScratch = .allocate(capacity: SRHHMAC.maxTextSize + SHA256.digestSize)
        hmacScratch.initialize(repeating: 0, count: SRHHMAC.maxTextSize + SHA256.digestSize)
        stats = CounterBlock(tables: tables)
        let slots = max(1, tables.cacheSlots)
        cache = UnsafeMutableRawPointer.allocate(byteCount: slots * Pipeline.cacheSlotSize, alignment: 64)
        cacheLength = .allocate(capacity: slots)
        cacheLength.initialize(repeating: 0, count: slots)
        cacheInnerType = .allocate(capacity: slots)
        cacheInnerType.initialize(repeating: 0, count: slots)
        let states = max(1, tables.nshProxyStateSlots)
        nshState = UnsafeMutableRawPointer.allocate(byteCount: states * Pipeline.nshStateSlotSize, alignment: 64)
        nshStateHash = .allocate(capacity: states)
        nshStateHash.initialize(repeating: 0, count: states)
        nshStateLength = .allocate(capacity: states)
        nshStateLength.initialize(repeating: 0, count: states)
        actions = .allocate(capacity: Pipeline.window)
        actions.initialize(repeating: .done, count: Pipeline.window)
        found = .allocate(capacity: Pipeline.window)
        found.initialize(repeating: -1, count: Pipeline.window)
        classifierCache = ClassifierCache(classifier: tables.classifier)
        fields = .allocate(capacity: Pipeline.window)
        fields.initialize(repeating: FlowFields(family: .ipv4, source: IPv6Address(hi: 0, lo: 0),
                                                destination: IPv6Address(hi: 0, lo: 0), proto: 0, sourcePort: 0,
                                                destinationPort: 0, dscp: 0, ingress: 0), count: Pipeline.window)
    }

    deinit {
        nowTick.deallocate()
        chosen.deallocate()
        hmacScratch.deallocate()
        stats.deallocate()
        cache.deallocate()
        cacheLength.deallocate()
        cacheInnerType.deallocate()
        nshState.deallocate()
        nshStateHash.deallocate()
        nshStateLength.deallocate()
        actions.deallocate()
        fields.deallocate()
        found.deallocate()
        classifierCache.deallocate()
    }

    /// A snapshot of the counters (per port, reason, chain, hop, instance).
    public var counters: Counters { stats.snapshot(tables: tables) }

    /// Counts a packet the dataplane around the pipeline received on
    /// `ingress` and dropped before the pipeline saw it (e.g. an mbuf chain
    /// that could not be linearized).
    public func countDroppedBeforePipeline(ingress: Int, reason: DropReason) {
        stats.countRX(port: ingress)
        stats.countDrop(reason)
    }

    /// Takes back `packets` (`bytes` in all) the pipeline forwarded to
    /// `port` that the dataplane could not send (the port's link is down):
    /// they count as dropped for `reason`, not as transmitted.
    public func countNotSent(port: Int, packets: Int, bytes: UInt64, reason: DropReason) {
        stats.countNotSent(port: port, packets: packets, bytes: bytes, reason: reason)
    }

    /// Runs every stage over the batch. Afterwards each packet's meta says
    /// forward (with egressPort) or drop (with dropReason).
    public func process(_ batch: PacketBatch) {
        // The clock only serves flow affinity: no read when no function has it.
        if tables.usesAffinity { nowTick.pointee = shared.ticks() }
        var start = 0
        while start < batch.count {
            let end = min(batch.count, start + Pipeline.window)
            processWindow(batch, start, end)
            start = end
        }
    }

    @inline(__always)
    func processWindow(_ batch: PacketBatch, _ start: Int, _ end: Int) {
        let packets = batch.packets, meta = batch.meta
        for i in start..<end { actions[i - start] = dispatch(&packets[i], &meta[i], &fields[i - start], &found[i - start]) }
        for i in start..<end where actions[i - start] == .classify {
            if let rule = classifierCache.lookup(fields[i - start], tables.classifier) {
                // Field by field: copying the rule would retain its name per packet.
                meta[i].chain = Int32(tables.classifier.rules[rule].chain)
                let watch = tables.classifier.rules[rule].watchSlot
                if watch >= 0 { stats.countWatch(watch) }
            } else if fields[i - start].family == .ipv6 && tables.ports[Int(meta[i].ingress)].trusted {
                actions[i - start] = .transit6
            } else {
                drop(&meta[i], .unclassified)
                actions[i - start] = .done
            }
        }
        for i in start..<end where actions[i - start] != .done {
            // The SFF's own case straight to its stage: `act` inlines every
            // behaviour, and its frame costs more than this packet's branch.
            if actions[i - start] == .nsh { nshForward(&packets[i], &meta[i]); continue }
            act(actions[i - start], &packets[i], &meta[i], found[i - start])
        }
    }

    /// Convenience for tools and tests: one packet through a one-packet batch.
    public func process(_ bytes: [UInt8], ingress: Int) -> (meta: PacketMeta, output: [UInt8]) {
        let batch = PacketBatch(capacity: 1)
        guard batch.append(bytes, ingress: ingress) else {
            var meta = PacketMeta(ingress: Int32(ingress))
            drop(&meta, .truncated)
            return (meta, [])
        }
        process(batch)
        let meta = batch.meta[0]
        return (meta, meta.verdict == .forward ? batch.bytes(at: 0) : [])
    }

    // MARK: - Stage 1: dispatch

    @inline(__always)
    func dispatch(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, _ f: inout FlowFields, _ entry: inout Int32) -> Action {
        let port = Int(meta.ingress)
        guard port >= 0 && port < tables.ports.count else { drop(&meta, .untrustedIngress); return .done }
        stats.countRX(port: port)
        guard let eth = EthernetHeader(pkt.data, count: pkt.length) else { drop(&meta, .truncated); return .done }
        // Most ports carry no function's return traffic: no lookup there.
        let ret = tables.portHasReturns[port] ? tables.returns.index(of: ForwardingTables.returnKey(port: port, vlan: eth.vlan)) : -1
        if ret >= 0 {
            if eth.etherType == EtherType.ipv4,
               consumeProbe(pkt.data + eth.headerLength, count: pkt.length - eth.headerLength, &meta) { return .done }
            entry = Int32(ret)
            return .proxyReturn
        }
        let trusted = tables.ports[port].trusted
        let l3 = pkt.data + eth.headerLength
        let l3Length = pkt.length - eth.headerLength
        switch eth.etherType {
        case EtherType.nsh:
            guard trusted else { drop(&meta, .untrustedIngress); return .done }
            return strip(&pkt, eth, .nsh)
        case EtherType.ipv4:
            guard let ip = IPv4Header(l3, count: l3Length) else { drop(&meta, .truncated); return .done }
            guard ip.isValid else { drop(&meta, .ipv4BadHeader); return .done }
            _ = pkt.trim(l3Length - ip.totalLength)  // Ethernet padding never travels inside a tunnel
            let l4 = ip.headerLength
            var sport: UInt16 = 0, dport: UInt16 = 0
            // The classifier reads ports of unfragmented packets and first
            // fragments (offset 0), as for IPv6; the flow hash does not.
            if !ip.isLaterFragment && (ip.proto == IPProtocolNumber.tcp || ip.proto == IPProtocolNumber.udp) {
                guard ip.totalLength >= l4 + 4 else { drop(&meta, .truncated); return .done }
                sport = l3.be16(l4); dport = l3.be16(l4 + 2)
            }
            if ip.proto == IPProtocolNumber.udp && dport == UDPPort.vxlanGPE && ip.fragmentField & 0x3FFF == 0,
               let own = tables.node.ipv4, ip.destination == own {
                guard trusted else { drop(&meta, .untrustedIngress); return .done }
                return strip(&pkt, eth, .vxlan)
            }
            // The node's own address is not a chain's business (and not VXLAN-GPE here).
            if let own = tables.node.ipv4, ip.destination == own { drop(&meta, .notForUs); return .done }
            f = FlowFields(ipv4: ip.source, ip.destination, proto: ip.proto, sourcePort: sport, destinationPort: dport,
                           dscp: ip.dscp, ingress: UInt16(truncatingIfNeeded: port))
            return strip(&pkt, eth, .classify)
        case EtherType.ipv6:
            guard let ip = IPv6Header(l3, count: l3Length) else { drop(&meta, .truncated); return .done }
            guard ip.isValid else { drop(&meta, .ipv6BadHeader); return .done }
            _ = pkt.trim(l3Length - IPv6Header.size - ip.payloadLength)
            let da = ip.destination
            let sid = tables.localSIDs.index(of: da)
            if sid >= 0 {
                guard trusted else { drop(&meta, .untrustedIngress); return .done }
                // RFC 8754 s2.1.2.1 where traffic enters the SR domain; not
                // this node's own liveness probes coming back.
                if tables.anyPortRequiresHMAC && tables.ports[port].requireHMAC
                    && tables.localSIDs.values[sid].behavior != .probeReply,
                   let problem = hmacProblem(l3, count: IPv6Header.size + ip.payloadLength) {
                    drop(&meta, problem)
                    return .done
                }
                entry = Int32(sid)
                return strip(&pkt, eth, .localSID)
            }
            if da == tables.node.srv6Source { drop(&meta, .notForUs); return .done }
            if let locator = tables.node.locator, locator.contains(da) {
                drop(&meta, trusted ? .srv6UnknownSID : .untrustedIngress)
                return .done
            }
            guard let chain = ip.walkExtensions() else { drop(&meta, .ipv6BadHeader); return .done }
            // SRv6 in transit inside the domain is routed, never classified
            // again (a broad rule would otherwise re-encapsulate it).
            if trusted && chain.srhOffset >= 0 { return strip(&pkt, eth, .transit6) }
            var sport: UInt16 = 0, dport: UInt16 = 0
            let proto = chain.upperProtocol
            if !chain.laterFragment && (proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp) {
                guard IPv6Header.size + ip.payloadLength >= chain.upperOffset + 4 else { drop(&meta, .truncated); return .done }
                sport = l3.be16(chain.upperOffset); dport = l3.be16(chain.upperOffset + 2)
            }
            f = FlowFields(family: .ipv6, source: ip.source, destination: da, proto: proto, sourcePort: sport,
                           destinationPort: dport, dscp: ip.dscp, ingress: UInt16(truncatingIfNeeded: port))
            return strip(&pkt, eth, .classify)
        default:
            drop(&meta, .unsupportedEthertype)
            return .done
        }
    }

    // MARK: - Stage 3: act

    @inline(__always)
    func act(_ action: Action, _ pkt: inout PacketBuffer, _ meta: inout PacketMeta, _ entry: Int32) {
        switch action {
        case .done:
            return
        case .classify:
            classified(&pkt, &meta)
        case .nsh:
            nshForward(&pkt, &meta)
        case .vxlan:
            vxlanDecap(&pkt, &meta)
        case .localSID:
            ipv6Output(&pkt, &meta, known: tables.localSIDs.values[Int(entry)])
        case .proxyReturn:
            proxyReturn(&pkt, &meta, tables.returns.values[Int(entry)])
        case .transit6:
            ipv6Transit(&pkt, &meta)
        }
    }

    /// A classified packet: count it and put the chain's encapsulation on.
    @inline(__always)
    func classified(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta) {
        let c = Int(meta.chain)
        stats.countChain(c, bytes: pkt.length)
        if tables.chains[c].config.encapsulation == .nsh {
            nshEncap(&pkt, &meta, chain: c)
        } else {
            srv6Encap(&pkt, &meta, chain: c)
        }
    }

    // MARK: - Shared helpers

    /// Dispatch takes the Ethernet header off every packet it hands to a
    /// stage that works on L3 (all but proxy returns), once, with the length
    /// it parsed.
    @inline(__always)
    func strip(_ pkt: inout PacketBuffer, _ eth: EthernetHeader, _ action: Action) -> Action {
        _ = pkt.adjust(eth.headerLength)
        return action
    }

    @inline(__always)
    func drop(_ meta: inout PacketMeta, _ reason: DropReason) {
        meta.verdict = .drop
        meta.dropReason = reason
        stats.countDrop(reason)
    }

    /// Puts an Ethernet header for `via` in front of the L3 packet and marks
    /// it for transmission, or drops it when it exceeds the port MTU.
    @inline(__always)
    func emit(_ pkt: inout PacketBuffer, _ meta: inout PacketMeta, via: Adjacency, etherType: UInt16) {
        let port = tables.ports[via.port]
        if pkt.length > port.mtu { drop(&meta, .mtuExceeded); return }
        let l2 = EthernetHeader.length(vlan: via.vlan)
        guard pkt.prepend(l2) else { drop(&meta, .noHeadroom); return }
        EthernetHeader.write(pkt.data, destination: via.mac, source: port.mac, vlan: via.vlan, etherType: etherType)
        meta.verdict = .forward
        meta.egressPort = Int32(via.port)
        stats.countTX(port: via.port, bytes: pkt.length)
    }

    /// Is the `count` bytes at `p` a whole IPv4 (or IPv6) header whose
    /// length fields fit them? What a decapsulating endpoint delivers must
    /// be one (an "IPv6" payload that is not IPv6 is srv6-inner-mismatch,
    /// not a frame sent out as IPv6). BPF: sfc_inner_ok.
    @inline(__always)
    func innerIsWellFormed(_ p: UnsafeRawPointer, count: Int, ipv4: Bool) -> Bool {
        if ipv4 {
            guard count >= 20, p.be8(0) >> 4 == 4 else { return false }
            let ihl = Int(p.be8(0) & 0x0F) * 4, total = Int(p.be16(2))
            return ihl >= 20 && total >= ihl && total <= count
        }
        return count >= 40 && p.be8(0) >> 4 == 6 && 40 + Int(p.be16(4)) <= count
    }

    /// Trims bytes beyond the IP packet's own length (link padding).
    @inline(__always)
    func trimToIPLength(_ pkt: inout PacketBuffer) {
        guard pkt.length >= 1 else { return }
        switch pkt.data.be8(0) >> 4 {
        case 4 where pkt.length >= 20:
            let total = Int(pkt.data.be16(2))
            if total >= 20 && total < pkt.length { _ = pkt.trim(pkt.length - total) }
        case 6 where pkt.length >= 40:
            let total = 40 + Int(pkt.data.be16(4))
            if total < pkt.length { _ = pkt.trim(pkt.length - total) }
        default:
            return
        }
    }

    @inline(__always)
    func countHop(_ meta: inout PacketMeta, chain: Int, position: Int, function: Int, instance: Int) {
        meta.chain = Int32(chain)
        meta.hop = Int32(position)
        stats.countHop(tables.hopCounterBase[chain] + position)
        if function >= 0 {
            meta.instance = Int32(instance)
            stats.countInstance(tables.instanceCounterBase[function] + instance)
        }
    }
}
