// ChainFileSpec -> CompiledConfig, once the validators found no error: names
// become indices, defaults are filled in. Anything still missing here is a
// validator gap; it fails the compile (with a diagnostic) instead of trapping.
import SFCCore

struct Compiler {
    let spec: ChainFileSpec
    let names: NameTables
    let rules: [RuleCompiler.Compiled]

    struct Incomplete: Error { var what: String; var position: SourcePosition }

    func compile() throws -> CompiledConfig {
        guard let node = spec.node else { throw Incomplete(what: "node", position: spec.root) }
        var config = CompiledConfig(node: NodeConfig(
            name: try need(node.name, "node name", node.position),
            srv6Source: node.srv6Source?.value, locator: node.locator?.value, ipv4: node.ipv4?.value,
            probeSID: node.probeSID?.value))
        config.ports = try spec.ports.map { p in
            PortConfig(name: try need(p.name, "port name", p.position), mac: try need(p.mac, "port mac", p.position),
                       mtu: p.mtu?.value ?? 1500, trusted: p.trusted, interface: p.interface?.value,
                       requireHMAC: p.requireHMAC?.value ?? false)
        }
        config.peers = try spec.peers.map { p in
            PeerConfig(name: try need(p.name, "peer name", p.position),
                       address: try need(p.address, "peer address", p.position),
                       port: try port(p.port, p.position), mac: try need(p.mac, "peer mac", p.position),
                       vni: UInt32(p.vni))
        }
        for route in spec.routes {
            let via = Adjacency(port: try port(route.port, route.position), mac: try need(route.mac, "route mac", route.position))
            switch try need(route.prefix, "route prefix", route.position) {
            case .v4(let p): config.routes4.append(Route4(prefix: p, via: via))
            case .v6(let p): config.routes6.append(Route6(prefix: p, via: via))
            }
        }
        config.sids = try spec.sids.map { s in
            var via: Adjacency?
            if let p = s.port { via = Adjacency(port: try port(p, s.position), mac: try need(s.mac, "sid mac", s.position)) }
            return LocalSIDConfig(sid: try need(s.sid, "sid", s.position),
                                  behavior: try need(s.behavior, "sid behavior", s.position), via: via)
        }
        config.functions = try spec.functions.map(function)
        config.chains = try spec.chains.map(chain)
        config.rules = rules.map(\.rule)
        config.dpdk = try spec.dpdk.map { try dpdk($0, portCount: config.ports.count) }
        return config
    }

    private func dpdk(_ d: DPDKSpec, portCount: Int) throws -> DPDKConfig {
        var ports = [DPDKPortConfig?](repeating: nil, count: portCount)
        for entry in d.ports {
            ports[try port(entry.port, entry.position)] = DPDKPortConfig(
                device: try need(entry.device, "dpdk device", entry.position),
                rxDescriptors: entry.rxRing?.value ?? 1024, txDescriptors: entry.txRing?.value ?? 1024)
        }
        return DPDKConfig(lcores: d.lcores.isEmpty ? [0] : d.lcores.map(\.value), hugepages: d.hugepages?.value ?? .auto,
                          memoryMB: d.memoryMB?.value ?? 512, ealArguments: d.ealArguments, ports: ports)
    }

    private func need<T>(_ value: Located<T>?, _ what: String, _ at: SourcePosition) throws -> T {
        guard let value = value else { throw Incomplete(what: what, position: at) }
        return value.value
    }

    private func port(_ name: Located<String>?, _ at: SourcePosition) throws -> PortIndex {
        guard let name = name, let index = names.ports.indices[name.value] else { throw Incomplete(what: "port", position: at) }
        return index
    }

    private func function(_ f: FunctionSpec) throws -> FunctionConfig {
        let kind = try need(f.kind, "function kind", f.position)
        let unaware = kind == .nshUnaware || kind == .srUnaware
        let instances = try f.instances.map { i -> InstanceConfig in
            var attachment: Adjacency?
            if let p = i.port {
                attachment = Adjacency(port: try port(p, i.position), mac: try need(i.mac, "instance mac", i.position),
                                       vlan: UInt16(i.vlan?.value ?? 0))
            }
            var peer: Int?
            if let name = i.peer {
                guard let index = names.peers.indices[name.value] else { throw Incomplete(what: "peer", position: i.position) }
                peer = index
            }
            return InstanceConfig(name: try need(i.name, "instance name", i.position), weight: i.weight,
                                  attachment: attachment,
                                  returnPort: unaware ? try port(i.returnPortName, i.position) : nil,
                                  sid: i.sid?.value, peer: peer)
        }
        return FunctionConfig(name: try need(f.name, "function name", f.position), kind: kind,
                              proxy: kind == .srUnaware ? f.proxy?.value : nil, instances: instances,
                              health: f.health.map(health), fail: f.fail?.value ?? .closed,
                              affinityIdleMilliseconds: f.affinityIdle?.value ?? SharedSpec.SFC_AFFINITY_IDLE_DEFAULT_MS,
                              pairsWith: f.pairsWith.flatMap { p in spec.functions.firstIndex { $0.name?.value == p.value } })
    }

    /// HealthConfig's defaults for what the file leaves out.
    private func health(_ h: HealthSpec) -> HealthConfig {
        var config = HealthConfig()
        if let v = h.interval { config.intervalMilliseconds = v.value }
        if let v = h.misses { config.misses = v.value }
        if let v = h.rise { config.rise = v.value }
        if let v = h.probe { config.probe = v.value }
        config.negative = h.negative?.value
        return config
    }

    private func chain(_ c: ChainSpec) throws -> ChainConfig {
        let encapsulation = try need(c.encapsulation, "encapsulation", c.position)
        let hops = try c.hops.map { hop -> FunctionIndex in
            guard let index = names.functions.indices[hop.value] else { throw Incomplete(what: "hop", position: hop.position) }
            return index
        }
        guard let endSpec = c.end else { throw Incomplete(what: "chain end", position: c.position) }
        let end: ChainEnd
        switch encapsulation {
        case .nsh:
            end = .deliver(Adjacency(port: try port(endSpec.port, endSpec.position),
                                     mac: try need(endSpec.mac, "end mac", endSpec.position)))
        case .srv6:
            end = .segment(try need(endSpec.sid, "end sid", endSpec.position))
        }
        return ChainConfig(name: try need(c.name, "chain name", c.position),
                           spi: UInt32(try need(c.spi, "spi", c.position)), encapsulation: encapsulation,
                           hops: hops, startSI: UInt8(c.startSI?.value ?? 255), ttl: UInt8(c.ttl?.value ?? 63),
                           metadata: c.metadata?.value ?? .type1(context: [0, 0, 0, 0]),
                           reduced: c.reduced, end: end, hmacKeyID: c.hmacKey.map { UInt32($0.value) })
    }
}
