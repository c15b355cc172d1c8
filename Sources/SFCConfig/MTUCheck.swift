// Warns when encapsulation makes a packet that entered at full size larger
// than the MTU of a port the encapsulated packet leaves by.
//
// Overheads are EncapsulationOverhead's; the VXLAN-GPE part counts only
// towards peer ports.
// Unaware instances receive the bare packet, and a chain's end is after
// decapsulation (NSH) or a local decapsulating SID, so neither counts.
import SFCCore

struct MTUCheck {
    let config: CompiledConfig
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        for (index, chain) in config.chains.enumerated() where index < spec.chains.count {
            guard let (ingressMTU, ingressName) = ingress(of: index) else { continue }
            var reported: Set<PortIndex> = []
            for (port, overhead, what) in egresses(of: chain) where !reported.contains(port) && port < config.ports.count {
                let egress = config.ports[port]
                guard ingressMTU + overhead > egress.mtu else { continue }
                reported.insert(port)
                sink.warning("chain '\(chain.name)': a \(ingressMTU)-byte packet from port '\(ingressName)' grows by "
                             + "\(overhead) bytes of \(what) to \(ingressMTU + overhead) bytes, above the \(egress.mtu)-byte "
                             + "MTU of port '\(egress.name)'", at: spec.chains[index].position)
            }
        }
    }

    /// The largest packet that can enter the chain: the MTU of the ingress
    /// port of each rule that selects it, or of the largest untrusted port
    /// for rules without an ingress (and for chains no rule selects).
    private func ingress(of chain: ChainIndex) -> (Int, String)? {
        let untrusted = config.ports.filter { !$0.trusted }.max { $0.mtu < $1.mtu }
        var best: (Int, String)?
        var anyRule = false
        for rule in config.rules where rule.chain == chain {
            anyRule = true
            let port = rule.ingress.flatMap { $0 < config.ports.count ? config.ports[$0] : nil } ?? untrusted
            if let port = port, port.mtu > best?.0 ?? -1 { best = (port.mtu, port.name) }
        }
        if !anyRule, let port = untrusted { best = (port.mtu, port.name) }
        return best
    }

    private func egresses(of chain: ChainConfig) -> [(PortIndex, Int, String)] {
        var out: [(PortIndex, Int, String)] = []
        switch chain.encapsulation {
        case .nsh:
            let nsh = EncapsulationOverhead.nsh(chain.metadata)
            for hop in chain.hops where hop < config.functions.count {
                let function = config.functions[hop]
                guard function.kind == .nshAware else { continue }
                for instance in function.instances {
                    if let a = instance.attachment { out.append((a.port, nsh, "NSH")) }
                    if let p = instance.peer, p < config.peers.count {
                        out.append((config.peers[p].port, nsh + EncapsulationOverhead.vxlanGPE, "NSH over VXLAN-GPE"))
                    }
                }
            }
        case .srv6:
            let srv6 = EncapsulationOverhead.srv6(hops: chain.hops.count, reduced: chain.reduced, hmac: chain.hmacKeyID != nil)
            let what = chain.reduced ? "SRv6 (H.Encaps.Red)" : "SRv6 (H.Encaps)"
            for hop in chain.hops where hop < config.functions.count {
                let function = config.functions[hop]
                guard function.kind == .srAware else { continue }
                for instance in function.instances {
                    if let a = instance.attachment {
                        out.append((a.port, srv6, what))
                    } else if let sid = instance.sid, let route = route(to: sid) {
                        out.append((route.via.port, srv6, what))
                    }
                }
            }
            if case .segment(let sid) = chain.end, !(config.node.locator?.contains(sid) ?? false),
               let route = route(to: sid) {
                out.append((route.via.port, srv6, what))
            }
        }
        return out
    }

    private func route(to sid: IPv6Address) -> Route6? {
        config.routes6.filter { $0.prefix.contains(sid) }.max { $0.prefix.length < $1.prefix.length }
    }
}
