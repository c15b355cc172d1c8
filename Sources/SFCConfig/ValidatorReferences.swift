// Every name a file refers to (ports, peers, functions, chains) must be
// defined; node settings must be present when something needs them.
import SFCCore

struct ValidatorReferences {
    let spec: ChainFileSpec
    let names: NameTables
    let sink: DiagnosticSink

    func run() {
        for peer in spec.peers { names.ports.resolve(peer.port, sink: sink, from: "peer") }
        for route in spec.routes { names.ports.resolve(route.port, sink: sink, from: "route") }
        for sid in spec.sids { names.ports.resolve(sid.port, sink: sink, from: "sid") }
        for function in spec.functions {
            for instance in function.instances {
                names.ports.resolve(instance.port, sink: sink, from: "instance")
                names.ports.resolve(instance.returnPort, sink: sink, from: "instance")
                names.peers.resolve(instance.peer, sink: sink, from: "instance")
            }
        }
        for chain in spec.chains {
            for hop in chain.hops { names.functions.resolve(hop, sink: sink, from: "hops") }
            names.ports.resolve(chain.end?.port, sink: sink, from: "chain end")
        }
        for rule in spec.rules {
            names.chains.resolve(rule.chain, sink: sink, from: "rule '\(rule.name.value)'")
            names.ports.resolve(rule.ingress, sink: sink, from: "rule '\(rule.name.value)'")
        }
        checkNodeRequirements()
    }

    /// srv6-source, ipv4 and locator are optional unless something uses them.
    private func checkNodeRequirements() {
        guard let node = spec.node else { return }
        if node.srv6Source == nil,
           let chain = spec.chains.first(where: { $0.encapsulation?.value == .srv6 }) {
            sink.error("missing key 'srv6-source' in node: chain '\(chain.name?.value ?? "?")' uses srv6", at: node.position)
        }
        if node.ipv4 == nil,
           let instance = spec.functions.lazy.flatMap(\.instances).first(where: { $0.peer != nil }) {
            sink.error("missing key 'ipv4' in node: instance '\(instance.name?.value ?? "?")' sits behind a peer "
                       + "(VXLAN-GPE needs a source address)", at: node.position)
        }
        if let probed = spec.functions.first(where: { $0.kind?.value == .srAware && $0.health != nil }), node.probeSID == nil {
            sink.error("missing key 'probe-sid' in node: sr-aware function '\(probed.name?.value ?? "?")' is health-checked, "
                       + "and its probes return to the node's probe SID (a SID inside the locator)", at: node.position)
        }
        if node.srv6Source == nil, let probe = node.probeSID {
            sink.error("missing key 'srv6-source' in node: the probes to sr-aware functions need it as their source",
                       at: probe.position)
        }
        if node.locator == nil {
            let proxySID = spec.functions.contains { f in f.kind?.value == .srUnaware && f.instances.contains { $0.sid != nil } }
            if !spec.sids.isEmpty || proxySID || node.probeSID != nil {
                sink.error("missing key 'locator' in node: the file defines local SIDs", at: node.position)
            }
        }
    }
}

/// Routes: one per prefix.
struct ValidatorRoutes {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        var seen4: [IPv4Prefix: Int] = [:]
        var seen6: [IPv6Prefix: Int] = [:]
        for route in spec.routes {
            guard let p = route.prefix else { continue }
            let line = p.position.line
            var first: Int?
            switch p.value {
            case .v4(let v4): first = seen4[v4]; if first == nil { seen4[v4] = line }
            case .v6(let v6): first = seen6[v6]; if first == nil { seen6[v6] = line }
            }
            if let first = first {
                sink.error("duplicate route for \(describe(p.value)) (first at line \(first))", at: p.position)
            }
        }
    }

    private func describe(_ p: IPPrefix) -> String {
        switch p { case .v4(let v): return v.description; case .v6(let v): return v.description }
    }
}
