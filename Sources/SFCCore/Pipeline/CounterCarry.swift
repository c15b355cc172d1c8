// Counters across a reload. Counter arrays are laid out by position (port,
// chain, hop, instance indices of one ForwardingTables); a new generation
// may add, remove or reorder them. What still exists keeps its count,
// matched by name: a port by its name, a chain by its name, a hop by
// (chain, position, function), a chain's deliveries by its chain, an
// instance by (function, instance). Drop reasons are one fixed list.

public extension Counters {
    /// These counters (laid out for `from`) in the layout of `to`; what `to`
    /// no longer has is left behind, what it adds starts at 0.
    func carried(from old: ForwardingTables, to new: ForwardingTables) -> Counters {
        var out = Counters(tables: new)
        out.drops = drops
        out.events = events
        let oldPorts = Dictionary(old.ports.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (p, port) in new.ports.enumerated() {
            guard let q = oldPorts[port.name], q < rxPackets.count else { continue }
            out.rxPackets[p] = rxPackets[q]; out.txPackets[p] = txPackets[q]; out.txBytes[p] = txBytes[q]
        }
        let oldChains = Dictionary(old.chains.enumerated().map { ($0.element.config.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (c, chain) in new.chains.enumerated() {
            guard let d = oldChains[chain.config.name], d < chainPackets.count else { continue }
            out.chainPackets[c] = chainPackets[d]; out.chainBytes[c] = chainBytes[d]
            let oldChain = old.chains[d].config
            let newBase = new.hopCounterBase[c], oldBase = old.hopCounterBase[d]
            for (k, f) in chain.config.hops.enumerated() where k < oldChain.hops.count {
                let name = new.functions[f].config.name
                guard old.functions[oldChain.hops[k]].config.name == name else { continue }
                out.hopPackets[newBase + k] = hopPackets[oldBase + k]
            }
            out.hopPackets[newBase + chain.config.hops.count] = hopPackets[oldBase + oldChain.hops.count]
        }
        let oldFunctions = Dictionary(old.functions.enumerated().map { ($0.element.config.name, $0.offset) },
                                      uniquingKeysWith: { a, _ in a })
        for (f, function) in new.functions.enumerated() {
            guard let g = oldFunctions[function.config.name] else { continue }
            let oldInstances = old.functions[g].config.instances
            for (i, instance) in function.config.instances.enumerated() {
                guard let j = oldInstances.firstIndex(where: { $0.name == instance.name }) else { continue }
                out.instancePackets[new.instanceCounterBase[f] + i] = instancePackets[old.instanceCounterBase[g] + j]
            }
        }
        // Steering rules by name (their slots follow the order they were added).
        let oldWatch = steeringRulePackets(old)
        for rule in new.classifier.rules where rule.watchSlot >= 0 && rule.watchSlot < out.watchPackets.count {
            if let n = oldWatch[rule.name] { out.watchPackets[rule.watchSlot] = n }
        }
        return out
    }
}
