// The validated, compiled view of one chain file: the contract between the
// config layer (SFCConfig produces it) and every dataplane (which derive
// their lookup tables from it; see Tables/ForwardingTables.swift).
// Plain value types, indices instead of names, no dataplane knowledge.

public typealias PortIndex = Int
public typealias FunctionIndex = Int
public typealias ChainIndex = Int

public struct CompiledConfig: Sendable, Equatable {
    public var node: NodeConfig
    public var ports: [PortConfig]
    public var peers: [PeerConfig]
    public var routes4: [Route4]
    public var routes6: [Route6]
    /// Endpoint SIDs this node owns that are not tied to a function
    /// (End, End.X, End.DX4/6, End.DT4/6). Proxy SIDs live on instances.
    public var sids: [LocalSIDConfig]
    public var functions: [FunctionConfig]
    public var chains: [ChainConfig]
    /// Sorted by precedence: index 0 is tried first (lowest priority value,
    /// then file order).
    public var rules: [ClassifierRule]
    /// The `dpdk:` section, when the file has one.
    public var dpdk: DPDKConfig? = nil
    /// SRv6 HMAC keys (RFC 8754 s2.1.2) by key id, from the node's
    /// `hmac-keys` file (never the chain file): HMAC-SHA256 secrets.
    public var hmacKeys: [UInt32: [UInt8]] = [:]
    /// The flow hash seed (FlowHash.seed(key:) of the node's
    /// `flow-hash-key` file; FlowHash.seed, the public one, without it).
    public var flowHashSeed: UInt32 = FlowHash.seed

    public init(node: NodeConfig, ports: [PortConfig] = [], peers: [PeerConfig] = [],
                routes4: [Route4] = [], routes6: [Route6] = [], sids: [LocalSIDConfig] = [],
                functions: [FunctionConfig] = [], chains: [ChainConfig] = [], rules: [ClassifierRule] = []) {
        self.node = node; self.ports = ports; self.peers = peers; self.routes4 = routes4
        self.routes6 = routes6; self.sids = sids; self.functions = functions
        self.chains = chains; self.rules = rules
    }

    public func portIndex(named name: String) -> PortIndex? { ports.firstIndex { $0.name == name } }
    public func chainIndex(named name: String) -> ChainIndex? { chains.firstIndex { $0.name == name } }
    public func functionIndex(named name: String) -> FunctionIndex? { functions.firstIndex { $0.name == name } }
}

public struct NodeConfig: Sendable, Equatable {
    public var name: String
    /// Outer source address for H.Encaps (RFC 8986 section 5.1).
    public var srv6Source: IPv6Address?
    /// The node's SRv6 locator; every local SID is inside it.
    public var locator: IPv6Prefix?
    /// Source address for VXLAN-GPE towards remote SFFs.
    public var ipv4: IPv4Address?
    /// The local SID the liveness probes of sr-aware functions return to
    /// (behaviour `probe`, docs/PIPELINE.md "Liveness probes").
    public var probeSID: IPv6Address?
    public init(name: String, srv6Source: IPv6Address? = nil, locator: IPv6Prefix? = nil, ipv4: IPv4Address? = nil,
                probeSID: IPv6Address? = nil) {
        self.name = name; self.srv6Source = srv6Source; self.locator = locator; self.ipv4 = ipv4; self.probeSID = probeSID
    }
}

public struct PortConfig: Sendable, Equatable {
    public var name: String
    public var mac: MACAddress
    public var mtu: Int
    /// RFC 8300 section 8.1 / RFC 8754 section 5.1: NSH, VXLAN-GPE and SRv6
    /// traffic is accepted only on trusted ports (inside the SFC/SR domain).
    public var trusted: Bool
    /// The kernel interface the XDP dataplane attaches to for this port
    /// (`interface:` in the chain file); nil when the port has none.
    public var interface: String?
    /// RFC 8754 s2.1.2.1: SRv6 arriving here for a local SID must carry a
    /// valid HMAC TLV (the port is where traffic enters the SR domain).
    public var requireHMAC: Bool
    public init(name: String, mac: MACAddress, mtu: Int = 1500, trusted: Bool = false, interface: String? = nil,
                requireHMAC: Bool = false) {
        self.name = name; self.mac = mac; self.mtu = mtu; self.trusted = trusted; self.interface = interface
        self.requireHMAC = requireHMAC
    }
}

/// A remote SFF reached over VXLAN-GPE (UDP 4790, next protocol NSH).
public struct PeerConfig: Sendable, Equatable {
    public var name: String
    public var address: IPv4Address
    public var port: PortIndex
    public var mac: MACAddress
    public var vni: UInt32
    public init(name: String, address: IPv4Address, port: PortIndex, mac: MACAddress, vni: UInt32 = 0) {
        self.name = name; self.address = address; self.port = port; self.mac = mac; self.vni = vni
    }
}

/// Where a packet leaves: a port, the next hop's MAC, an optional 802.1Q tag.
public struct Adjacency: Sendable, Equatable, Hashable {
    public var port: PortIndex
    public var mac: MACAddress
    /// 0 means untagged.
    public var vlan: UInt16
    public init(port: PortIndex, mac: MACAddress, vlan: UInt16 = 0) {
        self.port = port; self.mac = mac; self.vlan = vlan
    }
}

public struct Route4: Sendable, Equatable {
    public var prefix: IPv4Prefix
    public var via: Adjacency
    public init(prefix: IPv4Prefix, via: Adjacency) { self.prefix = prefix; self.via = via }
}

public struct Route6: Sendable, Equatable {
    public var prefix: IPv6Prefix
    public var via: Adjacency
    public init(prefix: IPv6Prefix, via: Adjacency) { self.prefix = prefix; self.via = via }
}

// SRv6Behavior, FunctionKind and SRProxyMode are generated from
// BPF/include/sfc_behaviors.h (SharedSpec.swift, see Plugins/SharedSpecPlugin).

public struct LocalSIDConfig: Sendable, Equatable {
    public var sid: IPv6Address
    public var behavior: SRv6Behavior
    /// End.X, End.DX4, End.DX6: the adjacency to forward to. nil otherwise.
    public var via: Adjacency?
    public init(sid: IPv6Address, behavior: SRv6Behavior, via: Adjacency? = nil) {
        self.sid = sid; self.behavior = behavior; self.via = via
    }
}

extension FunctionKind {
    public var encapsulation: Encapsulation { self == .nshAware || self == .nshUnaware ? .nsh : .srv6 }
}

public struct FunctionConfig: Sendable, Equatable {
    public var name: String
    public var kind: FunctionKind
    /// Set for sr-unaware functions only.
    public var proxy: SRProxyMode?
    public var instances: [InstanceConfig]
    /// `health:`: nil = not probed (instances are up unless set by hand).
    public var health: HealthConfig?
    /// `fail:` (inside `health:`, or alone): what happens with no instance up.
    public var fail: FailMode
    /// `affinity-idle:`: how long a flow keeps its instance without a packet.
    public var affinityIdleMilliseconds: Int
    /// `pairs-with:`: the function whose instances are the same appliances
    /// (instance k here is instance k there, e.g. the two interfaces of one
    /// stateful firewall): a flow takes the same k in both, chosen, weighted
    /// and remembered as that function chooses (docs/PIPELINE.md "Paired
    /// functions").
    public var pairsWith: FunctionIndex?
    public init(name: String, kind: FunctionKind, proxy: SRProxyMode? = nil, instances: [InstanceConfig],
                health: HealthConfig? = nil, fail: FailMode = .closed,
                affinityIdleMilliseconds: Int = SharedSpec.SFC_AFFINITY_IDLE_DEFAULT_MS, pairsWith: FunctionIndex? = nil) {
        self.name = name; self.kind = kind; self.proxy = proxy; self.instances = instances
        self.health = health; self.fail = fail; self.affinityIdleMilliseconds = affinityIdleMilliseconds
        self.pairsWith = pairsWith
    }
}

/// One instance of a function. Which fields are set depends on the kind:
/// - nsh-aware: `attachment` (local, NSH over Ethernet) or `peer` (behind a
///   remote SFF, over VXLAN-GPE).
/// - nsh-unaware: `attachment` (towards the SF) and `returnPort` (where the
///   bare packets come back; same port and VLAN by default).
/// - sr-aware: `sid` (the SF's own SID) and optionally `attachment`, the
///   adjacency that reaches it (otherwise the routes do).
/// - sr-unaware: `sid` (the local proxy SID, inside the locator),
///   `attachment` and `returnPort`.
public struct InstanceConfig: Sendable, Equatable {
    public var name: String
    public var weight: Int
    public var attachment: Adjacency?
    public var returnPort: PortIndex?
    public var sid: IPv6Address?
    public var peer: Int?
    public init(name: String, weight: Int = 1, attachment: Adjacency? = nil, returnPort: PortIndex? = nil,
                sid: IPv6Address? = nil, peer: Int? = nil) {
        self.name = name; self.weight = weight; self.attachment = attachment
        self.returnPort = returnPort; self.sid = sid; self.peer = peer
    }
}

public enum Encapsulation: String, Sendable, Equatable, CaseIterable {
    case nsh
    case srv6
}

/// NSH metadata exactly as it goes on the wire after the service path header.
public enum NSHMetadata: Sendable, Equatable {
    /// MD type 1: 16 bytes of fixed context (four 32-bit words).
    case type1(context: [UInt32])
    /// MD type 2: variable-length context headers (RFC 8300 section 2.5.1).
    case type2(tlvs: [NSHTLV])
}

public struct NSHTLV: Sendable, Equatable {
    public var metadataClass: UInt16
    public var type: UInt8
    /// Unpadded value; length on the wire is value.count, padded to 4 bytes.
    public var value: [UInt8]
    public init(metadataClass: UInt16, type: UInt8, value: [UInt8]) {
        self.metadataClass = metadataClass; self.type = type; self.value = value
    }
}

/// What happens after the last hop.
public enum ChainEnd: Sendable, Equatable {
    /// NSH: the last SFF removes NSH and sends the inner packet here
    /// (RFC 8300 section 2.2, end of the service path).
    case deliver(Adjacency)
    /// SRv6: the final segment. It is either one of this node's `sids`
    /// (End.DX4/DX6/DT4/DT6) or a SID owned by another node.
    case segment(IPv6Address)
}

public struct ChainConfig: Sendable, Equatable {
    public var name: String
    public var spi: UInt32
    public var encapsulation: Encapsulation
    /// Function indices in path order.
    public var hops: [FunctionIndex]
    public var startSI: UInt8
    public var ttl: UInt8
    public var metadata: NSHMetadata
    /// SRv6 H.Encaps.Red (RFC 8986 section 5.2).
    public var reduced: Bool
    public var end: ChainEnd
    /// SRv6: the key id whose HMAC TLV the headend adds to the SRH (RFC 8754 s2.1.2).
    public var hmacKeyID: UInt32?
    public init(name: String, spi: UInt32, encapsulation: Encapsulation, hops: [FunctionIndex],
                startSI: UInt8 = 255, ttl: UInt8 = 63, metadata: NSHMetadata = .type1(context: [0, 0, 0, 0]),
                reduced: Bool = false, end: ChainEnd, hmacKeyID: UInt32? = nil) {
        self.name = name; self.spi = spi; self.encapsulation = encapsulation; self.hops = hops
        self.startSI = startSI; self.ttl = ttl; self.metadata = metadata; self.reduced = reduced; self.end = end
        self.hmacKeyID = hmacKeyID
    }
}

public enum IPProtocolNumber {
    /// The protocol names chain files and trace filters accept (tcp, udp,
    /// icmp, icmpv6 or ipv6-icmp, any case); nil for anything else.
    public static func named(_ text: String) -> UInt8? {
        switch text.lowercased() {
        case "tcp": return tcp
        case "udp": return udp
        case "icmp": return icmp
        case "icmpv6", "ipv6-icmp": return icmpv6
        default: return nil
        }
    }

    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Route: UInt8 = 43
    public static let icmpv6: UInt8 = 58
}

/// One classifier rule. Unset fields match anything.
public struct ClassifierRule: Sendable, Equatable {
    public enum Family: Sendable, Equatable { case ipv4, ipv6 }
    public var name: String
    public var priority: Int
    public var chain: ChainIndex
    public var family: Family
    public var source4: IPv4Prefix
    public var destination4: IPv4Prefix
    public var source6: IPv6Prefix
    public var destination6: IPv6Prefix
    public var proto: UInt8?
    public var sourcePorts: ClosedRange<UInt16>
    public var destinationPorts: ClosedRange<UInt16>
    public var dscp: UInt8?
    public var ingress: PortIndex?
    /// A rule added at run time (chain-trace steer) has a watch slot
    /// (0..<SFC_MAX_WATCHED_RULES): the dataplanes count its hits there, for
    /// its idle expiry. -1: a rule of the chain file, not counted.
    public var watchSlot: Int = -1
    public init(name: String, priority: Int, chain: ChainIndex, family: Family,
                source4: IPv4Prefix = .any, destination4: IPv4Prefix = .any,
                source6: IPv6Prefix = .any, destination6: IPv6Prefix = .any,
                proto: UInt8? = nil, sourcePorts: ClosedRange<UInt16> = 0...65535,
                destinationPorts: ClosedRange<UInt16> = 0...65535, dscp: UInt8? = nil, ingress: PortIndex? = nil) {
        self.name = name; self.priority = priority; self.chain = chain; self.family = family
        self.source4 = source4; self.destination4 = destination4; self.source6 = source6
        self.destination6 = destination6; self.proto = proto; self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts; self.dscp = dscp; self.ingress = ingress
    }
}
