// The Prometheus text exposition format 0.0.4 of one MetricsSnapshot: what
// `GET /metrics` answers. One `# HELP` and one `# TYPE` line per family, then
// its samples; families in a fixed order (the `families` table), samples in
// config order, so two scrapes of the same state are the same text.
// Names follow the Prometheus conventions: `sfc_` prefix, base units
// (bytes, seconds), `_total` on counters, `_info` for the constant-1 gauge.
// Every family and label is listed in docs/METRICS.md.
import SFCCore

public enum PrometheusExposition {
    /// The Content-Type of the answer to a scrape.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    /// One metric family: its name, type, labels (besides `le` of histograms) and HELP text.
    public struct Family: Sendable, Equatable {
        public let name: String
        public let type: MetricType
        public let labels: [String]
        public let help: String
    }

    package static let info = Family(name: "sfc_dataplane_info", type: .gauge, labels: ["node", "dataplane"],
                             help: "Always 1; the dataplane this forwarder runs (dpdk or xdp).")
    package static let generation = Family(name: "sfc_config_generation", type: .gauge, labels: ["node"],
                                   help: "Generation of the configuration in force (+1 per applied reload).")
    package static let portPackets = Family(name: "sfc_port_packets_total", type: .counter, labels: ["node", "port", "direction"],
                                    help: "Packets received (direction=rx) and sent (direction=tx) on each port.")
    package static let portBytes = Family(name: "sfc_port_bytes_total", type: .counter, labels: ["node", "port", "direction"],
                                  help: "Bytes sent on each port (direction=tx; received bytes are not counted).")
    package static let chainPackets = Family(name: "sfc_chain_packets_total", type: .counter, labels: ["node", "chain"],
                                     help: "Packets the classifier put on each chain.")
    package static let chainBytes = Family(name: "sfc_chain_bytes_total", type: .counter, labels: ["node", "chain"],
                                   help: "Bytes of the packets the classifier put on each chain.")
    package static let hopPackets = Family(name: "sfc_hop_packets_total", type: .counter, labels: ["node", "chain", "hop", "function"],
                                   help: "Packets sent to each hop of each chain (hop = 1-based position); hop=\"end\" counts deliveries at the end of the chain.")
    package static let instancePackets = Family(name: "sfc_instance_packets_total", type: .counter, labels: ["node", "function", "instance"],
                                        help: "Packets sent to each instance of each function.")
    package static let instanceState = Family(name: "sfc_instance_state", type: .gauge, labels: ["node", "function", "instance", "state"],
                                      help: "1 for the state each instance is in (up, drain, down), 0 for the others.")
    package static let instanceTransitions = Family(name: "sfc_instance_state_changes_total", type: .counter, labels: ["node", "function", "instance"],
                                            help: "Times each instance changed state (probes or an operator).")
    package static let events = Family(name: "sfc_events_total", type: .counter, labels: ["node", "event"],
                               help: "Node events that are neither traffic nor drops: flow affinity (new, expired, evicted, moved), hops bypassed failing open, probe replies, NSH proxy slots overwritten and headers rebuilt.")
    package static let drops = Family(name: "sfc_drops_total", type: .counter, labels: ["node", "reason"],
                              help: "Packets dropped, by reason; every packet dropped is counted under exactly one reason.")
    package static let reloads = Family(name: "sfc_reloads_total", type: .counter, labels: ["node", "result"],
                                help: "Configuration reloads by result: ok (applied), invalid (refused by validation), failed (valid but not applied).")
    package static let steeringRules = Family(name: "sfc_steering_rules", type: .gauge, labels: ["node"],
                                      help: "Steering rules in force.")
    package static let workerPackets = Family(name: "sfc_worker_packets_total", type: .counter, labels: ["node", "worker"],
                                      help: "Packets processed by each worker (lcoreN for DPDK, cpuN for XDP).")
    package static let workerBusy = Family(name: "sfc_worker_busy_ratio", type: .gauge, labels: ["node", "worker"],
                                   help: "Share of its recent time each worker spent processing packets rather than polling empty (0 to 1).")
    package static let traceDropped = Family(name: "sfc_trace_records_dropped_total", type: .counter, labels: ["node"],
                                     help: "Packet trace records lost because the trace buffer was full (the packets themselves were not).")
    package static let reloadDuration = Family(name: "sfc_reload_duration_seconds", type: .histogram, labels: ["node"],
                                       help: "Time from a reload request to every worker running the new generation.")
    package static let steerApplyDuration = Family(name: "sfc_steer_apply_duration_seconds", type: .histogram, labels: ["node"],
                                           help: "Time from a steering change being accepted to it being in force in the dataplane.")

    package static let connections = Family(name: "sfc_control_connections", type: .gauge, labels: ["node", "listener"],
                                    help: "Connections open now on the control socket (listener=control) and the metrics listener (listener=metrics).")
    package static let connectionsClosed = Family(name: "sfc_control_connections_closed_total", type: .counter,
                                          labels: ["node", "listener", "reason"],
                                          help: "Connections the listener closed itself: reason=full (accepted while its maximum were open), reason=idle (nothing asked for its idle time).")

    /// Every family render can write, in the order it writes them. A family
    /// without a sample (no worker measured its busy ratio, say) is left out.
    public static let families: [Family] = [
        info, generation, portPackets, portBytes, chainPackets, chainBytes, hopPackets, instancePackets, instanceState,
        instanceTransitions, events, drops,
        reloads, steeringRules, workerPackets, workerBusy, traceDropped, reloadDuration, steerApplyDuration,
        connections, connectionsClosed,
    ]

    public static func render(_ s: MetricsSnapshot) -> String {
        let l = Samples(node: s.node)
        var w = Writer()
        let config = s.tables.config
        let c = s.counters

        w.family(info, [l.sample(["dataplane": s.dataplane], 1.0)])
        w.family(generation, [l.sample([:], s.generation)])

        var rxtx: [String] = [], txBytes: [String] = []
        for (p, port) in config.ports.enumerated() {
            rxtx.append(l.sample(["port": port.name, "direction": "rx"], c.rxPackets[safe: p]))
            rxtx.append(l.sample(["port": port.name, "direction": "tx"], c.txPackets[safe: p]))
            txBytes.append(l.sample(["port": port.name, "direction": "tx"], c.txBytes[safe: p]))
        }
        w.family(portPackets, rxtx)
        w.family(portBytes, txBytes)

        let chains = s.tables.chains
        w.family(chainPackets, chains.enumerated().map { i, chain in l.sample(["chain": chain.config.name], c.chainPackets[safe: i]) })
        w.family(chainBytes, chains.enumerated().map { i, chain in l.sample(["chain": chain.config.name], c.chainBytes[safe: i]) })

        var hops: [String] = []
        for (i, chain) in chains.enumerated() {
            let base = s.tables.hopCounterBase[safe: i] ?? 0
            for (k, f) in chain.config.hops.enumerated() {
                let function = s.tables.functions[safe: f]?.config.name ?? ""
                hops.append(l.sample(["chain": chain.config.name, "hop": String(k + 1), "function": function],
                                     c.hopPackets[safe: base + k]))
            }
            hops.append(l.sample(["chain": chain.config.name, "hop": "end"], c.hopPackets[safe: base + chain.config.hops.count]))
        }
        w.family(hopPackets, hops)

        var instances: [String] = []
        for (f, function) in s.tables.functions.enumerated() {
            let base = s.tables.instanceCounterBase[safe: f] ?? 0
            for (i, instance) in function.config.instances.enumerated() {
                instances.append(l.sample(["function": function.config.name, "instance": instance.name],
                                          c.instancePackets[safe: base + i]))
            }
        }
        w.family(instancePackets, instances)

        var states: [String] = [], changes: [String] = []
        for function in s.tables.functions {
            for instance in function.config.instances {
                let known = s.instanceStates[function.config.name]?[instance.name]
                for state in InstanceState.allCases {
                    states.append(l.sample(["function": function.config.name, "instance": instance.name, "state": state.rawValue],
                                           Double((known?.state ?? .up) == state ? 1 : 0)))
                }
                changes.append(l.sample(["function": function.config.name, "instance": instance.name], known?.transitions ?? 0))
            }
        }
        w.family(instanceState, states)
        w.family(instanceTransitions, changes)
        w.family(events, NodeEvent.allCases.map { l.sample(["event": $0.name], c.events[safe: Int($0.rawValue)]) })

        w.family(drops, DropReason.allCases.map { l.sample(["reason": $0.name], c.drops[safe: Int($0.rawValue)]) })

        let results = MetricsSnapshot.reloadResults + s.reloads.keys.filter { !MetricsSnapshot.reloadResults.contains($0) }.sorted()
        w.family(reloads, results.map { l.sample(["result": $0], s.reloads[$0] ?? 0) })
        w.family(steeringRules, [l.sample([:], Double(s.steeringRules))])

        w.family(workerPackets, s.workers.map { l.sample(["worker": $0.worker], $0.packets) })
        w.family(workerBusy, s.workers.compactMap { row in row.busyRatio.map { l.sample(["worker": row.worker], $0) } })
        w.family(traceDropped, [l.sample([:], s.traceRecordsDropped)])

        w.histogram(reloadDuration, s.reloadDuration, l)
        w.histogram(steerApplyDuration, s.steerApplyDuration, l)

        w.family(connections, s.listeners.map { l.sample(["listener": $0.listener], Double($0.connections.open)) })
        w.family(connectionsClosed, s.listeners.flatMap { row in
            [l.sample(["listener": row.listener, "reason": "full"], row.connections.refusedFull),
             l.sample(["listener": row.listener, "reason": "idle"], row.connections.closedIdle)]
        })
        return w.out
    }

    // MARK: - The format's escaping and numbers

    /// A label value as it goes between the quotes: `\` `"` and newline escaped.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        for ch in value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// HELP text: `\` and newline escaped.
    public static func escapeHelp(_ text: String) -> String {
        text.replacingAll("\\", "\\\\").replacingAll("\n", "\\n")
    }

    /// A sample value as the format (Go's ParseFloat) reads it: integers
    /// without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9.007_199_254_740_992e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Label sets and sample lines (after the metric name) of one node.
    package struct Samples {
        let nodeLabel: String

        init(node: String) { nodeLabel = "node=\"\(PrometheusExposition.escapeLabelValue(node))\"" }

        /// `{node="...",k="v",...}`, labels after node in the family's order.
        func labels(_ extra: KeyValuePairs<String, String>) -> String {
            var text = "{" + nodeLabel
            for (k, v) in extra { text += ",\(k)=\"\(PrometheusExposition.escapeLabelValue(v))\"" }
            return text + "}"
        }

        func sample(_ extra: KeyValuePairs<String, String>, _ value: UInt64?) -> String {
            labels(extra) + " " + String(value ?? 0)
        }

        func sample(_ extra: KeyValuePairs<String, String>, _ value: Double) -> String {
            labels(extra) + " " + PrometheusExposition.formatValue(value)
        }
    }

    package struct Writer {
        var out = ""

        mutating func header(_ f: Family) {
            out += "# HELP \(f.name) \(PrometheusExposition.escapeHelp(f.help))\n# TYPE \(f.name) \(f.type.rawValue)\n"
        }

        /// HELP, TYPE, then each sample (labels and value) after the name; nothing without samples.
        mutating func family(_ f: Family, _ samples: [String]) {
            guard !samples.isEmpty else { return }
            header(f)
            for s in samples { out += f.name + s + "\n" }
        }

        mutating func histogram(_ f: Family, _ h: LatencyHistogram, _ l: Samples) {
            let labels = l.labels
            header(f)
            let cumulative = h.cumulativeCounts
            for (i, bound) in h.bounds.enumerated() {
                out += "\(f.name)_bucket\(labels(["le": PrometheusExposition.formatValue(bound)])) \(cumulative[i])\n"
            }
            out += "\(f.name)_bucket\(labels(["le": "+Inf"])) \(h.count)\n"
            out += "\(f.name)_sum\(labels([:])) \(PrometheusExposition.formatValue(h.sum))\n"
            out += "\(f.name)_count\(labels([:])) \(h.count)\n"
        }
    }
}

extension Array {
    /// The element at `i`, nil out of range: a counter block shorter than its
    /// table set shows 0 rather than stopping the daemon on a scrape.
    fileprivate subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

extension String {
    fileprivate func replacingAll(_ target: Unicode.Scalar, _ replacement: String) -> String {
        guard unicodeScalars.contains(target) else { return self }
        var out = ""
        for ch in unicodeScalars { if ch == target { out += replacement } else { out.unicodeScalars.append(ch) } }
        return out
    }
}
