// rules: classifier match fields. A rule that can never match on its own
// (empty port range, ports without tcp/udp, mixed address families) is an
// error here; shadowing by other rules is RuleShadowing's job.
import SFCCore
import Yams

extension ChainFileParser {
    /// Built once: files can hold 100,000 rules.
    static let ruleKeys: Set<String> = ["name", "priority", "chain", "ingress", "protocol", "source", "destination",
                                        "source-port", "destination-port", "dscp"]

    func parseRule(_ node: Node) -> RuleSpec? {
        let errorsBefore = sink.errorCount
        guard let m = MappingReader(node, what: "rule", allowed: Self.ruleKeys, sink: sink) else { return nil }
        let name = m.name("name") ?? Located("rule-\(m.position.line)", at: m.position)
        let priority = m.int("priority", in: 0...1_000_000_000)?.value ?? 1000
        let chain = m.name("chain", required: true)
        let ingress = m.name("ingress")
        let proto = m.parsed("protocol", "protocol (tcp, udp, icmp, icmpv6 or 0..255)", ValueParsers.ipProtocol)
        let source = m.prefix("source")
        let destination = m.prefix("destination")
        let sourcePorts = portRange(m, "source-port")
        let destinationPorts = portRange(m, "destination-port")
        let dscp = m.int("dscp", in: 0...63)

        if let s = source, let d = destination, s.value.isIPv4 != d.value.isIPv4 {
            sink.error("rule '\(name.value)' can never match: source is \(family(s.value)) but destination is \(family(d.value))",
                       at: d.position)
        }
        if let p = proto, let prefix = source ?? destination {
            if p.value == IPProtocolNumber.icmpv6 && prefix.value.isIPv4 {
                sink.error("rule '\(name.value)' can never match: icmpv6 with IPv4 addresses", at: p.position)
            } else if p.value == IPProtocolNumber.icmp && !prefix.value.isIPv4 {
                sink.error("rule '\(name.value)' can never match: icmp (IPv4) with IPv6 addresses; use icmpv6", at: p.position)
            }
        }
        let carriesPorts = proto.map { $0.value == IPProtocolNumber.tcp || $0.value == IPProtocolNumber.udp }
        for ports in [sourcePorts, destinationPorts].compactMap({ $0 }) where carriesPorts != true {
            sink.error("rule '\(name.value)' can never match: ports need protocol tcp or udp", at: ports.position)
        }
        return RuleSpec(position: m.position, name: name, priority: priority, chain: chain, ingress: ingress,
                        proto: proto, source: source, destination: destination,
                        sourcePorts: sourcePorts, destinationPorts: destinationPorts,
                        dscp: dscp, fieldsValid: sink.errorCount == errorsBefore)
    }

    private func family(_ p: IPPrefix) -> String { p.isIPv4 ? "IPv4" : "IPv6" }

    private func portRange(_ m: MappingReader, _ key: String) -> Located<ClosedRange<UInt16>>? {
        guard let t = m.text(key, expected: "a port or a range") else { return nil }
        guard let bounds = ValueParsers.portRange(t.value) else {
            sink.error("bad port range '\(ScalarText.shortened(t.value))' for '\(key)': expected 0..65535 or LOW-HIGH",
                       at: t.position)
            return nil
        }
        guard bounds.lower <= bounds.upper else {
            sink.error("rule can never match: empty port range \(bounds.lower)-\(bounds.upper) for '\(key)'", at: t.position)
            return nil
        }
        return Located(UInt16(bounds.lower)...UInt16(bounds.upper), at: t.position)
    }
}
