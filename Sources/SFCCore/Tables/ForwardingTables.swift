// The one compiled-table stage: a CompiledConfig becomes the dataplane-neutral
// tables every runner reads (classifier tuples and candidates, NSH paths,
// local SIDs, return entries, routes with the SR-aware host routes, instance
// bucket tables, counter and state layouts, the node, port and peer records).
// The reference pipeline and DPDK look packets up in them; the XDP loader
// only encodes these same records into BPF maps (SFCXDP/TableImage). Nothing
// downstream re-derives a table. Built once per configuration and never
// mutated, so a reload builds a new set beside the running one (with the next
// generation number) and swaps it in whole: no packet sees half an update.

/// NSH service path table entry for one (SPI, SI).
public struct PathEntry: Sendable, Equatable {
    public var chain: Int32
    /// Hop position; == hops.count means end of path.
    public var position: Int32
}

/// What a local SID does.
public struct SIDEntry: Sendable, Equatable {
    public var behavior: SRv6Behavior
    public var via: Adjacency?
    /// For the proxies: the function and instance the SID fronts, and the
    /// chain position it serves.
    public var function: Int32 = -1
    public var instance: Int32 = -1
    public var chain: Int32 = -1
    public var position: Int32 = -1
    /// End.AD: the header cache slot of the instance.
    public var cacheSlot: Int32 = -1
}

/// What a packet coming back from an NSH-unaware or SR-unaware function on
/// (port, VLAN) is restored into.
public struct ReturnEntry: Sendable, Equatable {
    public var kind: FunctionKind
    public var proxy: SRProxyMode?
    public var function: Int32
    public var instance: Int32
    public var chain: Int32
    public var position: Int32
    /// Dynamic proxy (End.AD): index into the header cache. NSH-unaware:
    /// the first slot of the NSH proxy state block of this return
    /// attachment (`nshProxyFlowSlots` slots). -1 otherwise.
    public var cacheSlot: Int32
}

/// A chain as the pipeline needs it.
public struct ChainEntry: Sendable {
    public var config: ChainConfig
    /// NSH: metadata bytes exactly as they follow the service path header.
    public var contextBytes: [UInt8]
    public var mdType: UInt8
    public var nshLengthWords: UInt8
    /// SRv6: the final segment.
    public var endSegment: IPv6Address
    /// SRv6: number of segments n (hops + the final one).
    public var segmentCount: Int
    /// SRv6: the key the headend signs the SRH with (HMAC TLV, RFC 8754 s2.1.2).
    public var hmac: SRHHMACSigner? = nil
}

/// A chain's HMAC key: its id as the TLV carries it and the prepared key.
public struct SRHHMACSigner: Sendable {
    public var keyID: UInt32
    public var key: HMACSHA256Key
}

public struct FunctionEntry: Sendable {
    public var config: FunctionConfig
    /// The bucket table over the instances that are up, as the liveness the
    /// tables were built with says (SFC_BUCKET_NONE in every bucket: none).
    public var selector: InstanceSelector
    /// Each instance's state when the tables were built.
    public var states: [InstanceState]
    /// FlowHash.ofName(name) | 1: the function in affinity entries (never 0,
    /// which marks an empty entry).
    public var id: UInt32
    /// FlowHash.ofName of each instance's name: the instance in affinity
    /// entries, so that an entry means the same instance in every generation.
    public var instanceIDs: [UInt32]
    /// `affinity-idle` in ticks of 2^SFC_AFFINITY_TICK_SHIFT ns, rounded up;
    /// 0 for a single instance (no affinity: nothing to choose).
    public var affinityIdleTicks: UInt32

    public init(config: FunctionConfig, liveness: InstanceLiveness = InstanceLiveness()) {
        self.config = config
        selector = liveness.selector(of: config)
        states = liveness.states(of: config)
        id = FlowHash.ofName(config.name) | 1
        instanceIDs = config.instances.map { FlowHash.ofName($0.name) }
        affinityIdleTicks = config.instances.count > 1 ? FunctionEntry.ticks(milliseconds: config.affinityIdleMilliseconds) : 0
    }

    /// Function `f` of `config`: a function that pairs with another takes
    /// that one's names for its buckets and affinity entries (so a flow's
    /// entry is one for both) and the group's combined states.
    public init(function f: FunctionIndex, in config: CompiledConfig, liveness: InstanceLiveness = InstanceLiveness()) {
        let own = config.functions[f]
        let primary = config.functions[own.pairsWith ?? f]
        self.config = own
        selector = liveness.selector(of: f, in: config)
        states = liveness.states(of: f, in: config)
        id = FlowHash.ofName(primary.name) | 1
        instanceIDs = primary.instances.map { FlowHash.ofName($0.name) }
        affinityIdleTicks = own.instances.count > 1 ? FunctionEntry.ticks(milliseconds: primary.affinityIdleMilliseconds) : 0
    }

    /// Milliseconds as affinity ticks, rounded up, at least 1.
    public static func ticks(milliseconds: Int) -> UInt32 {
        let unit = UInt64(1) << UInt64(SharedSpec.SFC_AFFINITY_TICK_SHIFT)
        let ns = UInt64(max(0, milliseconds)) * 1_000_000
        return UInt32(clamping: max(1, (ns + unit - 1) / unit))
    }
}

public struct ForwardingTables: Sendable {
    /// Which table set this is: a reload builds generation + 1 beside the
    /// running one. Reported by the dataplanes; never read per packet.
    public let generation: UInt64
    /// The configuration these tables were compiled from, for names in
    /// reports and counters (the records below are what dataplanes read).
    public let config: CompiledConfig
    /// The node, port and peer records, as compiled (the config's own values).
    @inline(__always) public var node: NodeConfig { config.node }
    @inline(__always) public var ports: [PortConfig] { config.ports }
    @inline(__always) public var peers: [PeerConfig] { config.peers }
    public let classifier: Classifier
    public let chains: [ChainEntry]
    public let functions: [FunctionEntry]
    /// Some function keeps flow affinity (the pipeline reads the clock per batch only then).
    public let usesAffinity: Bool
    public let nshPaths: ExactTable<UInt32, PathEntry>
    /// What the SFF does at each entry of `nshPaths` (same index), precomputed.
    public let nshNextHops: [NSHNextHop]
    /// Per chain: the `nshPaths` entry of (SPI, starting SI), where the
    /// classifier hands its packets to the SFF; -1 when none (not NSH).
    public let nshFirstPath: [Int32]
    /// Per chain: its SRv6 segment list when no hop chooses among instances
    /// (Tables/SRv6SegmentList.swift), else empty.
    public let srv6SegmentLists: [[UInt8]]
    public let localSIDs: ExactTable<IPv6Address, SIDEntry>
    public let returns: ExactTable<UInt32, ReturnEntry>
    /// Per port: some entry of `returns` has this port (else dispatch skips the lookup).
    public let portHasReturns: [Bool]
    public let routes4: RouteTable4
    public let routes6: RouteTable6
    /// The routes as records, one per distinct prefix (address masked to its
    /// length; a prefix configured twice keeps its first adjacency). IPv6:
    /// the /128 host route of every sr-aware instance with its own adjacency
    /// first, then the configured routes. `routes4`/`routes6` are built from
    /// these; the XDP loader writes them as LPM keys.
    public let routeEntries4: [Route4]
    public let routeEntries6: [Route6]
    /// Number of End.AD instances (header cache slots the pipeline keeps).
    public let cacheSlots: Int
    /// NSH proxy state: every return attachment of an NSH-unaware instance
    /// has a block of `nshProxyFlowSlots` slots, one NSH header each, picked
    /// by the inner flow hash (direct-mapped, so every dataplane evicts the
    /// same way). SFC_NSH_PROXY_FLOWS of BPF/include/sfc_tables.h.
    @inline(__always) public static var nshProxyFlowSlots: Int { SharedSpec.SFC_NSH_PROXY_FLOWS }
    /// Slots in all (blocks * nshProxyFlowSlots).
    public let nshProxyStateSlots: Int
    /// First state slot of each instance's block (indexed like the instance
    /// counters: instanceCounterBase[function] + instance), -1 for an
    /// instance that is not NSH-unaware or is in no chain.
    public let nshProxyStateBase: [Int32]
    /// First global hop counter index of each chain (counters are flat).
    public let hopCounterBase: [Int]
    public let hopCounterCount: Int
    public let instanceCounterBase: [Int]
    public let instanceCounterCount: Int
    /// The seed of every flow hash the pipeline computes (instance choice,
    /// affinity sets, NSH proxy slots, VXLAN-GPE source ports, flow labels).
    public let flowSeed: UInt32
    /// The HMAC keys an SRH arriving on a `require-hmac` port may name, prepared.
    public let hmacKeys: [UInt32: HMACSHA256Key]
    /// Any port requires HMAC (the per-packet check is skipped otherwise).
    public let anyPortRequiresHMAC: Bool

    @inline(__always) public static func pathKey(spi: UInt32, si: UInt8) -> UInt32 { spi << 8 | UInt32(si) }
    @inline(__always) public static func returnKey(port: Int, vlan: UInt16) -> UInt32 {
        UInt32(truncatingIfNeeded: port) << 16 | UInt32(vlan)
    }

    /// The liveness (instance states and weights) the bucket tables were
    /// computed with.
    public let liveness: InstanceLiveness

    public init(_ config: CompiledConfig, generation: UInt64 = 0, liveness: InstanceLiveness = InstanceLiveness()) {
        self.generation = generation
        self.config = config
        self.liveness = liveness
        classifier = Classifier(rules: config.rules)
        hmacKeys = config.hmacKeys.mapValues { HMACSHA256Key(secret: $0) }
        flowSeed = config.flowHashSeed
        anyPortRequiresHMAC = config.ports.contains { $0.requireHMAC }
        routeEntries4 = ForwardingTables.distinct(config.routes4.map { route in
            Route4(prefix: IPv4Prefix(address: IPv4Address(raw: route.prefix.address.raw & route.prefix.mask),
                                      length: route.prefix.length), via: route.via)
        }, by: \.prefix)
        // An sr-aware instance with its own adjacency is a /128 route to its SID.
        var host6: [Route6] = []
        for function in config.functions where function.kind == .srAware {
            for instance in function.instances {
                if let sid = instance.sid, let via = instance.attachment {
                    host6.append(Route6(prefix: IPv6Prefix(address: sid, length: 128), via: via))
                }
            }
        }
        routeEntries6 = ForwardingTables.distinct((host6 + config.routes6).map { route in
            let m = IPv6Prefix.mask(route.prefix.length)
            let address = IPv6Address(hi: route.prefix.address.hi & m.0, lo: route.prefix.address.lo & m.1)
            return Route6(prefix: IPv6Prefix(address: address, length: route.prefix.length), via: route.via)
        }, by: \.prefix)
        routes4 = RouteTable4(routeEntries4.map { ($0.prefix, $0.via) })
        routes6 = RouteTable6(routeEntries6.map { ($0.prefix, $0.via) })
        functions = config.functions.indices.map { FunctionEntry(function: $0, in: config, liveness: liveness) }
        usesAffinity = functions.contains { $0.affinityIdleTicks > 0 }

        var chains: [ChainEntry] = []
        var paths: [UInt32: PathEntry] = [:]
        var hopBase: [Int] = []
        var hopCount = 0
        for (c, chain) in config.chains.enumerated() {
            var bytes: [UInt8] = []
            var mdType: UInt8 = 1
            switch chain.metadata {
            case .type1(let context):
                for i in 0..<4 {
                    let word = i < context.count ? context[i] : 0
                    bytes += [UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
                }
            case .type2(let tlvs):
                mdType = 2
                for tlv in tlvs {
                    bytes += [UInt8(tlv.metadataClass >> 8), UInt8(tlv.metadataClass & 0xFF), tlv.type,
                              UInt8(min(tlv.value.count, 127))]
                    bytes += tlv.value.prefix(127)
                    while bytes.count % 4 != 0 { bytes.append(0) }
                }
            }
            var endSegment = IPv6Address(hi: 0, lo: 0)
            if case .segment(let sid) = chain.end { endSegment = sid }
            chains.append(ChainEntry(config: chain, contextBytes: bytes, mdType: mdType,
                                     nshLengthWords: UInt8(2 + bytes.count / 4), endSegment: endSegment,
                                     segmentCount: chain.hops.count + 1,
                                     hmac: chain.hmacKeyID.flatMap { id in
                                         config.hmacKeys[id].map { SRHHMACSigner(keyID: id, key: HMACSHA256Key(secret: $0)) }
                                     }))
            if chain.encapsulation == .nsh {
                // SI at hop k is start - k; the SF (or proxy) decrements it, so
                // start - hops.count marks the end of the path.
                for k in 0...chain.hops.count where Int(chain.startSI) - k >= 0 {
                    paths[ForwardingTables.pathKey(spi: chain.spi, si: UInt8(Int(chain.startSI) - k))] =
                        PathEntry(chain: Int32(c), position: Int32(k))
                }
            }
            hopBase.append(hopCount)
            hopCount += chain.hops.count + 1
        }
        self.chains = chains
        let pathTable = ExactTable(paths)
        nshPaths = pathTable
        hopCounterBase = hopBase
        hopCounterCount = hopCount

        var instanceBase: [Int] = []
        var instanceCount = 0
        for function in config.functions {
            instanceBase.append(instanceCount)
            instanceCount += function.instances.count
        }
        instanceCounterBase = instanceBase
        instanceCounterCount = instanceCount
        let functions = self.functions, ports = config.ports
        nshFirstPath = config.chains.map { chain in
            chain.encapsulation == .nsh
                ? Int32(pathTable.index(of: ForwardingTables.pathKey(spi: chain.spi, si: chain.startSI))) : -1
        }
        srv6SegmentLists = chains.map { SRv6SegmentList.make($0.config, endSegment: $0.endSegment, functions: functions) }
        nshNextHops = pathTable.values.map {
            NSHNextHop.make($0, chains: chains, functions: functions, ports: ports, hopCounterBase: hopBase,
                            instanceCounterBase: instanceBase)
        }

        var sids: [IPv6Address: SIDEntry] = [:]
        for sid in config.sids { sids[sid.sid] = SIDEntry(behavior: sid.behavior, via: sid.via) }
        if let probe = config.node.probeSID { sids[probe] = SIDEntry(behavior: .probeReply) }
        // A local End.DX*/DT* SID that ends exactly one SRv6 chain counts that
        // chain's deliveries (a SID several chains end at cannot tell them apart).
        for (sid, entry) in sids where entry.behavior.action.decapsulates {
            let ending = chains.indices.filter { chains[$0].config.encapsulation == .srv6 && chains[$0].endSegment == sid }
            if ending.count == 1 {
                sids[sid]?.chain = Int32(ending[0])
                sids[sid]?.position = Int32(chains[ending[0]].config.hops.count)
            }
        }
        var returns: [UInt32: ReturnEntry] = [:]
        var slots = 0
        // One NSH proxy state block per return attachment (two instances that
        // return on the same one share it, as they share its return entry).
        var stateBlocks: [UInt32: Int32] = [:]
        var stateSlots = 0
        var stateBase = [Int32](repeating: -1, count: instanceCount)
        for (c, chain) in config.chains.enumerated() {
            for (k, f) in chain.hops.enumerated() {
                let function = config.functions[f]
                guard function.kind == .nshUnaware || function.kind == .srUnaware else { continue }
                for (i, instance) in function.instances.enumerated() {
                    guard let attachment = instance.attachment else { continue }
                    var slot: Int32 = -1
                    if function.proxy == .dynamicProxy { slot = Int32(slots); slots += 1 }
                    let returnPort = instance.returnPort ?? attachment.port
                    let key = ForwardingTables.returnKey(port: returnPort, vlan: attachment.vlan)
                    if function.kind == .nshUnaware {
                        if let first = stateBlocks[key] {
                            slot = first
                        } else {
                            slot = Int32(stateSlots)
                            stateBlocks[key] = slot
                            stateSlots += ForwardingTables.nshProxyFlowSlots
                        }
                        stateBase[instanceBase[f] + i] = slot
                    }
                    returns[key] = ReturnEntry(
                        kind: function.kind, proxy: function.proxy, function: Int32(f), instance: Int32(i),
                        chain: Int32(c), position: Int32(k), cacheSlot: slot)
                    if function.kind == .srUnaware, let sid = instance.sid, let proxy = function.proxy {
                        sids[sid] = SIDEntry(behavior: proxy.behavior, via: attachment, function: Int32(f),
                                             instance: Int32(i), chain: Int32(c), position: Int32(k), cacheSlot: slot)
                    }
                }
            }
        }
        localSIDs = ExactTable(sids)
        self.returns = ExactTable(returns)
        portHasReturns = config.ports.indices.map { p in returns.keys.contains { Int($0 >> 16) == p } }
        cacheSlots = slots
        nshProxyStateSlots = stateSlots
        nshProxyStateBase = stateBase
    }

    /// The first entry of each key, in order.
    static func distinct<T, K: Hashable>(_ list: [T], by key: (T) -> K) -> [T] {
        var seen = Set<K>()
        return list.filter { seen.insert(key($0)).inserted }
    }

    /// SRv6: segment `position` of a chain's path (0 = first visited), with
    /// the instance of each multi-instance hop chosen by the flow hash.
    @inline(__always)
    public func segment(chain: Int, position: Int, flowHash: UInt32) -> IPv6Address {
        // Fields read in place: copying the entries would retain their arrays.
        if position >= chains[chain].config.hops.count { return chains[chain].endSegment }
        let f = chains[chain].config.hops[position]
        var i = functions[f].config.instances.count > 1 ? functions[f].selector.instance(forHash: flowHash) : 0
        if i >= functions[f].config.instances.count { i = 0 }
        return functions[f].config.instances[i].sid ?? IPv6Address(hi: 0, lo: 0)
    }

    /// Is `a` an address this node answers for (a local SID or the SRv6 source)?
    @inline(__always)
    public func isLocalSID(_ a: IPv6Address) -> Bool { localSIDs[a] != nil }
}
