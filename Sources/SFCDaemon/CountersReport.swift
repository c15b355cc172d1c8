// Counters as an operator reads them: per port, per chain and hop, per
// instance, per drop reason. Text for terminals, a dictionary for JSON.
import SFCCore

public struct CountersReport {
    public let tables: ForwardingTables
    public let counters: Counters

    public init(tables: ForwardingTables, counters: Counters) {
        self.tables = tables; self.counters = counters
    }

    public var text: String {
        let config = tables.config
        var lines: [String] = ["ports:"]
        for (p, port) in config.ports.enumerated() {
            lines.append("  \(pad(port.name, 16)) rx \(pad(counters.rxPackets[p], 10)) tx \(pad(counters.txPackets[p], 10)) tx-bytes \(counters.txBytes[p])")
        }
        lines.append("chains:")
        for (c, chain) in tables.chains.enumerated() {
            let config = chain.config
            lines.append("  \(config.name) (spi \(config.spi), \(config.encapsulation.rawValue)): \(counters.chainPackets[c]) packets classified, \(counters.chainBytes[c]) bytes")
            let base = tables.hopCounterBase[c]
            for (k, f) in config.hops.enumerated() {
                let function = tables.functions[f].config
                let served = function.instances.enumerated().map { i, instance in
                    "\(instance.name) \(counters.instancePackets[tables.instanceCounterBase[f] + i])"
                }.joined(separator: ", ")
                lines.append("    hop \(k + 1) \(function.name): \(counters.hopPackets[base + k]) packets (instances: \(served))")
            }
            lines.append("    end: \(counters.hopPackets[base + config.hops.count]) delivered")
        }
        let steered = counters.steeringRulePackets(tables)
        if !steered.isEmpty {
            lines.append("steering rules:")
            for (name, n) in steered.sorted(by: { $0.key < $1.key }) { lines.append("  \(pad(name, 28)) \(n) packets classified") }
        }
        let drops = DropReason.allCases.filter { counters.drops($0) > 0 }
        lines.append(drops.isEmpty ? "drops: none" : "drops:")
        for reason in drops { lines.append("  \(pad(reason.name, 28)) \(counters.drops(reason))") }
        return lines.joined(separator: "\n") + "\n"
    }

    public var dictionary: [String: Any] {
        let config = tables.config
        var ports: [String: Any] = [:]
        for (p, port) in config.ports.enumerated() {
            ports[port.name] = ["rx": counters.rxPackets[p], "tx": counters.txPackets[p], "tx_bytes": counters.txBytes[p]]
        }
        var chains: [[String: Any]] = []
        for (c, chain) in tables.chains.enumerated() {
            let base = tables.hopCounterBase[c]
            let hops: [[String: Any]] = chain.config.hops.enumerated().map { k, f in
                let function = tables.functions[f].config
                var instances: [String: UInt64] = [:]
                for (i, instance) in function.instances.enumerated() {
                    instances[instance.name] = counters.instancePackets[tables.instanceCounterBase[f] + i]
                }
                return ["function": function.name, "packets": counters.hopPackets[base + k], "instances": instances]
            }
            chains.append(["name": chain.config.name, "spi": chain.config.spi, "packets": counters.chainPackets[c],
                           "bytes": counters.chainBytes[c], "hops": hops,
                           "delivered": counters.hopPackets[base + chain.config.hops.count]])
        }
        var drops: [String: UInt64] = [:]
        for reason in DropReason.allCases where counters.drops(reason) > 0 { drops[reason.name] = counters.drops(reason) }
        var object: [String: Any] = ["ports": ports, "chains": chains, "drops": drops]
        let steered = counters.steeringRulePackets(tables)
        if !steered.isEmpty { object["steering_rules"] = steered }
        return object
    }

    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
    func pad(_ n: UInt64, _ width: Int) -> String { pad(String(n), width) }
}
