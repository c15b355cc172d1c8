// What the soak takes down and watches, found in the chain file (there is
// no `soak:` key): the first function with `health:` and two instances or
// more, the lab's router vnfs that serve it (they lose their links in
// turn: its probes must take each out and its flows fail over), and the
// chains from the traffic's `from` host to its `to` host and back.
import Foundation
import SFCCore
import SFCLabConfig

struct SoakTarget {
    let function: String
    /// The vnfs serving the function, in the lab's order: each goes down in its turn.
    let vnfs: [LabPlan.VNFPlan]
    let from: LabPlan.HostPlan
    let to: LabPlan.HostPlan
    /// The chain delivering to `to`'s port, and the one delivering to `from`'s.
    let forwardChain: String
    let returnChain: String

    init(plan: LabPlan) throws {
        let config = plan.config
        guard let f = config.functions.first(where: { $0.health != nil && $0.instances.count >= 2 && $0.pairsWith == nil }) else {
            throw LabError("\(plan.chainFile): the soak needs a function with `health:` and two instances or more (its instances go down in turn)")
        }
        let serving = plan.vnfs.filter { v in v.links.contains { $0.link.function == f.name } }
        guard serving.count >= 2, serving.allSatisfy({ [.firewall, .inspect, .forward].contains($0.vnf.kind) && !$0.managed }) else {
            throw LabError("\(plan.chainFile): function \(f.name) needs two lab vnfs or more serving it, each a router "
                           + "(firewall, inspect or forward) the VNF manager does not scale")
        }
        guard let traffic = plan.lab.traffic, let from = plan.host(traffic.from), let to = plan.host(traffic.to) else {
            throw LabError("\(plan.chainFile): the soak needs `lab: traffic: {from, to}`")
        }
        func chain(deliveringTo host: LabPlan.HostPlan) throws -> String {
            let port = config.ports.firstIndex { $0.name == host.host.port }
            guard let c = config.chains.first(where: { if case .deliver(let a) = $0.end { return a.port == port }; return false }) else {
                throw LabError("\(plan.chainFile): no chain delivers to host \(host.host.name) (port \(host.host.port))")
            }
            return c.name
        }
        function = f.name
        vnfs = serving
        self.from = from
        self.to = to
        forwardChain = try chain(deliveringTo: to)
        returnChain = try chain(deliveringTo: from)
    }

    /// (function, instance) of every link of `vnf`: both directions of a pair.
    func keys(_ vnf: LabPlan.VNFPlan) -> [(String, String)] { vnf.links.map { ($0.link.function, $0.link.instance) } }

    var allKeys: [(String, String)] { vnfs.flatMap(keys) }

    /// The instances of the first vnf (one appliance: the second chain file raises their weight).
    var firstInstances: [String] { vnfs.first?.links.map(\.link.instance) ?? [] }
}
