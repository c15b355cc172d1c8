// The chain file as written: every field optional (absent or rejected while
// parsing) and positioned, so the validators can point at it. Names are not
// resolved yet; that is the compiler's job.
import SFCCore
import Yams

struct ChainFileSpec {
    var root: SourcePosition = .start
    var node: NodeSpec?
    var ports: [PortSpec] = []
    var peers: [PeerSpec] = []
    var routes: [RouteSpec] = []
    var sids: [SIDSpec] = []
    var functions: [FunctionSpec] = []
    var chains: [ChainSpec] = []
    var rules: [RuleSpec] = []
    var dpdk: DPDKSpec?
    /// The top-level sections left to handlers (`ChainFileSection.swift`), by key.
    var sections: [String: Node] = [:]
}

/// The `dpdk:` section as written.
struct DPDKSpec {
    var position: SourcePosition
    var lcores: [Located<Int>]
    var hugepages: Located<DPDKConfig.Hugepages>?
    var memoryMB: Located<Int>?
    var ealArguments: [String]
    var ports: [DPDKPortSpec]
}

struct DPDKPortSpec {
    var position: SourcePosition
    var port: Located<String>?
    var device: Located<String>?
    var rxRing: Located<Int>?
    var txRing: Located<Int>?
}

struct NodeSpec {
    var position: SourcePosition
    var name: Located<String>?
    var srv6Source: Located<IPv6Address>?
    var locator: Located<IPv6Prefix>?
    var ipv4: Located<IPv4Address>?
    var probeSID: Located<IPv6Address>?
    /// The SRv6 HMAC key file, as written (HMACKeyFile).
    var hmacKeys: Located<String>?
    /// The flow hash key file, as written (FlowHashKeyFile).
    var flowHashKey: Located<String>? = nil
}

struct PortSpec {
    var position: SourcePosition
    var name: Located<String>?
    var mac: Located<MACAddress>?
    var mtu: Located<Int>?
    var trusted: Bool
    var interface: Located<String>?
    var requireHMAC: Located<Bool>?
}

struct PeerSpec {
    var position: SourcePosition
    var name: Located<String>?
    var address: Located<IPv4Address>?
    var port: Located<String>?
    var mac: Located<MACAddress>?
    var vni: Int
}

struct RouteSpec {
    var position: SourcePosition
    var prefix: Located<IPPrefix>?
    var port: Located<String>?
    var mac: Located<MACAddress>?
}

struct SIDSpec {
    var position: SourcePosition
    var sid: Located<IPv6Address>?
    var behavior: Located<SRv6Behavior>?
    var port: Located<String>?
    var mac: Located<MACAddress>?
}

struct FunctionSpec {
    var position: SourcePosition
    var name: Located<String>?
    var kind: Located<FunctionKind>?
    var proxy: Located<SRProxyMode>?
    var instances: [InstanceSpec]
    /// `health:`, nil when the function is not probed.
    var health: HealthSpec?
    /// `fail:`, on the function or inside `health:`.
    var fail: Located<FailMode>?
    /// `affinity-idle:`, in milliseconds.
    var affinityIdle: Located<Int>?
    /// `pairs-with:`, the function whose instances these are (checked by ValidatorPairs).
    var pairsWith: Located<String>?
}

/// A function's `health:` as written; each probe tuple is complete and
/// checked, or nil (absent, or rejected).
struct HealthSpec {
    /// Where the `health` key is.
    var key: SourcePosition
    /// In milliseconds.
    var interval: Located<Int>?
    var misses: Located<Int>?
    var rise: Located<Int>?
    var fail: Located<FailMode>?
    var probe: Located<ProbeTuple>?
    var negative: Located<ProbeTuple>?
}

struct InstanceSpec {
    var position: SourcePosition
    var name: Located<String>?
    var weight: Int
    var port: Located<String>?
    var mac: Located<MACAddress>?
    var vlan: Located<Int>?
    var returnPort: Located<String>?
    var sid: Located<IPv6Address>?
    var peer: Located<String>?

    /// Where bare packets come back from an NSH- or SR-unaware instance.
    var returnPortName: Located<String>? { returnPort ?? port }
}

struct ChainSpec {
    var position: SourcePosition
    var name: Located<String>?
    var spi: Located<Int>?
    var encapsulation: Located<Encapsulation>?
    var hops: [Located<String>]
    var startSI: Located<Int>?
    var ttl: Located<Int>?
    /// Where the `ttl:` key is, when written.
    var ttlKey: SourcePosition?
    var metadata: Located<NSHMetadata>?
    var reduced: Bool
    var end: EndSpec?
    var hmacKey: Located<Int>?
}

struct EndSpec {
    var position: SourcePosition
    var port: Located<String>?
    var mac: Located<MACAddress>?
    var sid: Located<IPv6Address>?
}

struct RuleSpec {
    var position: SourcePosition
    /// Given or `rule-<line>`.
    var name: Located<String>
    var priority: Int
    var chain: Located<String>?
    var ingress: Located<String>?
    var proto: Located<UInt8>?
    var source: Located<IPPrefix>?
    var destination: Located<IPPrefix>?
    var sourcePorts: Located<ClosedRange<UInt16>>?
    var destinationPorts: Located<ClosedRange<UInt16>>?
    var dscp: Located<Int>?
    /// False if any field was rejected: such a rule takes no part in the
    /// shadowing analysis (it would only produce follow-on noise).
    var fieldsValid: Bool
}
