// Rule specs -> ClassifierRules in precedence order. A rule that names no
// prefix and no family-specific protocol (icmp, icmpv6) matches both IPv4 and
// IPv6, so it compiles to two rules, IPv4 first, with the same name and
// priority.
import SFCCore

struct RuleCompiler {
    let spec: ChainFileSpec
    let names: NameTables

    struct Compiled {
        var rule: ClassifierRule
        /// Index into spec.rules, for positions in diagnostics.
        var specIndex: Int
    }

    /// Rules whose fields all parsed, sorted by (priority, file order).
    /// Unknown chain or ingress names compile to -1: the result is only used
    /// for analysis then, never returned to callers.
    func compile() -> [Compiled] {
        var out: [Compiled] = []
        out.reserveCapacity(spec.rules.count)
        // Steering rules (their positions name their own text) get watch slots
        // in the order given; both families of one rule share its slot.
        var watch = 0
        for (index, rule) in spec.rules.enumerated() where rule.fieldsValid {
            let slot = rule.position.file == nil ? -1 : watch
            if slot >= 0 { watch += 1 }
            for family in families(of: rule) {
                var compiled = makeRule(rule, family: family)
                compiled.watchSlot = slot < SharedSpec.SFC_MAX_WATCHED_RULES ? slot : -1
                out.append(Compiled(rule: compiled, specIndex: index))
            }
        }
        // Stable: ties keep file order (and IPv4 before IPv6 within a rule).
        // Sorts indices, not the rules: moving 100,000 ClassifierRules (names,
        // prefixes...) around a sort costs more than the comparisons.
        let priorities = out.map(\.rule.priority)
        let order = out.indices.sorted { a, b in (priorities[a], a) < (priorities[b], b) }
        return order.map { out[$0] }
    }

    private func families(of rule: RuleSpec) -> [ClassifierRule.Family] {
        if let prefix = rule.source ?? rule.destination { return [prefix.value.isIPv4 ? .ipv4 : .ipv6] }
        switch rule.proto?.value {
        case IPProtocolNumber.icmp?: return [.ipv4]
        case IPProtocolNumber.icmpv6?: return [.ipv6]
        default: return [.ipv4, .ipv6]
        }
    }

    private func makeRule(_ spec: RuleSpec, family: ClassifierRule.Family) -> ClassifierRule {
        var rule = ClassifierRule(
            name: spec.name.value, priority: spec.priority,
            chain: spec.chain.flatMap { names.chains.indices[$0.value] } ?? -1, family: family,
            proto: spec.proto?.value,
            sourcePorts: spec.sourcePorts?.value ?? 0...65535,
            destinationPorts: spec.destinationPorts?.value ?? 0...65535,
            dscp: spec.dscp.map { UInt8($0.value) },
            ingress: spec.ingress.map { names.ports.indices[$0.value] ?? -1 })
        switch spec.source?.value {
        case .v4(let p)?: rule.source4 = p
        case .v6(let p)?: rule.source6 = p
        case nil: break
        }
        switch spec.destination?.value {
        case .v4(let p)?: rule.destination4 = p
        case .v6(let p)?: rule.destination6 = p
        case nil: break
        }
        return rule
    }
}
