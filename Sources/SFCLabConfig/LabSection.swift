// The optional `lab:` section: how `sfc-lab` wires a chain file into a lab
// of network namespaces (hosts on ports, which VNF namespace serves which
// function instance, the demo traffic). SFCConfig's compiler ignores it; here
// it is parsed, checked against the ports and instances of the same file, and
// resolved, as SFCConfig's `lab` section handler (LabChainFile.swift). See
// CHAIN-FORMAT.md, "lab".
import SFCConfig
import SFCCore
import Yams

/// The `lab:` section, resolved against the compiled chain file.
public struct LabDescription: Sendable, Equatable {
    public enum VNFKind: String, CaseIterable, Sendable {
        /// A Linux router with an nftables rule set: `allow` passes, the rest is dropped.
        case firewall
        /// A Linux router that counts what crosses it per protocol and per flow (nftables).
        case inspect
        /// A Linux router that records the flows it forwards (one instance of a load-balanced pair).
        case forward
        /// An SR-aware function: the kernel's seg6local route for the instance's SID.
        case seg6local
        /// An NSH-aware function: decrements the Service Index and sends the frame back
        /// (Tests/e2e/nsh_aware_sf.py on a packet socket).
        case nshAware = "nsh-aware"

        /// Kinds that route IPv4 (an address on each link) rather than speak SRv6 or NSH.
        public var isRouter: Bool { self == .firewall || self == .inspect || self == .forward }
    }

    /// An address with its prefix length, as on an interface (`10.0.1.2/24`).
    public struct InterfaceAddress: Sendable, Equatable, CustomStringConvertible {
        public var address: IPv4Address
        public var length: Int
        public var prefix: IPv4Prefix { IPv4Prefix(address: address, length: length) }
        /// The first address of the subnet: the forwarder port's side, a default gateway.
        public var firstHost: IPv4Address { IPv4Address(raw: prefix.address.raw &+ 1) }
        public var description: String { "\(address)/\(length)" }
    }

    public struct Host: Sendable, Equatable {
        public var name: String
        public var port: String
        public var mac: MACAddress
        public var address: InterfaceAddress
        public var gateway: IPv4Address
        public var routes: [IPv4Prefix]
    }

    /// One interface of a VNF namespace: the veth to the port of `instance`.
    public struct Link: Sendable, Equatable {
        public var instance: String
        public var function: String
        public var port: String
        public var mac: MACAddress
        public var address: InterfaceAddress?
        public var gateway: IPv4Address?
        public var routes4: [IPv4Prefix]
        public var routes6: [IPv6Prefix]
        /// sr-aware instances: the SID the kernel route answers for.
        public var sid: IPv6Address?
    }

    /// A firewall pass rule: `icmp`, `tcp/PORT` or `udp/PORT`.
    public struct Allow: Sendable, Equatable, CustomStringConvertible {
        public var proto: String
        public var port: Int?
        public var description: String { port.map { "\(proto)/\($0)" } ?? proto }
    }

    public struct VNF: Sendable, Equatable {
        public var name: String
        public var kind: VNFKind
        public var links: [Link]
        public var allow: [Allow]
        public var action: String?
    }

    public struct Traffic: Sendable, Equatable {
        public var from: String
        public var to: String
        public var ping: Int
        public var tcp: [Int]
        public var tcpBytes: Int
        public var httpPort: Int?
        public var httpRequests: Int
        public var blocked: [Int]
        public var steering: Steering?
    }

    /// After the report: a UDP feed to `port` on its usual `chain`, steered
    /// by `rule` for `seconds` through the `watch` instance, and back.
    public struct Steering: Sendable, Equatable {
        public var chain: String
        public var port: Int
        public var packets: Int
        public var rule: String
        public var seconds: Double
        public var watch: String
    }

    /// `scale:`: a load-balanced function whose instances sfc-lab starts and
    /// stops on load (the lab's VNF manager). `vnfs` are the lab vnfs serving
    /// its instances, in the order they are started; the first `min` run from the start.
    public struct Scale: Sendable, Equatable {
        public var function: String
        public var vnfs: [String]
        /// The instance each of `vnfs` serves (same order).
        public var instances: [String]
        public var min: Int
        public var max: Int
        /// Packets per second per running instance, averaged over `window`: above, one more.
        public var abovePPS: Int
        /// Below this average per running instance over `window`: drain the newest extra one.
        public var belowPPS: Int
        /// Optional: CPU of an instance's processes (its cgroup) in percent of one CPU, over `window`.
        public var aboveCPU: Double?
        public var windowMilliseconds: Int
        public var sampleMilliseconds: Int

        public init(function: String, vnfs: [String], instances: [String], min: Int, max: Int, abovePPS: Int, belowPPS: Int,
                    aboveCPU: Double? = nil, windowMilliseconds: Int = 1000, sampleMilliseconds: Int = 100) {
            self.function = function; self.vnfs = vnfs; self.instances = instances; self.min = min; self.max = max
            self.abovePPS = abovePPS; self.belowPPS = belowPPS; self.aboveCPU = aboveCPU
            self.windowMilliseconds = windowMilliseconds; self.sampleMilliseconds = sampleMilliseconds
        }
    }

    /// `failover:`: a firewall pair for the failover scene; the first is killed mid-transfer.
    public struct Failover: Sendable, Equatable {
        public var active: String
        public var standby: String
        /// The transfer's TCP port (both firewalls allow it).
        public var port: Int
        public init(active: String, standby: String, port: Int) { self.active = active; self.standby = standby; self.port = port }
    }

    public var hosts: [Host]
    public var vnfs: [VNF]
    public var traffic: Traffic?
    public var scale: [Scale] = []
    public var failover: Failover? = nil

    /// The scale setting whose function `vnf` serves, if any.
    public func scale(servedBy vnf: String) -> Scale? { scale.first { $0.vnfs.contains(vnf) } }
}

// MARK: the section as written

struct LabSpec {
    var position: SourcePosition
    var hosts: [LabHostSpec]
    var vnfs: [LabVNFSpec]
    var traffic: LabTrafficSpec?
    var scale: [LabScaleSpec] = []
    var failover: LabFailoverSpec? = nil
}

struct LabFailoverSpec {
    var position: SourcePosition
    var pair: [Located<String>]
    var pairPosition: SourcePosition?
    var port: Located<Int>?
}

struct LabScaleSpec {
    var position: SourcePosition
    var function: Located<String>?
    var min: Located<Int>?
    var max: Located<Int>?
    var abovePPS: Located<Int>?
    var belowPPS: Located<Int>?
    var aboveCPU: Located<Double>?
    var window: Located<Int>?
    var sample: Located<Int>?
}

struct LabHostSpec {
    var position: SourcePosition
    var name: Located<String>?
    var port: Located<String>?
    var mac: Located<MACAddress>?
    var address: Located<LabDescription.InterfaceAddress>?
    var gateway: Located<IPv4Address>?
    var routes: [Located<IPPrefix>]
}

struct LabLinkSpec {
    var position: SourcePosition
    var instance: Located<String>?
    var address: Located<LabDescription.InterfaceAddress>?
    var gateway: Located<IPv4Address>?
    var routes: [Located<IPPrefix>]
}

struct LabVNFSpec {
    var position: SourcePosition
    var name: Located<String>?
    var kind: Located<LabDescription.VNFKind>?
    var links: [LabLinkSpec]
    var allow: [Located<LabDescription.Allow>]
    var action: Located<String>?
}

struct LabTrafficSpec {
    var position: SourcePosition
    var from: Located<String>?
    var to: Located<String>?
    var ping: Int
    var tcp: [Located<Int>]
    var tcpBytes: Int
    var httpPort: Located<Int>?
    var httpRequests: Int
    var blocked: [Located<Int>]
    var steering: LabSteeringSpec?
}

struct LabSteeringSpec {
    var position: SourcePosition
    var chain: Located<String>?
    var port: Int
    var packets: Int
    var rule: Located<String>?
    var seconds: Double
    var watch: Located<String>?
}

// MARK: parsing

struct LabParser {
    let sink: DiagnosticSink

    func parseLab(_ node: Node) -> LabSpec? {
        guard let m = MappingReader(node, what: "lab", allowed: ["hosts", "vnfs", "traffic", "scale", "failover"], sink: sink)
        else { return nil }
        let hosts = (m.list("hosts", required: true) ?? []).compactMap(parseLabHost)
        let vnfs = (m.list("vnfs", required: true) ?? []).compactMap(parseLabVNF)
        return LabSpec(position: m.position, hosts: hosts, vnfs: vnfs, traffic: m.value("traffic").flatMap(parseLabTraffic),
                       scale: (m.list("scale") ?? []).compactMap(parseScale), failover: m.value("failover").flatMap(parseFailover))
    }

    private func parseFailover(_ node: Node) -> LabFailoverSpec? {
        guard let m = MappingReader(node, what: "lab failover", allowed: ["pair", "port"], sink: sink) else { return nil }
        let pair = (m.list("pair", required: true) ?? []).compactMap { item -> Located<String>? in
            MappingReader.scalarText(item, expected: "a lab vnf name in 'pair'", sink: sink)
        }
        if let v = m.value("pair"), m.list("pair") != nil, pair.count != 2 {
            sink.error("'pair' names two firewall vnfs (the active one, then the standby), found \(pair.count)", at: v.position)
        }
        return LabFailoverSpec(position: m.position, pair: pair, pairPosition: m.value("pair")?.position,
                               port: m.int("port", in: 1...65535, required: true))
    }

    private func parseScale(_ node: Node) -> LabScaleSpec? {
        guard let m = MappingReader(node, what: "lab scale", allowed: ["function", "min", "max", "above-pps", "below-pps",
                                                                      "above-cpu", "window", "sample"], sink: sink) else { return nil }
        var spec = LabScaleSpec(position: m.position, function: m.name("function", required: true),
                                min: m.int("min", in: 1...64), max: m.int("max", in: 1...64),
                                abovePPS: m.int("above-pps", in: 1...100_000_000, required: true),
                                belowPPS: m.int("below-pps", in: 0...100_000_000))
        if let t = m.text("above-cpu", expected: "a percentage of one CPU such as 60%") {
            if t.value.hasSuffix("%"), let v = Double(t.value.dropLast()), v > 0, v <= 6400 {
                spec.aboveCPU = Located(v, at: t.position)
            } else {
                sink.error("bad CPU share '\(ScalarText.shortened(t.value))' for 'above-cpu': expected a percentage of one CPU "
                           + "above 0, e.g. 60% (150% is one and a half CPUs)", at: t.position)
            }
        }
        spec.window = duration(m, "window", in: 100...60_000)
        spec.sample = duration(m, "sample", in: 20...10_000)
        if let lo = spec.min, let hi = spec.max, hi.value <= lo.value {
            sink.error("'max' (\(hi.value)) must be above 'min' (\(lo.value)): nothing to scale", at: hi.position)
        }
        if let above = spec.abovePPS, let below = spec.belowPPS, below.value * 2 >= above.value {
            sink.error("'below-pps' (\(below.value)) must be under half of 'above-pps' (\(above.value)): right after a "
                       + "scale-out from 1 to 2 instances each carries about above-pps / 2, which must not already count as idle",
                       at: below.position)
        }
        if let w = spec.window, let s = spec.sample, s.value * 2 > w.value {
            sink.error("'sample' (\(s.value)ms) must be at most half of 'window' (\(w.value)ms): a window needs two samples at least",
                       at: s.position)
        }
        return spec
    }

    /// A duration with its unit (`100ms`, `1.5s`, `1m`), in milliseconds within `range`.
    private func duration(_ m: MappingReader, _ key: String, in range: ClosedRange<Int>) -> Located<Int>? {
        guard let t = m.text(key, expected: "a duration such as 1s or 200ms") else { return nil }
        if let ms = Self.milliseconds(t.value), range.contains(ms) { return Located(ms, at: t.position) }
        sink.error("bad duration '\(ScalarText.shortened(t.value))' for '\(key)': expected a number with a unit (ms, s or m) "
                   + "in \(range.lowerBound)ms..\(range.upperBound / 1000)s, e.g. 1s or 200ms", at: t.position)
        return nil
    }

    /// `200ms`, `1.5s`, `1m` in whole milliseconds; nil without a unit or for a fraction of a millisecond.
    static func milliseconds(_ text: String) -> Int? {
        for (suffix, scale) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(number) else {
                return nil
            }
            let ms = v * scale
            guard ms.rounded() == ms, ms < 1e9 else { return nil }
            return Int(ms)
        }
        return nil
    }

    private func parseLabHost(_ node: Node) -> LabHostSpec? {
        guard let m = MappingReader(node, what: "lab host", allowed: ["name", "port", "mac", "address", "gateway", "routes"],
                                    sink: sink) else { return nil }
        return LabHostSpec(position: m.position, name: m.name("name", required: true), port: m.name("port", required: true),
                           mac: m.mac("mac", required: true), address: interfaceAddress(m, "address", required: true),
                           gateway: m.ipv4("gateway"), routes: prefixes(m, "routes"))
    }

    private func parseLabVNF(_ node: Node) -> LabVNFSpec? {
        guard let m = MappingReader(node, what: "lab vnf", allowed: ["name", "kind", "links", "allow", "action"], sink: sink)
        else { return nil }
        let kind = m.choice("kind", LabDescription.VNFKind.self, required: true)
        var links: [LabLinkSpec] = []
        if let items = m.list("links", required: true) {
            if items.isEmpty, let v = m.value("links") { sink.error("a lab vnf needs at least one link", at: v.position) }
            links = items.compactMap { parseLabLink($0, kind: kind?.value) }
        }
        var allow: [Located<LabDescription.Allow>] = []
        for item in m.list("allow") ?? [] {
            guard let t = MappingReader.scalarText(item, expected: "icmp, tcp/PORT or udp/PORT in 'allow'", sink: sink) else { continue }
            if let rule = Self.allowRule(t.value) { allow.append(Located(rule, at: t.position)) } else {
                sink.error("bad firewall rule '\(ScalarText.shortened(t.value))' in 'allow': expected icmp, tcp/PORT or udp/PORT "
                           + "(PORT 1..65535)", at: t.position)
            }
        }
        var action = m.text("action", expected: "a seg6local action")
        if let a = action, a.value != "End" {
            sink.error("bad seg6local action '\(ScalarText.shortened(a.value))': the lab sets up End (RFC 8986 s4.1)", at: a.position)
            action = nil
        }
        if let kind = kind?.value {
            if kind != .firewall { m.notAllowed("allow", reason: "only a firewall has pass rules") }
            if kind == .firewall && !m.has("allow") { m.missing("allow", reason: "a firewall needs its pass rules") }
            if kind != .seg6local { m.notAllowed("action", reason: "only a seg6local function has an action") }
        }
        return LabVNFSpec(position: m.position, name: m.name("name", required: true), kind: kind, links: links,
                          allow: allow, action: action)
    }

    static func allowRule(_ text: String) -> LabDescription.Allow? {
        if text == "icmp" { return LabDescription.Allow(proto: "icmp", port: nil) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "tcp" || parts[0] == "udp",
              let port = ValueParsers.integer(String(parts[1])), (1...65535).contains(port) else { return nil }
        return LabDescription.Allow(proto: String(parts[0]), port: port)
    }

    private func parseLabLink(_ node: Node, kind: LabDescription.VNFKind?) -> LabLinkSpec? {
        guard let m = MappingReader(node, what: "lab link", allowed: ["instance", "address", "gateway", "routes"], sink: sink)
        else { return nil }
        let spec = LabLinkSpec(position: m.position, instance: m.name("instance", required: true),
                               address: interfaceAddress(m, "address"), gateway: m.ipv4("gateway"), routes: prefixes(m, "routes"))
        if let kind {
            if kind == .seg6local {
                for key in ["address", "gateway"] { m.notAllowed(key, reason: "a seg6local link carries IPv6 only and needs no address") }
            } else if kind == .nshAware {
                for key in ["address", "gateway", "routes"] {
                    m.notAllowed(key, reason: "an nsh-aware function sends every frame back where it came from")
                }
            } else if !m.has("address") {
                m.missing("address", reason: "a \(kind.rawValue) routes IPv4 and needs an address on each link")
            }
        }
        return spec
    }

    private func parseLabTraffic(_ node: Node) -> LabTrafficSpec? {
        guard let m = MappingReader(node, what: "lab traffic",
                                    allowed: ["from", "to", "ping", "tcp", "tcp-bytes", "http", "blocked", "steering"], sink: sink)
        else { return nil }
        var httpPort: Located<Int>?, httpRequests = 0
        if let h = m.value("http"), let hm = MappingReader(h, what: "lab traffic http", allowed: ["port", "requests"], sink: sink) {
            httpPort = hm.int("port", in: 1...65535, required: true)
            httpRequests = hm.int("requests", in: 1...1000)?.value ?? 1
        }
        return LabTrafficSpec(position: m.position, from: m.name("from", required: true), to: m.name("to", required: true),
                              ping: m.int("ping", in: 0...1000)?.value ?? 3, tcp: ports(m, "tcp"),
                              tcpBytes: m.int("tcp-bytes", in: 1...(1 << 30))?.value ?? 1 << 20,
                              httpPort: httpPort, httpRequests: httpRequests, blocked: ports(m, "blocked"),
                              steering: m.value("steering").flatMap(parseSteering))
    }

    private func parseSteering(_ node: Node) -> LabSteeringSpec? {
        guard let m = MappingReader(node, what: "lab traffic steering",
                                    allowed: ["chain", "port", "packets", "rule", "for", "watch"], sink: sink) else { return nil }
        var seconds = 2.0
        if let t = m.text("for", expected: "a duration such as 2s or 500ms") {
            let text = t.value
            let value = text.hasSuffix("ms") ? Double(text.dropLast(2)).map { $0 / 1000 }
                : text.hasSuffix("s") ? Double(text.dropLast()) : Double(text)
            if let value, value > 0, value <= 60 { seconds = value } else {
                sink.error("bad duration '\(text)' for 'for': expected 0 < seconds <= 60, e.g. 2s or 500ms", at: t.position)
            }
        }
        return LabSteeringSpec(position: m.position, chain: m.name("chain", required: true),
                               port: m.int("port", in: 1...65535, required: true)?.value ?? 0,
                               packets: m.int("packets", in: 1...10000)?.value ?? 20,
                               rule: m.text("rule", required: true, expected: "a chain-file rule in YAML, with a name"),
                               seconds: seconds, watch: m.name("watch", required: true))
    }

    private func ports(_ m: MappingReader, _ key: String) -> [Located<Int>] {
        (m.list(key) ?? []).compactMap { item in
            MappingReader.scalarText(item, expected: "a TCP port in '\(key)'", sink: sink)
                .flatMap { MappingReader.integer($0, key: key, in: 1...65535, sink: sink) }
        }
    }

    private func prefixes(_ m: MappingReader, _ key: String) -> [Located<IPPrefix>] {
        (m.list(key) ?? []).compactMap { item in
            MappingReader.scalarText(item, expected: "a prefix in '\(key)'", sink: sink)
                .flatMap { MappingReader.prefix($0, key: key, sink: sink) }
        }
    }

    /// `10.0.1.2/24`: an IPv4 address with the length of its subnet (host bits set, as on an interface).
    private func interfaceAddress(_ m: MappingReader, _ key: String, required: Bool = false) -> Located<LabDescription.InterfaceAddress>? {
        guard let t = m.text(key, required: required, expected: "an IPv4 address/length") else { return nil }
        let parts = t.value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = ValueParsers.integer(String(parts[1])),
              (8...30).contains(length) else {
            sink.error("bad interface address '\(ScalarText.shortened(t.value))' for '\(key)': expected an IPv4 address "
                       + "with its subnet length 8..30, e.g. 10.0.1.2/24", at: t.position)
            return nil
        }
        let value = LabDescription.InterfaceAddress(address: address, length: length)
        guard address != value.prefix.address, address != value.firstHost else {
            sink.error("interface address \(t.value) for '\(key)' is the subnet's first address or its network address: "
                       + "the forwarder port's side is \(value.firstHost)", at: t.position)
            return nil
        }
        return Located(value, at: t.position)
    }
}

// MARK: validation and resolution

/// Checks the lab section against the rest of the file (ports, instances,
/// host names) and resolves it. Runs only when the file has a `lab:` section.
struct ValidatorLab {
    let file: ChainFileContents
    let lab: LabSpec
    let sink: DiagnosticSink

    func run() {
        let ports = file.portNames
        var wired: [String: SourcePosition] = [:]
        func wire(_ port: Located<String>) {
            if let first = wired[port.value] {
                sink.error("port '\(port.value)' is wired twice in the lab (first at line \(first.line))", at: port.position)
            } else {
                wired[port.value] = port.position
            }
        }
        var names: [String: SourcePosition] = [:]
        func unique(_ name: Located<String>?) {
            guard let name else { return }
            if name.value == "sff" {
                sink.error("lab name 'sff' is the forwarder's own namespace (sfc-lab-sff): choose another", at: name.position)
                return
            }
            if let first = names[name.value] {
                sink.error("lab name '\(name.value)' is used twice (first at line \(first.line))", at: name.position)
            } else {
                names[name.value] = name.position
            }
        }
        for host in lab.hosts {
            unique(host.name)
            if let port = host.port {
                if ports.contains(port.value) { wire(port) } else { sink.error("unknown port '\(port.value)' in lab host", at: port.position) }
            }
            for route in host.routes where !route.value.isIPv4 {
                sink.error("a lab host routes IPv4 only", at: route.position)
            }
        }
        let table = file.instances
        for vnf in lab.vnfs {
            unique(vnf.name)
            for link in vnf.links {
                guard let name = link.instance else { continue }
                guard let ref = table[name.value] else {
                    sink.error("unknown instance '\(name.value)' in lab link", at: name.position)
                    continue
                }
                if let kind = vnf.kind?.value, let fkind = ref.kind {
                    let fits: Bool, need: String
                    switch kind {
                    case .seg6local: (fits, need) = (fkind == .srAware, "an sr-aware")
                    case .nshAware: (fits, need) = (fkind == .nshAware, "an nsh-aware")
                    default: (fits, need) = (fkind == .nshUnaware || fkind == .srUnaware, "an nsh-unaware or sr-unaware")
                    }
                    if !fits {
                        sink.error("a vnf of kind \(kind.rawValue) serves \(need) instance; '\(name.value)' is \(fkind.rawValue)",
                                   at: name.position)
                    }
                    if !kind.isRouter, fits, ref.port == nil {
                        sink.error("instance '\(name.value)' has no port: the lab wires it to a veth by its port",
                                   at: name.position)
                    }
                    if kind == .seg6local {
                        for route in link.routes where route.value.isIPv4 {
                            sink.error("a seg6local link routes IPv6 only", at: route.position)
                        }
                    } else if kind.isRouter {
                        for route in link.routes where !route.value.isIPv4 {
                            sink.error("a \(kind.rawValue) link routes IPv4 only", at: route.position)
                        }
                    }
                }
                if let rp = ref.returnPort, let p = ref.port, rp != p {
                    sink.error("instance '\(name.value)' returns on another port ('\(rp)'): a lab link is one veth",
                               at: name.position)
                }
                if ref.vlan != nil {
                    sink.error("instance '\(name.value)' uses a VLAN: lab links are untagged veths", at: name.position)
                }
                if let p = ref.port { wire(Located(p, at: name.position)) }
            }
        }
        checkScale()
        if let f = lab.failover, f.pair.count == 2 {
            if f.pair[0].value == f.pair[1].value {
                sink.error("the failover pair is one vnf twice", at: f.pair[1].position)
            }
            for name in f.pair {
                guard let v = lab.vnfs.first(where: { $0.name?.value == name.value }) else {
                    sink.error("unknown lab vnf '\(name.value)' in lab failover", at: name.position)
                    continue
                }
                guard v.kind?.value == .firewall else {
                    sink.error("lab vnf '\(name.value)' is not a firewall: the failover pair is two firewalls", at: name.position)
                    continue
                }
                if let port = f.port, !v.allow.contains(where: { $0.value.proto == "tcp" && $0.value.port == port.value }) {
                    sink.error("firewall '\(name.value)' does not allow tcp/\(port.value), the failover transfer's port", at: port.position)
                }
            }
            let functions = f.pair.map { name in
                Set(lab.vnfs.first { $0.name?.value == name.value }?.links.compactMap { $0.instance.flatMap { file.instances[$0.value]?.function } } ?? [])
            }
            if functions[0] != functions[1], !functions[0].isEmpty, !functions[1].isEmpty {
                sink.error("the failover pair serves different functions (\(functions[0].sorted()) and \(functions[1].sorted())): "
                           + "the standby must serve every function the active one does", at: f.pair[1].position)
            }
        }
        if let traffic = lab.traffic {
            let hosts = Set(lab.hosts.compactMap(\.name?.value))
            for ref in [traffic.from, traffic.to].compactMap({ $0 }) where !hosts.contains(ref.value) {
                sink.error("unknown lab host '\(ref.value)' in lab traffic", at: ref.position)
            }
            if let s = traffic.steering {
                if let c = s.chain, !file.chainNames.contains(c.value) {
                    sink.error("unknown chain '\(c.value)' in lab traffic steering", at: c.position)
                }
                if let w = s.watch, file.instances[w.value] == nil {
                    sink.error("unknown instance '\(w.value)' in lab traffic steering", at: w.position)
                }
            }
        }
    }

    /// The lab vnfs serving the instances of `function`, in the lab's order, with the instance each serves.
    private func servingVNFs(_ function: String) -> [(vnf: LabVNFSpec, instance: String)] {
        lab.vnfs.compactMap { v in
            v.links.compactMap(\.instance?.value).first { file.instances[$0]?.function == function }.map { (v, $0) }
        }
    }

    /// `scale:`: a function of the file with two instances or more, each served by a lab vnf of its own.
    private func checkScale() {
        var seen: [String: SourcePosition] = [:]
        for s in lab.scale {
            guard let f = s.function else { continue }
            if let first = seen[f.value] {
                sink.error("function '\(f.value)' is scaled twice (first at line \(first.line))", at: f.position)
                continue
            }
            seen[f.value] = f.position
            let instances = file.instances.values.filter { $0.function == f.value }.map(\.name).sorted()
            guard !instances.isEmpty else {
                sink.error("unknown function '\(f.value)' in lab scale", at: f.position)
                continue
            }
            guard instances.count >= 2 else {
                sink.error("function '\(f.value)' has one instance: scaling needs an instance for each step up to 'max' "
                           + "(list them in the function, each served by a lab vnf of its own)", at: f.position)
                continue
            }
            let serving = servingVNFs(f.value)
            for i in instances where !serving.contains(where: { $0.instance == i }) {
                sink.error("instance '\(i)' of the scaled function '\(f.value)' is served by no lab vnf: sfc-lab starts each "
                           + "instance as the vnf that serves it", at: f.position)
            }
            for (v, _) in serving {
                if v.links.count > 1 {
                    sink.error("lab vnf '\(v.name?.value ?? "?")' serves an instance of the scaled function '\(f.value)' and has "
                               + "\(v.links.count) links: a scaled instance is a namespace of its own with one link", at: f.position)
                }
                if v.kind?.value == .seg6local {
                    sink.error("lab vnf '\(v.name?.value ?? "?")' is a seg6local function: the lab scales routers and "
                               + "nsh-aware functions", at: f.position)
                }
            }
            if let m = s.min, m.value >= instances.count {
                sink.error("'min' (\(m.value)) must be below the \(instances.count) instances of '\(f.value)'", at: m.position)
            }
            if let m = s.max, m.value > instances.count {
                sink.error("'max' (\(m.value)) is more than the \(instances.count) instances of '\(f.value)': each step up "
                           + "starts one of them", at: m.position)
            }
        }
    }

    /// The resolved description; call only when the file compiled without errors.
    func resolve() -> LabDescription? {
        let table = file.instances
        var hosts: [LabDescription.Host] = []
        for h in lab.hosts {
            guard let name = h.name?.value, let port = h.port?.value, let mac = h.mac?.value, let address = h.address?.value
            else { return nil }
            let routes = h.routes.compactMap { r -> IPv4Prefix? in if case .v4(let p) = r.value { return p } else { return nil } }
            hosts.append(.init(name: name, port: port, mac: mac, address: address, gateway: h.gateway?.value ?? address.firstHost,
                               routes: routes))
        }
        var vnfs: [LabDescription.VNF] = []
        for v in lab.vnfs {
            guard let name = v.name?.value, let kind = v.kind?.value else { return nil }
            var links: [LabDescription.Link] = []
            for l in v.links {
                guard let instance = l.instance?.value, let ref = table[instance], let function = ref.function,
                      let port = ref.port, let mac = ref.mac else { return nil }
                var routes4: [IPv4Prefix] = [], routes6: [IPv6Prefix] = []
                for r in l.routes {
                    switch r.value {
                    case .v4(let p): routes4.append(p)
                    case .v6(let p): routes6.append(p)
                    }
                }
                let address = l.address?.value
                links.append(.init(instance: instance, function: function, port: port, mac: mac, address: address,
                                   gateway: l.gateway?.value ?? address?.firstHost, routes4: routes4, routes6: routes6,
                                   sid: ref.sid))
            }
            vnfs.append(.init(name: name, kind: kind, links: links, allow: v.allow.map(\.value),
                              action: kind == .seg6local ? (v.action?.value ?? "End") : nil))
        }
        var traffic: LabDescription.Traffic?
        if let t = lab.traffic, let from = t.from?.value, let to = t.to?.value {
            traffic = .init(from: from, to: to, ping: t.ping, tcp: t.tcp.map(\.value), tcpBytes: t.tcpBytes,
                            httpPort: t.httpPort?.value, httpRequests: t.httpRequests, blocked: t.blocked.map(\.value),
                            steering: t.steering.flatMap { s in
                                guard let chain = s.chain?.value, let rule = s.rule?.value, let watch = s.watch?.value else { return nil }
                                return .init(chain: chain, port: s.port, packets: s.packets, rule: rule, seconds: s.seconds, watch: watch)
                            })
        }
        var scale: [LabDescription.Scale] = []
        for s in lab.scale {
            guard let f = s.function?.value, let above = s.abovePPS?.value else { return nil }
            let serving = servingVNFs(f)
            let count = serving.count
            scale.append(.init(function: f, vnfs: serving.compactMap(\.vnf.name?.value), instances: serving.map(\.instance),
                               min: s.min?.value ?? 1, max: s.max?.value ?? count, abovePPS: above,
                               belowPPS: s.belowPPS?.value ?? above / 4, aboveCPU: s.aboveCPU?.value,
                               windowMilliseconds: s.window?.value ?? 1000,
                               sampleMilliseconds: s.sample?.value ?? Swift.min(100, (s.window?.value ?? 1000) / 2)))
        }
        var failover: LabDescription.Failover?
        if let f = lab.failover, f.pair.count == 2, let port = f.port?.value {
            failover = .init(active: f.pair[0].value, standby: f.pair[1].value, port: port)
        }
        return LabDescription(hosts: hosts, vnfs: vnfs, traffic: traffic, scale: scale, failover: failover)
    }
}
