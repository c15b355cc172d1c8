// Warnings for traffic a valid file would still lose: encapsulated packets
// coming back on an untrusted port (dropped there, RFC 8300 s8.1 /
// RFC 8754 s5.1), and rules whose address family the chain's decapsulating
// end cannot deliver (End.DX4/DT4 take IPv4 only, End.DX6/DT6 IPv6 only).
import SFCCore

struct DeliveryCheck {
    let config: CompiledConfig
    let spec: ChainFileSpec
    let rules: [RuleCompiler.Compiled]
    let sink: DiagnosticSink

    func run() {
        checkReturnPortsAreTrusted()
        checkRuleFamiliesMatchChainEnds()
    }

    private func untrusted(_ name: Located<String>?) -> Located<String>? {
        guard let name, let index = config.portIndex(named: name.value), !config.ports[index].trusted else { return nil }
        return name
    }

    private func checkReturnPortsAreTrusted() {
        for peer in spec.peers {
            if let port = untrusted(peer.port) {
                sink.warning("VXLAN-GPE from peer '\(peer.name?.value ?? "?")' arrives on port '\(port.value)', which is "
                             + "untrusted: it would be dropped; mark the port trusted", at: port.position)
            }
        }
        for function in spec.functions {
            guard let kind = function.kind?.value, kind == .nshAware || kind == .srAware else { continue }
            for instance in function.instances {
                guard let port = untrusted(instance.port) else { continue }
                let what = kind == .nshAware ? "NSH" : "SRv6"
                sink.warning("\(what) coming back from instance '\(instance.name?.value ?? "?")' on port '\(port.value)' "
                             + "would be dropped: the port is untrusted; mark it trusted", at: port.position)
            }
        }
    }

    private func checkRuleFamiliesMatchChainEnds() {
        var warned: Set<Int> = []
        for compiled in rules {
            let rule = compiled.rule
            guard rule.chain >= 0, rule.chain < config.chains.count, !warned.contains(compiled.specIndex),
                  case .segment(let end) = config.chains[rule.chain].end,
                  let behavior = config.sids.first(where: { $0.sid == end })?.behavior else { continue }
            // A decapsulating end delivers the inner families its behaviour accepts.
            guard behavior.action.decapsulates else { continue }
            guard !behavior.inner.contains(rule.family == .ipv4 ? .ipv4 : .ipv6) else { continue }
            warned.insert(compiled.specIndex)
            let given = spec.rules[compiled.specIndex]
            let chain = config.chains[rule.chain].name
            let family = rule.family == .ipv4 ? "IPv4" : "IPv6"
            let hint = given.source == nil && given.destination == nil ? " (a rule without prefixes matches both families)" : ""
            sink.warning("rule '\(given.name.value)' sends \(family) to chain '\(chain)', which ends on \(behavior.rawValue) "
                         + "and would drop it\(hint)", at: given.chain?.position ?? given.position)
        }
    }
}
