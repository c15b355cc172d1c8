// The checks that tie the report's numbers together: the traffic did what
// it should, each hop's packets are what the function behind it counted,
// what it passed is what the forwarder sent to the next hop, each flow
// stayed on one load-balanced instance and both were used, and the
// simulator predicts the instance a real flow took.
import Foundation
import SFCConfig

struct LabChecks {
    let plan: LabPlan
    let report: LabReport

    /// What the VNF behind an instance received from the forwarder and passed back.
    func seen(_ instance: String) -> (seen: Int, passed: Int)? {
        for fw in report.firewalls {
            if let r = fw.received[instance] { return (r, r - (fw.droppedBy[instance] ?? 0)) }
        }
        for vnf in plan.vnfs where vnf.links.contains(where: { $0.link.instance == instance }) {
            switch vnf.vnf.kind {
            case .inspect:
                if let i = report.inspections.first(where: { $0.name == vnf.vnf.name }) { return (i.total, i.total) }
            case .forward:
                if let i = report.loadBalancing.flatMap(\.instances).first(where: { $0.name == instance }) {
                    return (i.seenPackets, i.seenPackets)
                }
                if let i = report.inspections.first(where: { $0.name == vnf.vnf.name }) { return (i.total, i.total) }
            case .seg6local:
                if let s = report.srAware.first(where: { $0.instance == instance }) { return (s.packets, s.packets - s.errors) }
            case .nshAware:
                if let a = report.nshAware.first(where: { $0.instance == instance }) { return (a.seen + a.refused, a.returned) }
            case .firewall:
                break
            }
        }
        return nil
    }

    func run() -> [LabReport.Check] {
        var checks: [LabReport.Check] = []
        func check(_ name: String, _ ok: Bool, _ detail: String) { checks.append(.init(name: name, ok: ok, detail: detail)) }
        let t = report.traffic
        let expected = plan.lab.traffic

        if let ping = t.ping {
            check("ping answered", ping.sent == expected?.ping && ping.received == ping.sent,
                  "\(ping.received) of \(ping.sent) echo requests answered")
        }
        for transfer in t.transfers {
            check("tcp/\(transfer.port) transfer", transfer.ok,
                  transfer.ok ? "\(transfer.sentBytes) bytes there, \(transfer.replyBytes) back, SHA-256 checked"
                              : "failed: \(transfer.error ?? "?")")
        }
        if let port = t.httpPort {
            let good = t.http.filter { $0.status == 200 && $0.bytes == t.httpBodyBytes }.count
            check("http/\(port) requests", good == t.http.count && good == expected?.httpRequests,
                  "\(good) of \(t.http.count) GETs returned 200 with \(t.httpBodyBytes) bytes")
        }
        for probe in t.blocked {
            let dropped = report.firewalls.flatMap(\.droppedFlows).first { $0.flow.hasSuffix(":\(probe.port)") }
            check("tcp/\(probe.port) blocked", probe.result == "timeout" && (dropped?.packets ?? 0) > 0,
                  "probe: \(probe.result); firewall dropped \(dropped?.packets ?? 0) packet(s) of \(dropped?.flow ?? "it")")
        }
        check("forwarder dropped nothing", report.forwarderDrops.isEmpty,
              report.forwarderDrops.isEmpty ? "no drop counter moved"
                : report.forwarderDrops.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "))

        // A function on the hops of several chains counts their packets together:
        // compare it with the sum of those hops.
        var hopTotals: [String: Int] = [:], chainsOf: [String: Int] = [:]
        for chain in report.chains {
            for hop in chain.hops { hopTotals[hop.function, default: 0] += hop.packets; chainsOf[hop.function, default: 0] += 1 }
        }
        // The steering story's chain carries its feed only after the report.
        let steeringChain = plan.lab.traffic?.steering?.chain
        for chain in report.chains {
            guard let config = plan.config.chains.first(where: { $0.name == chain.name }) else { continue }
            var problems: [String] = []
            var expectedAtHop = chain.classified
            for (k, hop) in chain.hops.enumerated() {
                if hop.packets != expectedAtHop {
                    problems.append("hop \(k + 1) \(hop.function): forwarder sent \(hop.packets), expected \(expectedAtHop)")
                }
                let function = plan.config.functions[config.hops[k]]
                var counted = 0, passed = 0, known = true
                for instance in function.instances {
                    guard let s = seen(instance.name) else { known = false; continue }
                    counted += s.seen; passed += s.passed
                }
                guard known else { expectedAtHop = hop.packets; continue }
                let shared = (chainsOf[hop.function] ?? 0) > 1
                let sent = shared ? hopTotals[hop.function] ?? 0 : hop.packets
                if counted != sent {
                    problems.append("hop \(k + 1) \(hop.function): the function counted \(counted), the forwarder sent \(sent)\(shared ? " (all its chains)" : "")")
                }
                if function.instances.count > 1 {
                    // Per-instance counters add up to the hop (counted where the packet is
                    // handed to the instance) or, counted at the SRv6 head end, to the classified packets.
                    let byInstance = hop.instances.values.reduce(0, +)
                    if byInstance != hop.packets && !(config.encapsulation == .srv6 && byInstance == chain.classified) {
                        problems.append("hop \(k + 1): per-instance counters sum to \(byInstance), the hop has \(hop.packets)")
                    }
                }
                // A shared function's passed packets belong to several chains: this one gets its own hop's.
                expectedAtHop = shared ? hop.packets : passed
            }
            if chain.delivered != expectedAtHop { problems.append("delivered \(chain.delivered), expected \(expectedAtHop)") }
            let path = ([chain.classified] + chain.hops.map(\.packets) + [chain.delivered]).map(String.init).joined(separator: " -> ")
            check("chain \(chain.name) hop counts", problems.isEmpty && (chain.classified > 0 || chain.name == steeringChain),
                  problems.isEmpty ? "classified -> hops -> delivered: \(path)" : problems.joined(separator: "; "))
        }

        for lb in report.loadBalancing {
            let split = lb.flows.filter { $0.value.count != 1 }
            check("\(lb.function): one instance per flow", split.isEmpty && !lb.flows.isEmpty,
                  split.isEmpty ? "\(lb.flows.count) flows, each seen by exactly one instance"
                    : split.map { "\($0.key) on \($0.value.joined(separator: " and "))" }.sorted().joined(separator: "; "))
            let used = lb.instances.filter { !$0.flows.isEmpty }
            check("\(lb.function): every instance used", used.count == lb.instances.count && lb.instances.count > 1,
                  lb.instances.map { "\($0.name) (weight \($0.weight)) \($0.flows.count) flows" }.joined(separator: ", "))
        }
        for sr in report.srAware {
            check("\(sr.name): kernel \(sr.action) at \(sr.sid)", sr.packets > 0 && sr.errors == 0,
                  "\(sr.packets) packets, \(sr.errors) errors")
        }
        for a in report.nshAware {
            check("\(a.name): NSH-aware, SI decremented", a.returned == a.seen && a.refused == 0 && a.seen > 0,
                  "\(a.seen) frames (" + a.bySPI.sorted { $0.key < $1.key }.map { "SPI \($0.key): \($0.value)" }.joined(separator: ", ")
                  + "), \(a.returned) returned with SI - 1, \(a.refused) refused")
        }
        if let sim = report.simulation, !report.loadBalancing.isEmpty {
            check("simulate predicts the instance", sim.predictedInstance != nil && sim.predictedInstance == sim.observedInstance,
                  "\(sim.packet): chain-trace simulate says \(sim.predictedInstance ?? "none"), the lab saw \(sim.observedInstance ?? "none")")
        }
        return checks
    }
}
