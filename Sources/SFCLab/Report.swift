// The report of a demo run: per chain, packets per hop (the forwarder's
// counters); what the firewall passed and dropped, what the inspection
// function saw, which load-balanced instance served which flow, what the
// kernel's SR-aware End did (all from the VNFs' own counters); the
// `chain-trace simulate` path of one real flow; and the checks that tie
// these numbers together. JSON and text carry the same content.
import Foundation
import SFCConfig
import SFCCore
import SFCTrace

public struct LabReport: Encodable, Sendable {
    public struct Hop: Codable, Sendable {
        public var function: String
        public var packets: Int
        /// The forwarder's per-instance counters (SRv6: counted at the head end, for every
        /// packet classified, as the instance is fixed in the segment list there).
        public var instances: [String: Int]
        /// Where `packets` comes from: the forwarder's hop counter, or (an SR-aware hop,
        /// which SRv6 reaches without any per-chain state here) the tx counter of its port.
        public var counter: String
    }
    public struct Chain: Codable, Sendable {
        public var name: String
        public var spi: Int
        public var encapsulation: String
        public var classified: Int
        public var hops: [Hop]
        public var delivered: Int
        public var deliveredCounter: String
    }
    public struct Flow: Codable, Sendable {
        public var flow: String
        public var packets: Int
        public var bytes: Int
    }
    public struct Firewall: Codable, Sendable {
        public var name: String
        public var allow: [String]
        /// Per interface (and the instance behind it): packets that reached the forward hook.
        public var received: [String: Int]
        public var passed: [String: Int]
        /// Per interface (and instance), what the rule set dropped.
        public var droppedBy: [String: Int]
        public var dropped: Int
        public var droppedFlows: [Flow]
    }
    public struct Inspection: Codable, Sendable {
        public var name: String
        public var protocols: [String: PacketCount]
        public var tcpConnections: Int
        public var flows: [Flow]
        public var total: Int
    }
    public struct Instance: Codable, Sendable {
        public var name: String
        public var namespace: String
        public var weight: Int
        public var forwarderPackets: Int
        public var seenPackets: Int
        public var flows: [Flow]
    }
    public struct LoadBalancing: Codable, Sendable {
        public var function: String
        public var instances: [Instance]
        /// Every flow the pair saw, and the instance(s) that saw it.
        public var flows: [String: [String]]
    }
    public struct SRAware: Codable, Sendable {
        public var name: String
        public var instance: String
        public var sid: String
        public var action: String
        public var packets: Int
        public var errors: Int
    }
    public struct NSHAware: Codable, Sendable {
        public var name: String
        public var instance: String
        /// Frames received per SPI, returned with SI - 1, refused (not NSH MD type 1, or SI 0).
        public var bySPI: [String: Int]
        public var seen: Int
        public var returned: Int
        public var refused: Int
        /// The (SPI, SI, TTL) each frame arrived with.
        public var paths: [[String: Int]]
    }
    public struct Simulation: Codable, Sendable {
        public var packet: String
        public var predictedInstance: String?
        public var observedInstance: String?
        public var text: String
    }
    public struct Check: Codable, Sendable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public var chainFile: String
    public var node: String
    public var dataplane: String
    public var traffic: TrafficResult
    public var chains: [Chain]
    public var ports: [String: [String: Int]]
    public var forwarderDrops: [String: Int]
    public var firewalls: [Firewall]
    public var inspections: [Inspection]
    public var loadBalancing: [LoadBalancing]
    public var srAware: [SRAware]
    public var nshAware: [NSHAware]
    public var simulation: Simulation?
    /// The steering story, when the lab has one (after the rest of the report).
    public var steering: SteeringResult?
    public var checks: [Check]
    public var ok: Bool { checks.allSatisfy(\.ok) }

    enum CodingKeys: String, CodingKey {
        case chainFile, node, dataplane, traffic, chains, ports, forwarderDrops, firewalls, inspections, loadBalancing, srAware,
             nshAware, simulation, steering, checks, ok
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(chainFile, forKey: .chainFile); try c.encode(node, forKey: .node); try c.encode(dataplane, forKey: .dataplane)
        try c.encode(traffic, forKey: .traffic); try c.encode(chains, forKey: .chains); try c.encode(ports, forKey: .ports)
        try c.encode(forwarderDrops, forKey: .forwarderDrops); try c.encode(firewalls, forKey: .firewalls)
        try c.encode(inspections, forKey: .inspections); try c.encode(loadBalancing, forKey: .loadBalancing)
        try c.encode(srAware, forKey: .srAware); try c.encode(nshAware, forKey: .nshAware)
        try c.encodeIfPresent(simulation, forKey: .simulation)
        try c.encodeIfPresent(steering, forKey: .steering)
        try c.encode(checks, forKey: .checks); try c.encode(ok, forKey: .ok)
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// Gathers the report once the traffic has run and the forwarder has stopped.
struct ReportBuilder {
    let plan: LabPlan
    let dataplane: Dataplane
    let traffic: TrafficResult
    let counters: [String: Any]
    /// What each stopped NSH-aware function wrote.
    let nshAware: [VNFSetup.NSHAwareProcess]

    func build() throws -> LabReport {
        let chains = forwarderChains()
        let ports = (counters["ports"] as? [String: [String: Any]] ?? [:]).mapValues { $0.compactMapValues { $0 as? Int } }
        let drops = (counters["drops"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
        let firewalls = try plan.vnfs(of: .firewall).map(firewall)
        let inspections = try plan.vnfs(of: .inspect).map(inspection)
        let balancing = try loadBalancing(chains)
        let sr = try plan.vnfs(of: .seg6local).flatMap(srAware)
        let aware = try nshAware.map(nshAwareStats)
        let simulation = simulate(balancing)
        var report = LabReport(chainFile: plan.chainFile, node: plan.node, dataplane: dataplane.rawValue, traffic: traffic,
                               chains: chains, ports: ports, forwarderDrops: drops, firewalls: firewalls,
                               inspections: inspections, loadBalancing: balancing, srAware: sr, nshAware: aware,
                               simulation: simulation, checks: [])
        report.checks = LabChecks(plan: plan, report: report).run()
        return report
    }

    /// tx packets of the forwarder port `index`, if no other chain, instance or SID sends out of it.
    func dedicatedPortTX(_ index: Int, _ ports: [String: [String: Int]]) -> (name: String, tx: Int)? {
        let name = plan.config.ports[index].name
        let users = plan.config.functions.flatMap(\.instances).filter { $0.attachment?.port == index }.count
            + plan.config.sids.filter { $0.via?.port == index }.count
            + plan.config.chains.filter { if case .deliver(let a) = $0.end { a.port == index } else { false } }.count
            + plan.config.routes4.filter { $0.via.port == index }.count + plan.config.routes6.filter { $0.via.port == index }.count
        guard users == 1, let tx = ports[name]?["tx"] else { return nil }
        return (name, tx)
    }

    func forwarderChains() -> [LabReport.Chain] {
        let ports = (counters["ports"] as? [String: [String: Any]] ?? [:]).mapValues { $0.compactMapValues { $0 as? Int } }
        return (counters["chains"] as? [[String: Any]] ?? []).map { c in
            let name = c["name"] as? String ?? "?"
            let config = plan.config.chains.first { $0.name == name }
            let encapsulation = config?.encapsulation.rawValue ?? "?"
            let hops = (c["hops"] as? [[String: Any]] ?? []).enumerated().map { k, h in
                var hop = LabReport.Hop(function: h["function"] as? String ?? "?", packets: h["packets"] as? Int ?? 0,
                                        instances: (h["instances"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int },
                                        counter: "forwarder hop counter")
                // SRv6 is stateless between this node's SIDs: a packet on its way to an
                // SR-aware function is not attributed to a hop; its port's tx counter is.
                if let config, config.encapsulation == .srv6, k < config.hops.count,
                   plan.config.functions[config.hops[k]].kind == .srAware {
                    let attached = plan.config.functions[config.hops[k]].instances.compactMap { $0.attachment?.port }
                    let tx = attached.compactMap { dedicatedPortTX($0, ports) }
                    if tx.count == attached.count, !tx.isEmpty {
                        hop.packets = tx.reduce(0) { $0 + $1.tx }
                        hop.counter = "tx of port " + tx.map(\.name).joined(separator: ", ")
                    }
                }
                return hop
            }
            var delivered = c["delivered"] as? Int ?? 0, deliveredCounter = "forwarder chain counter"
            // The forwarder counts an SRv6 chain's deliveries at its own
            // End.DX*/DT* SID only when no other chain ends there; for a
            // shared one, its port's tx counter stands in.
            func chainsEnding(at sid: IPv6Address) -> Int {
                plan.config.chains.filter { if case .segment(let s) = $0.end { s == sid } else { false } }.count
            }
            if let config, config.encapsulation == .srv6, case .segment(let sid) = config.end, chainsEnding(at: sid) > 1,
               let local = plan.config.sids.first(where: { $0.sid == sid }), let via = local.via,
               let tx = dedicatedPortTX(via.port, ports) {
                delivered = tx.tx
                deliveredCounter = "tx of port \(tx.name) (\(local.behavior.rawValue) \(sid))"
            }
            return LabReport.Chain(name: name, spi: c["spi"] as? Int ?? 0, encapsulation: encapsulation,
                                   classified: c["packets"] as? Int ?? 0, hops: hops, delivered: delivered,
                                   deliveredCounter: deliveredCounter)
        }
    }

    func firewall(_ vnf: LabPlan.VNFPlan) throws -> LabReport.Firewall {
        let counters = try Readout.nftCounters(vnf.namespace, table: VNFSetup.firewallTable)
        var received: [String: Int] = [:]
        var droppedBy: [String: Int] = [:]
        for link in vnf.links {
            received[link.link.instance] = counters["in_\(link.interface)"]?.packets ?? 0
            droppedBy[link.link.instance] = counters["dropped_\(link.interface)"]?.packets ?? 0
        }
        var passed: [String: Int] = ["established": counters["established"]?.packets ?? 0]
        for allow in vnf.vnf.allow { passed[allow.description] = counters[VNFSetup.counterName(allow)]?.packets ?? 0 }
        let flows = try Readout.nftSet(vnf.namespace, table: VNFSetup.firewallTable, set: "dropped_flows")
            + Readout.nftSet(vnf.namespace, table: VNFSetup.firewallTable, set: "dropped_other")
        return .init(name: vnf.vnf.name, allow: vnf.vnf.allow.map(\.description), received: received, passed: passed,
                     droppedBy: droppedBy,
                     dropped: droppedBy.values.reduce(0, +) + (counters["dropped_other_interfaces"]?.packets ?? 0),
                     droppedFlows: flows.map { .init(flow: Readout.flowName($0.key), packets: $0.count.packets, bytes: $0.count.bytes) }
                        .sorted { $0.flow < $1.flow })
    }

    func observedFlows(_ ns: String) throws -> [LabReport.Flow] {
        let flows = try Readout.nftSet(ns, table: VNFSetup.observerTable, set: "flows")
            + Readout.nftSet(ns, table: VNFSetup.observerTable, set: "icmp_flows")
        return flows.map { .init(flow: Readout.flowName($0.key), packets: $0.count.packets, bytes: $0.count.bytes) }
            .sorted { $0.flow < $1.flow }
    }

    func inspection(_ vnf: LabPlan.VNFPlan) throws -> LabReport.Inspection {
        let counters = try Readout.nftCounters(vnf.namespace, table: VNFSetup.observerTable)
        var protocols: [String: PacketCount] = [:]
        for name in ["icmp", "tcp", "udp", "other"] { protocols[name] = counters["proto_" + name] ?? PacketCount() }
        return .init(name: vnf.vnf.name, protocols: protocols, tcpConnections: counters["tcp_syn"]?.packets ?? 0,
                     flows: try observedFlows(vnf.namespace), total: protocols.values.reduce(0) { $0 + $1.packets })
    }

    /// Functions whose instances are served by `forward` VNFs, two or more instances.
    func loadBalancing(_ chains: [LabReport.Chain]) throws -> [LabReport.LoadBalancing] {
        var result: [LabReport.LoadBalancing] = []
        for function in plan.config.functions where function.instances.count > 1 {
            var instances: [LabReport.Instance] = []
            var flows: [String: [String]] = [:]
            for instance in function.instances {
                guard let vnf = plan.vnfs.first(where: { v in v.vnf.kind.isRouter && v.links.contains { $0.link.instance == instance.name } })
                else { continue }
                let counters = try Readout.nftCounters(vnf.namespace, table: VNFSetup.observerTable)
                let seen = ["icmp", "tcp", "udp", "other"].reduce(0) { $0 + (counters["proto_" + $1]?.packets ?? 0) }
                let forwarder = chains.flatMap(\.hops).filter { $0.function == function.name }
                    .reduce(0) { $0 + ($1.instances[instance.name] ?? 0) }
                let observed = try observedFlows(vnf.namespace)
                for f in observed { flows[f.flow, default: []].append(instance.name) }
                instances.append(.init(name: instance.name, namespace: vnf.namespace, weight: instance.weight,
                                       forwarderPackets: forwarder, seenPackets: seen, flows: observed))
            }
            if !instances.isEmpty { result.append(.init(function: function.name, instances: instances, flows: flows)) }
        }
        return result
    }

    func srAware(_ vnf: LabPlan.VNFPlan) throws -> [LabReport.SRAware] {
        try vnf.links.compactMap { link in
            guard let sid = link.link.sid else { return nil }
            let (count, errors) = try Readout.seg6local(vnf.namespace, sid: sid.description)
            return .init(name: vnf.vnf.name, instance: link.link.instance, sid: sid.description, action: vnf.vnf.action ?? "End",
                         packets: count.packets, errors: errors)
        }
    }

    func nshAwareStats(_ f: VNFSetup.NSHAwareProcess) throws -> LabReport.NSHAware {
        guard let text = try? String(contentsOfFile: f.stats, encoding: .utf8), let stats = Shell.json(text) as? [String: Any] else {
            throw LabError("\(f.vnf.vnf.name): nsh_aware_sf.py wrote no statistics (\(f.stats)):\n\(f.process.stderr.suffix(1000))")
        }
        let bySPI = (stats["by_spi"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
        return .init(name: f.vnf.vnf.name, instance: f.link.link.instance, bySPI: bySPI, seen: bySPI.values.reduce(0, +),
                     returned: stats["returned"] as? Int ?? 0, refused: stats["refused"] as? Int ?? 0,
                     paths: (stats["paths"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? Int } })
    }

    /// `chain-trace simulate` of one real flow: the first transfer's TCP flow as
    /// the load-balanced pair saw it (its real source port), else a made-up one.
    func simulate(_ balancing: [LabReport.LoadBalancing]) -> LabReport.Simulation? {
        guard let from = plan.host(traffic.from) else { return nil }
        var packet = "icmp \(traffic.fromAddress) -> \(traffic.toAddress)"
        var observed: String?
        let all = balancing.flatMap { b in b.instances.flatMap { i in i.flows.map { (i.name, $0.flow) } } }
        if let port = traffic.transfers.first?.port,
           let hit = all.first(where: { $0.1.hasPrefix("tcp \(traffic.fromAddress):") && $0.1.hasSuffix(" -> \(traffic.toAddress):\(port)") }) {
            packet = hit.1
            observed = hit.0
        } else if let hit = all.first(where: { $0.1 == packet }) {
            observed = hit.0
        }
        let text = SimulateCommand.run(SimulateOptions(config: plan.chainFile, ingress: from.host.port, packet: packet))
        let json = SimulateCommand.run(SimulateOptions(config: plan.chainFile, ingress: from.host.port, packet: packet, json: true))
        let lbInstances = Set(balancing.flatMap { $0.instances.map(\.name) })
        let hops = (Shell.json(json.stdout) as? [String: Any])?["hops"] as? [[String: Any]] ?? []
        let predicted = hops.compactMap { $0["node"] as? String }.first { lbInstances.contains($0) }
        return .init(packet: packet, predictedInstance: predicted, observedInstance: observed,
                     text: text.exitCode == 0 ? text.stdout : text.stdout + text.stderr)
    }
}
