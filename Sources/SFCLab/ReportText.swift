// The report for a terminal: readable at a glance, the same content as --json.
import Foundation

extension LabReport {
    public var text: String {
        var out: [String] = []
        func line(_ s: String = "") { out.append(s) }
        func bytes(_ n: Int) -> String {
            n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / Double(1 << 20))
                : n >= 1024 ? String(format: "%.1f KiB", Double(n) / 1024) : "\(n) B"
        }
        line("sfc-lab demo: \(chainFile), node \(node), dataplane \(dataplane)")
        line()
        line("traffic \(traffic.from) (\(traffic.fromAddress)) -> \(traffic.to) (\(traffic.toAddress))")
        if let p = traffic.ping { line("  ping            \(p.received)/\(p.sent) answered") }
        for t in traffic.transfers {
            line("  tcp/\(t.port)\(String(repeating: " ", count: max(1, 11 - "\(t.port)".count)))" + (t.ok
                ? "\(bytes(t.sentBytes)) there, \(bytes(t.replyBytes)) back, SHA-256 ok" + (t.seconds.map { String(format: " (%.2f s)", $0) } ?? "")
                : "FAILED \(t.error ?? "")"))
        }
        if let port = traffic.httpPort {
            let good = traffic.http.filter { $0.status == 200 && $0.bytes == traffic.httpBodyBytes }.count
            line("  http/\(port)       \(good)/\(traffic.http.count) GET /study.bin -> 200, \(bytes(traffic.httpBodyBytes)) each")
        }
        for b in traffic.blocked { line("  tcp/\(b.port) probe   \(b.result)") }
        line()
        for chain in chains {
            line("chain \(chain.name) (spi \(chain.spi), \(chain.encapsulation)): \(chain.classified) packets classified")
            for (k, hop) in chain.hops.enumerated() {
                let instances = hop.instances.count > 1
                    ? "   [" + hop.instances.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "]" : ""
                let via = hop.counter == "forwarder hop counter" ? "" : "   (\(hop.counter))"
                line("  hop \(k + 1) \(hop.function.padding(toLength: 16, withPad: " ", startingAt: 0)) \(hop.packets)\(instances)\(via)")
            }
            let via = chain.deliveredCounter == "forwarder chain counter" ? "" : "   (\(chain.deliveredCounter))"
            line("  delivered              \(chain.delivered)\(via)")
        }
        line("forwarder drops: " + (forwarderDrops.isEmpty ? "none"
            : forwarderDrops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        line()
        for fw in firewalls {
            line("firewall \(fw.name) (nftables with conntrack: allow \(fw.allow.joined(separator: ", ")), drop the rest)")
            line("  received     " + fw.received.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            line("  new, allowed " + fw.allow.map { "\($0) \(fw.passed[$0] ?? 0)" }.joined(separator: ", "))
            line("  established  \(fw.passed["established"] ?? 0)")
            line("  dropped      \(fw.dropped)")
            for f in fw.droppedFlows { line("    \(f.flow)  \(f.packets) packets") }
        }
        for i in inspections {
            line("inspection \(i.name) (nftables counters): \(i.total) packets, \(i.tcpConnections) TCP connections opened")
            line("  " + i.protocols.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.packets) pkts/\(bytes($0.value.bytes))" }
                .joined(separator: ", "))
            var byService: [String: (flows: Int, packets: Int, bytes: Int)] = [:]
            for f in i.flows {
                let service = f.flow.hasPrefix("icmp") ? "icmp" : String(f.flow.split(separator: " ").first ?? "") + "/"
                    + String(f.flow.split(separator: ":").last ?? "")
                let s = byService[service] ?? (0, 0, 0)
                byService[service] = (s.flows + 1, s.packets + f.packets, s.bytes + f.bytes)
            }
            for (service, s) in byService.sorted(by: { $0.key < $1.key }) {
                line("  \(service.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.flows) flow(s), \(s.packets) packets, \(bytes(s.bytes))")
            }
        }
        for lb in loadBalancing {
            line("load balancing \(lb.function): \(lb.flows.count) flows")
            for i in lb.instances {
                line("  \(i.name) (weight \(i.weight), \(i.namespace)): \(i.flows.count) flows, \(i.seenPackets) packets seen; "
                     + "forwarder hashed \(i.forwarderPackets) packets to it")
                // Flows of one service from one host: a line, with the source ports.
                var groups: [(key: String, flows: [LabReport.Flow])] = []
                for f in i.flows {
                    let key = Self.withoutSourcePort(f.flow)
                    if let g = groups.firstIndex(where: { $0.key == key }) { groups[g].flows.append(f) } else { groups.append((key, [f])) }
                }
                for g in groups {
                    if g.flows.count < 3 {
                        for f in g.flows { line("    \(f.flow)  \(f.packets) packets") }
                    } else {
                        let ports = g.flows.compactMap { Self.sourcePort($0.flow) }.joined(separator: " ")
                        line("    \(g.key)  \(g.flows.count) flows, \(g.flows.reduce(0) { $0 + $1.packets }) packets; source ports \(ports)")
                    }
                }
            }
        }
        for s in srAware {
            line("sr-aware \(s.name): kernel seg6local \(s.action) at \(s.sid): \(s.packets) packets, \(s.errors) errors")
        }
        for a in nshAware {
            line("nsh-aware \(a.name) (nsh_aware_sf.py on \(a.instance)): \(a.seen) frames, \(a.returned) returned with SI - 1, "
                 + "\(a.refused) refused; arrived as " + a.paths.map { "SPI \($0["spi"] ?? 0) SI \($0["si"] ?? 0) TTL \($0["ttl"] ?? 0)" }
                    .joined(separator: ", "))
        }
        if let sim = simulation {
            line()
            line("chain-trace simulate --ingress \(traffic.from) --packet '\(sim.packet)'")
            for l in sim.text.split(separator: "\n") { line("  " + l) }
            line("  (simulated instance \(sim.predictedInstance ?? "none"); the lab saw the flow on \(sim.observedInstance ?? "none"))")
        }
        if let s = steering {
            line()
            line("steering (after the report): chain-trace steer --rule '\(s.rule)' --for \(s.seconds)s")
            line("  \(s.steerOutput)")
            for p in s.phases {
                let chains = p.chains.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }.joined(separator: ", ")
                if p.name == "expired" {
                    for l in s.live { line("  live: " + l) }
                }
                line("  \(p.name + ":")\(String(repeating: " ", count: max(1, 9 - p.name.count)))\(p.sent) camera packets -> \(chains.isEmpty ? "no chain" : chains); \(s.watch) +\(p.watched)")
            }
        }
        line()
        line("checks:")
        for c in checks { line("  [\(c.ok ? "ok" : "FAIL")] \(c.name): \(c.detail)") }
        line(ok ? "all \(checks.count) checks passed" : "\(checks.filter { !$0.ok }.count) of \(checks.count) checks FAILED")
        return out.joined(separator: "\n") + "\n"
    }

    /// "tcp 10.0.1.2:40000 -> 10.0.2.2:80" -> "tcp 10.0.1.2:* -> 10.0.2.2:80".
    static func withoutSourcePort(_ flow: String) -> String {
        let parts = flow.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let colon = parts[1].lastIndex(of: ":") else { return flow }
        return "\(parts[0]) \(parts[1][..<colon]):* \(parts[2]) \(parts[3])"
    }

    static func sourcePort(_ flow: String) -> String? {
        let parts = flow.split(separator: " ")
        guard parts.count == 4, let colon = parts[1].lastIndex(of: ":") else { return nil }
        return String(parts[1][parts[1].index(after: colon)...])
    }
}
