// Warnings for definitions nothing refers to: usually a typo elsewhere or a
// leftover.
struct UsageCheck {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        var usedFunctions: Set<String> = []
        for chain in spec.chains { for hop in chain.hops { usedFunctions.insert(hop.value) } }
        for function in spec.functions {
            guard let name = function.name, !usedFunctions.contains(name.value) else { continue }
            sink.warning("function '\(name.value)' is not a hop of any chain", at: function.position)
        }

        var usedPorts: Set<String> = []
        func use(_ name: Located<String>?) { if let name = name { usedPorts.insert(name.value) } }
        spec.peers.forEach { use($0.port) }
        spec.routes.forEach { use($0.port) }
        spec.sids.forEach { use($0.port) }
        for function in spec.functions {
            for instance in function.instances { use(instance.port); use(instance.returnPort) }
        }
        spec.chains.forEach { use($0.end?.port) }
        spec.rules.forEach { use($0.ingress) }
        for port in spec.ports {
            guard let name = port.name, !usedPorts.contains(name.value) else { continue }
            sink.warning("port '\(name.value)' is not used by any peer, route, sid, instance, chain end or rule",
                         at: port.position)
        }
    }
}
