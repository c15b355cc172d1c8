// SRv6 SIDs: local ones inside the locator and unique file-wide; remote ones
// (sr-aware functions without an adjacency, chain ends on other nodes)
// reachable through a route.
import SFCCore

struct ValidatorSIDs {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    private var locator: IPv6Prefix? { spec.node?.locator?.value }
    private var routes6: [IPv6Prefix] {
        spec.routes.compactMap { r in if case .v6(let p)? = r.prefix?.value { return p } else { return nil } }
    }

    func run() {
        checkLocalAndUnique()
        checkRemoteReachable()
        checkChainEnds()
    }

    private func checkLocalAndUnique() {
        var seen: [IPv6Address: Int] = [:]
        func note(_ sid: Located<IPv6Address>, local: Bool, what: String) {
            if local, let locator = locator, !locator.contains(sid.value) {
                sink.error("\(what) \(sid.value) is outside the node locator \(locator)", at: sid.position)
            }
            if let first = seen[sid.value] {
                sink.error("duplicate SID \(sid.value) (first at line \(first))", at: sid.position)
            } else {
                seen[sid.value] = sid.position.line
            }
        }
        for entry in spec.sids {
            if let sid = entry.sid { note(sid, local: true, what: "local SID") }
        }
        if let sid = spec.node?.probeSID { note(sid, local: true, what: "probe SID") }
        for function in spec.functions {
            guard let kind = function.kind?.value, kind == .srAware || kind == .srUnaware else { continue }
            for instance in function.instances {
                guard let sid = instance.sid else { continue }
                note(sid, local: kind == .srUnaware, what: "proxy SID")
            }
        }
    }

    private func checkRemoteReachable() {
        let routes = routes6
        for function in spec.functions where function.kind?.value == .srAware {
            for instance in function.instances where instance.port == nil {
                guard let sid = instance.sid else { continue }
                if !routes.contains(where: { $0.contains(sid.value) }) {
                    sink.error("no route reaches SID \(sid.value) of instance '\(instance.name?.value ?? "?")'; "
                               + "give the instance port and mac, or add a route", at: sid.position)
                }
            }
        }
    }

    private func checkChainEnds() {
        let routes = routes6
        let decapsulating = SRv6Behavior.allCases.filter { $0.action.decapsulates }
        let names = decapsulating.map(\.rawValue).dropLast().joined(separator: ", ") + " or " + (decapsulating.last?.rawValue ?? "")
        for chain in spec.chains where chain.encapsulation?.value == .srv6 {
            guard let sid = chain.end?.sid else { continue }
            if let locator = locator, locator.contains(sid.value) {
                let entry = spec.sids.first { $0.sid?.value == sid.value }
                if let entry = entry {
                    if let behavior = entry.behavior?.value, !decapsulating.contains(behavior) {
                        sink.error("chain end SID \(sid.value) is \(behavior.rawValue); a local chain end must be "
                                   + names, at: sid.position)
                    }
                } else {
                    sink.error("chain end SID \(sid.value) is inside the locator but not listed in 'sids' "
                               + "(as \(names))", at: sid.position)
                }
            } else if !routes.contains(where: { $0.contains(sid.value) }) {
                sink.error("no route reaches chain end SID \(sid.value)", at: sid.position)
            }
        }
    }
}
