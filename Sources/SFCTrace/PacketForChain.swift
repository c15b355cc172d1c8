// `simulate --chain NAME`: derive a packet that the classifier maps to the
// chain, from the chain's own rules, and prove it with the classifier.
import SFCConfig
import SFCCore

enum PacketForChain {
    struct Choice {
        var spec: PacketSpec
        var ingress: Int
        var rule: String
    }

    enum Failure: Error, CustomStringConvertible {
        /// The file defines no chain of that name (the known ones follow).
        case noSuchChain(String, known: [String])
        case noRule(String)
        case unreachable(String, [String])
        var description: String {
            switch self {
            case .noSuchChain(let chain, let known):
                let list = known.isEmpty ? "the file defines none" : "known chains: " + known.joined(separator: ", ")
                return "no chain named '\(Diagnostic.escaped(chain))' in the chain file (\(list))"
            case .noRule(let chain): return "no classifier rule sends traffic to chain '\(chain)'"
            case .unreachable(let chain, let why):
                return "no packet built from the rules of chain '\(chain)' reaches it:\n  " + why.joined(separator: "\n  ")
            }
        }
    }

    static func build(chain name: String, tables: ForwardingTables) throws -> Choice {
        let config = tables.config
        guard let c = config.chainIndex(named: name) else {
            throw Failure.noSuchChain(name, known: config.chains.map(\.name))
        }
        let candidates = config.rules.enumerated().filter { $0.element.chain == c }
        guard !candidates.isEmpty else { throw Failure.noRule(name) }
        var reasons: [String] = []
        for (_, rule) in candidates {
            guard let spec = spec(for: rule) else {
                reasons.append("rule '\(rule.name)': cannot build a packet for protocol \(rule.proto.map(String.init) ?? "?")")
                continue
            }
            let ingress = rule.ingress ?? config.ports.firstIndex { !$0.trusted } ?? 0
            let fields = flowFields(spec, ingress: ingress)
            if let hit = tables.classifier.lookup(fields), config.rules[hit].chain == c {
                return Choice(spec: spec, ingress: ingress, rule: rule.name)
            } else if let hit = tables.classifier.lookup(fields) {
                reasons.append("rule '\(rule.name)': its packet is caught first by rule '\(config.rules[hit].name)'")
            }
        }
        throw Failure.unreachable(name, reasons)
    }

    /// A host inside the prefix (not the network address when there is room).
    static func host(_ p: IPv4Prefix, fallback: String) -> IPv4Address {
        if p.length == 0 { return IPv4Address(fallback)! }
        if p.length >= 31 { return p.address }
        return IPv4Address(raw: p.address.raw | (p.length <= 29 ? 5 : 1))
    }

    static func host(_ p: IPv6Prefix, fallback: String) -> IPv6Address {
        if p.length == 0 { return IPv6Address(fallback)! }
        if p.length >= 127 { return p.address }
        return IPv6Address(hi: p.address.hi, lo: p.address.lo | (p.length <= 125 ? 5 : 1))
    }

    static func spec(for rule: ClassifierRule) -> PacketSpec? {
        let endpoints: IPEndpoints = rule.family == .ipv4
            ? .v4(host(rule.source4, fallback: "10.1.0.5"), host(rule.destination4, fallback: "10.20.0.9"))
            : .v6(host(rule.source6, fallback: "2001:db8:10::5"), host(rule.destination6, fallback: "2001:db8:20::9"))
        func pick(_ r: ClosedRange<UInt16>, _ usual: UInt16) -> UInt16 { r == 0...65535 ? usual : r.lowerBound }
        let transport: TransportSpec
        switch rule.proto {
        case nil, IPProtocolNumber.tcp?:
            transport = .tcp(sourcePort: pick(rule.sourcePorts, 40000), destinationPort: pick(rule.destinationPorts, 80))
        case IPProtocolNumber.udp?:
            transport = .udp(sourcePort: pick(rule.sourcePorts, 40000), destinationPort: pick(rule.destinationPorts, 53))
        case IPProtocolNumber.icmp?, IPProtocolNumber.icmpv6?:
            transport = .icmpEcho(identifier: 0x5fc, sequence: 1)
        default:
            return nil
        }
        return PacketSpec(endpoints: endpoints, transport: transport, dscp: rule.dscp ?? 0)
    }

    static func flowFields(_ spec: PacketSpec, ingress: Int) -> FlowFields {
        var proto: UInt8, sport: UInt16 = 0, dport: UInt16 = 0
        switch spec.transport {
        case .tcp(let s, let d): proto = IPProtocolNumber.tcp; sport = s; dport = d
        case .udp(let s, let d): proto = IPProtocolNumber.udp; sport = s; dport = d
        case .icmpEcho: proto = IPProtocolNumber.icmp
        }
        switch spec.endpoints {
        case .v4(let a, let b):
            return FlowFields(ipv4: a, b, proto: proto, sourcePort: sport, destinationPort: dport, dscp: spec.dscp,
                              ingress: UInt16(ingress))
        case .v6(let a, let b):
            if proto == IPProtocolNumber.icmp { proto = IPProtocolNumber.icmpv6 }
            return FlowFields(family: .ipv6, source: a, destination: b, proto: proto, sourcePort: sport,
                              destinationPort: dport, dscp: spec.dscp, ingress: UInt16(ingress))
        }
    }
}
