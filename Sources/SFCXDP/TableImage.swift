// One generation of the XDP program's config tables, as map entries (raw
// key and value bytes per map): SFCCore's ForwardingTables records laid out
// in the structs of BPF/include/sfc_tables.h, nothing re-derived.
// Pure: building it touches no kernel object, so the encoding and its limit
// checks are testable anywhere; GenerationWriter puts it into maps.
import CLibBPF
import SFCCore

public struct MapEntries: Sendable {
    public var entries: [(key: [UInt8], value: [UInt8])] = []
    mutating func add<K, V>(_ key: K, _ value: V) { entries.append((CBytes.of(key), CBytes.of(value))) }
}

public struct TableImage: Sendable {
    /// The generational maps (outer ARRAY_OF_MAPS names), in the order they are written.
    public static let mapNames = ["sfc_globals", "sfc_ports", "sfc_ifindex_ports", "sfc_chains", "sfc_functions",
                                  "sfc_instances", "sfc_sids", "sfc_returns", "sfc_nsh_paths", "sfc_routes4",
                                  "sfc_routes6", "sfc_tuples", "sfc_class_keys", "sfc_hmac_keys"]

    /// Outer map name -> the entries of its inner map.
    public var maps: [String: MapEntries] = [:]
    /// sfc_tx_ports: port index -> ifindex, for ports that have one.
    public var txPorts: [(port: UInt32, ifindex: UInt32)] = []
    public var tupleCount = 0

    /// - Parameter ifindexes: the kernel interface of each port (0: none).
    public init(tables: ForwardingTables, ifindexes: [UInt32]) throws {
        try TableLimits.check(tables)
        for name in TableImage.mapNames { maps[name] = MapEntries() }

        let classifier = try ClassifierImage(tables.classifier)
        tupleCount = classifier.tuples.count
        for (t, tuple) in classifier.tuples.enumerated() { maps["sfc_tuples"]!.add(UInt32(t), tuple) }
        for (key, value) in classifier.keys { maps["sfc_class_keys"]!.add(key, value) }

        maps["sfc_globals"]!.add(UInt32(0), globals(tables, tupleCount: classifier.tuples.count))
        for (p, port) in tables.ports.enumerated() {
            let ifindex = p < ifindexes.count ? ifindexes[p] : 0
            var entry = sfc_port()
            CBytes.copy(CBytes.mac(port.mac), into: &entry.mac)
            entry.mtu = UInt16(clamping: port.mtu)
            entry.ifindex = ifindex
            maps["sfc_ports"]!.add(UInt32(p), entry)
            if ifindex != 0 {
                maps["sfc_ifindex_ports"]!.add(ifindex, UInt32(p))
                txPorts.append((UInt32(p), ifindex))
            }
        }
        for c in tables.chains.indices { maps["sfc_chains"]!.add(UInt32(c), Self.chain(c, tables)) }
        for (f, function) in tables.functions.enumerated() {
            maps["sfc_functions"]!.add(UInt32(f), Self.function(function, instanceCounterBase: tables.instanceCounterBase[f]))
            for (i, instance) in function.config.instances.enumerated() {
                let index = UInt32(f * Int(SFC_MAX_INSTANCES) + i)
                var entry = Self.instance(instance, peers: tables.peers)
                entry.nsh_state_slot = tables.nshProxyStateBase[tables.instanceCounterBase[f] + i]
                entry.state = i < function.states.count ? function.states[i].wireCode : InstanceState.up.wireCode
                maps["sfc_instances"]!.add(index, entry)
            }
        }
        // Local SIDs, then the routed segments: distinct, SFC_MAX_SIDS in all (routedSegments).
        var sids = zip(tables.localSIDs.keys, tables.localSIDs.values).map { ($0.0, Self.sid($0.1)) }
        for (address, via) in Self.routedSegments(tables) {
            var entry = sfc_sid_entry()
            entry.via = CBytes.adjacency(via)
            entry.function = -1; entry.instance = -1; entry.chain = -1; entry.position = -1; entry.cache_slot = -1
            entry.behavior = UInt32(SFC_SID_ROUTE_ONLY)
            sids.append((address, entry))
        }
        let sidSlots = try Self.slots(SlotLayout.sids(sids.map(\.0)), "local SIDs and routed segments", sids.count,
                                      SFC_SID_PROBES, "SFC_SID_PROBES")
        for (address, entry) in sids {
            var slot = sfc_sid_slot()
            CBytes.copy(CBytes.ipv6(address), into: &slot.key.addr)
            slot.used = 1
            slot.entry = entry
            maps["sfc_sids"]!.add(UInt32(sidSlots[address]!), slot)
        }
        for (key, entry) in zip(tables.returns.keys, tables.returns.values) {
            maps["sfc_returns"]!.add(key, Self.returnEntry(entry))
        }
        let pathSlots = try Self.slots(SlotLayout.paths(tables.nshPaths.keys), "NSH (SPI, SI) entries", tables.nshPaths.count,
                                       SFC_PATH_PROBES, "SFC_PATH_PROBES")
        for (index, (key, entry)) in zip(tables.nshPaths.keys, tables.nshPaths.values).enumerated() {
            var slot = sfc_path_slot()
            slot.key = key
            slot.used = 1
            slot.entry = Self.path(entry, tables.nshNextHops[index], tables)
            maps["sfc_nsh_paths"]!.add(UInt32(pathSlots[key]!), slot)
        }
        for (keyID, key) in tables.hmacKeys { maps["sfc_hmac_keys"]!.add(keyID, Self.hmacKey(key)) }
        for route in RouteImage.routes4(tables) { maps["sfc_routes4"]!.add(route.key, CBytes.adjacency(route.via)) }
        for route in RouteImage.routes6(tables) { maps["sfc_routes6"]!.add(route.key, CBytes.adjacency(route.via)) }
    }

    /// A layout, or the error naming the table whose keys need more probes than the program makes.
    static func slots<Key>(_ layout: Result<[Key: Int], SlotLayout.Overflow>, _ what: String, _ count: Int,
                           _ probes: Int32, _ constant: String) throws -> [Key: Int] {
        switch layout {
        case .success(let slots): return slots
        case .failure(let overflow):
            throw XDPError(.configTooLarge, "\(what): \(count) whose keys need \(overflow.probes) probes of their table, but the XDP "
                           + "program makes at most \(probes) (\(constant) in BPF/include/sfc_tables.h)")
        }
    }

    func globals(_ tables: ForwardingTables, tupleCount: Int) -> sfc_globals {
        var g = sfc_globals()
        if let source = tables.node.srv6Source {
            CBytes.copy(CBytes.ipv6(source), into: &g.srv6_source)
            g.has_srv6_source = 1
        }
        if let locator = tables.node.locator {
            CBytes.copy(CBytes.ipv6(locator.address), into: &g.locator)
            g.has_locator = 1
            g.locator_length = UInt32(locator.length)
        }
        if let ipv4 = tables.node.ipv4 {
            g.ipv4 = CBytes.be32Field(ipv4.raw)
            g.has_ipv4 = 1
        }
        g.port_count = UInt32(tables.ports.count)
        g.tuple_count = UInt32(tupleCount)
        g.chain_count = UInt32(tables.chains.count)
        // The classifier cache's entries belong to one table image: a random
        // epoch per image (never 0, "no cache"), so a new generation, or a
        // restarted daemon's first one, finds every entry of the last stale.
        g.class_epoch = UInt64.random(in: 1...UInt64.max)
        // Dispatch looks sfc_returns up only on these ports (key = port << 16 | vlan).
        for key in tables.returns.keys where key >> 16 < 64 { g.return_ports |= UInt64(1) << UInt64(key >> 16) }
        // Dispatch checks the SRH HMAC on these ports (TableLimits: at most 64 ports).
        for (p, port) in tables.ports.enumerated() where port.requireHMAC && p < 64 { g.hmac_ports |= UInt64(1) << UInt64(p) }
        // Dispatch reads the ingress port's trust here, not in sfc_ports (ports < SFC_MAX_PORTS = 64).
        for (p, port) in tables.ports.enumerated() where port.trusted && p < 64 { g.trusted_ports |= UInt64(1) << UInt64(p) }
        return g
    }

    /// An (SPI, SI) entry with its hop precomputed as the reference has it
    /// (NSHNextHop: the same rules, the same Ethernet header bytes).
    static func path(_ entry: PathEntry, _ hop: NSHNextHop, _ tables: ForwardingTables) -> sfc_path_entry {
        var e = sfc_path_entry()
        e.chain = UInt32(entry.chain)
        e.position = UInt32(entry.position)
        guard hop.direct else { return e }
        e.direct = 1
        e.function = UInt32(tables.chains[Int(hop.chain)].config.hops[Int(hop.position)])
        e.port = UInt32(hop.port)
        e.mtu = UInt32(UInt16(clamping: hop.mtu))
        e.hop_counter = UInt32(hop.hopCounter)
        e.instance_counter = UInt32(hop.instanceSlot)
        e.l2_len = UInt32(hop.l2Length)
        var bytes = [UInt8](repeating: 0, count: 18)
        bytes.withUnsafeMutableBytes { hop.writeL2($0.baseAddress!) }
        CBytes.copy(bytes, into: &e.l2)
        return e
    }

    /// The key's SHA-256 states after its inner and outer pads (SFCCore HMACSHA256Key).
    static func hmacKey(_ key: HMACSHA256Key) -> sfc_hmac_key {
        func words(_ s: SHA256State) -> (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
            (s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7)
        }
        return sfc_hmac_key(inner: words(key.inner), outer: words(key.outer))
    }

    static func chain(_ index: Int, _ tables: ForwardingTables) -> sfc_chain {
        let chain = tables.chains[index], config = chain.config
        let segmentList = tables.srv6SegmentLists[index]
        var c = sfc_chain()
        c.spi = config.spi
        c.start_si = config.startSI
        c.ttl = config.ttl
        c.md_type = chain.mdType
        c.nsh_length_words = chain.nshLengthWords
        c.encap = config.encapsulation == .nsh ? UInt8(SFC_ENCAP_NSH.rawValue) : UInt8(SFC_ENCAP_SRV6.rawValue)
        c.reduced = config.reduced ? 1 : 0
        c.hop_count = UInt8(config.hops.count)
        c.context_length = UInt8(chain.contextBytes.count)
        c.hop_counter_base = UInt32(tables.hopCounterBase[index])
        switch config.end {
        case .deliver(let adjacency):
            c.end_kind = SFC_END_DELIVER.rawValue
            c.deliver = CBytes.adjacency(adjacency)
        case .segment:
            c.end_kind = SFC_END_SEGMENT.rawValue
            c.deliver = CBytes.adjacency(nil)
        }
        CBytes.copy(CBytes.ipv6(chain.endSegment), into: &c.end_segment)
        let hops = config.hops.map { UInt16($0) }
        withUnsafeMutableBytes(of: &c.hops) { raw in
            for (k, f) in hops.enumerated() { raw.storeBytes(of: f, toByteOffset: 2 * k, as: UInt16.self) }
        }
        CBytes.copy(chain.contextBytes, into: &c.context)
        if let signer = chain.hmac {
            c.has_hmac = 1
            c.hmac_key_id = signer.keyID
        }
        c.active_via = CBytes.adjacency(nil)
        if !segmentList.isEmpty {
            c.fixed_segments = 1
            CBytes.copy(segmentList, into: &c.segment_list)
            // The DA H.Encaps writes: Segment List[hop count] (P[0]). What
            // Pipeline.ipv6Output does with it after the push, resolved
            // now when it is a route (a local SID runs its behaviour there).
            let active = segmentList.withUnsafeBytes { $0.baseAddress!.ipv6(16 * config.hops.count) }
            if !tables.isLocalSID(active), let via = tables.routes6.lookup(active) { c.active_via = CBytes.adjacency(via) }
        }
        let first = Int(tables.nshFirstPath[index])
        if first >= 0 { c.first_hop = path(tables.nshPaths.values[first], tables.nshNextHops[first], tables) }
        // Pipeline.srv6Encap counts hop k's chosen instance unless its function is SR-unaware.
        withUnsafeMutableBytes(of: &c.hop_instance_base) { raw in
            for (k, f) in config.hops.enumerated() {
                let base = tables.functions[f].config.kind == .srUnaware ? -1 : Int32(tables.instanceCounterBase[f])
                raw.storeBytes(of: base, toByteOffset: 4 * k, as: Int32.self)
            }
        }
        return c
    }

    static func function(_ function: FunctionEntry, instanceCounterBase: Int) -> sfc_function {
        var f = sfc_function()
        f.kind = function.config.kind.wireCode
        f.proxy = proxyCode(function.config.proxy)
        f.instance_count = UInt32(function.config.instances.count)
        f.instance_counter_base = UInt32(instanceCounterBase)
        f.id = function.id
        f.fail_mode = UInt32(function.config.fail == .open ? SFC_FAIL_OPEN : SFC_FAIL_CLOSED)
        f.affinity_idle_ticks = function.affinityIdleTicks
        withUnsafeMutableBytes(of: &f.instance_ids) { raw in
            for (k, id) in function.instanceIDs.prefix(Int(SFC_MAX_INSTANCES)).enumerated() {
                raw.storeBytes(of: id, toByteOffset: 4 * k, as: UInt32.self)
            }
        }
        setBuckets(&f, function.selector)
        return f
    }

    /// A function entry's bucket table (XDPDataplane.setInstances rewrites it in place).
    static func setBuckets(_ f: inout sfc_function, _ selector: InstanceSelector) {
        let buckets = selector.buckets
        withUnsafeMutableBytes(of: &f.buckets) { raw in
            for (b, i) in buckets.enumerated() { raw.storeBytes(of: i, toByteOffset: 2 * b, as: UInt16.self) }
        }
    }

    /// The wire codes are those of BPF/include/sfc_behaviors.h, which the
    /// Swift enums are generated from (never their declaration order);
    /// SFC_PROXY_NONE stands for no proxy.
    static func proxyCode(_ proxy: SRProxyMode?) -> UInt32 { proxy?.wireCode ?? SFC_PROXY_NONE.rawValue }

    static func instance(_ instance: InstanceConfig, peers: [PeerConfig]) -> sfc_instance {
        var i = sfc_instance()
        i.attachment = CBytes.adjacency(instance.attachment)
        if let sid = instance.sid {
            CBytes.copy(CBytes.ipv6(sid), into: &i.sid)
            i.has_sid = 1
        }
        i.peer_via = CBytes.adjacency(nil)
        i.nsh_state_slot = -1
        if let p = instance.peer, p >= 0, p < peers.count {
            let peer = peers[p]
            i.has_peer = 1
            i.peer_address = CBytes.be32Field(peer.address.raw)
            i.peer_vni = peer.vni
            i.peer_via = CBytes.adjacency(Adjacency(port: peer.port, mac: peer.mac))
        }
        return i
    }

    /// The addresses the chains name that are no local SID (every
    /// instance's SID, every chain's end segment), with the IPv6 route
    /// Pipeline.ipv6Output would take for each: written into sfc_sids as
    /// SFC_SID_ROUTE_ONLY entries, so the output loop's SID lookup routes them too
    /// (after End or H.Encaps) without the LPM trie. Those without a route,
    /// and any beyond the map's room, are left to the trie.
    static func routedSegments(_ tables: ForwardingTables) -> [(IPv6Address, Adjacency)] {
        var seen = Set<IPv6Address>(), out: [(IPv6Address, Adjacency)] = []
        var room = Int(SFC_MAX_SIDS) - tables.localSIDs.keys.count
        let named = tables.functions.flatMap { $0.config.instances.compactMap(\.sid) }
            + tables.chains.filter { $0.config.encapsulation == .srv6 }.map(\.endSegment)
        for address in named where room > 0 && !tables.isLocalSID(address) && seen.insert(address).inserted {
            guard let via = tables.routes6.lookup(address) else { continue }
            out.append((address, via))
            room -= 1
        }
        return out
    }

    static func sid(_ entry: SIDEntry) -> sfc_sid_entry {
        sfc_sid_entry(behavior: entry.behavior.wireCode, via: CBytes.adjacency(entry.via),
                      function: entry.function, instance: entry.instance, chain: entry.chain, position: entry.position,
                      cache_slot: entry.cacheSlot)
    }

    static func returnEntry(_ entry: ReturnEntry) -> sfc_return_entry {
        sfc_return_entry(kind: entry.kind.wireCode, proxy: proxyCode(entry.proxy),
                         function: entry.function, instance: entry.instance, chain: entry.chain, position: entry.position,
                         cache_slot: entry.cacheSlot)
    }
}
