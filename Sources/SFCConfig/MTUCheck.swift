// Warns when encapsulation makes a packet that entered at full size larger
// than the MTU of a port the encapsulated packet leaves by.
//
// Overhead, in bytes on top of the original IP packet:
// - NSH: 8 (base + service path header) + 16 (MD type 1) or the padded
//   TLVs (MD type 2). Towards a peer SFF add VXLAN-GPE 8 + UDP 8 + IPv4 20
//   + inner Ethernet 14.
// - SRv6: outer IPv6 40 + SRH 8 + 16 per segment, n = hops + 1 segments.
//   H.Encaps.Red leaves the first segment out of the SRH, and with a single
//   segment there is no SRH at all (RFC 8986 section 5.2).
// Unaware instances receive the bare packet, and a chain's end is after
// decapsulation (NSH) or a local decapsulating SID, so neither counts.
import SFCCore

struct MTUCheck {
    let config: CompiledConfig
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    static let vxlanGPEOverhead = 8 + 8 + 20 + 14

    static func nshOverhead(_ metadata: NSHMetadata) -> Int {
        switch metadata {
        case .type1: return 8 + 16
        case .type2(let tlvs): return 8 + tlvs.reduce(0) { $0 + 4 + ($1.value.count + 3) / 4 * 4 }
        }
    }

    static func srv6Overhead(hops: Int, reduced: Bool) -> Int {
        let segments = hops + 1
        if !reduced { return 40 + 8 + 16 * segments }
        return segments == 1 ? 40 : 40 + 8 + 16 * (segments - 1)
    }

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
            let nsh = MTUCheck.nshOverhead(chain.metadata)
            for hop in chain.hops where hop < config.functions.count {
                let function = config.functions[hop]
                guard function.kind == .nshAware else { continue }
                for instance in function.instances {
                    if let a = instance.attachment { out.append((a.port, nsh, "NSH")) }
                    if let p = instance.peer, p < config.peers.count {
                        out.append((config.peers[p].port, nsh + MTUCheck.vxlanGPEOverhead, "NSH over VXLAN-GPE"))
                    }
                }
            }
        case .srv6:
            let srv6 = MTUCheck.srv6Overhead(hops: chain.hops.count, reduced: chain.reduced)
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
