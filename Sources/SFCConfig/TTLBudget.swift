// An NSH chain whose TTL runs out before the end of its path: every packet
// the classifier puts on it is dropped as TTL expired.
//
// RFC 8300 s2.2: each SFF decrements TTL before its lookup and does not
// forward a packet whose TTL became 0. Counted as the pipeline does
// (SFCCore NSHPath.swift, Proxies.swift): the classifier sets TTL t and
// hands the packet to the co-located SFF (decrement 1); each of the n hops
// returns to the SFF (decrements 2 ... n + 1; the NSH proxy restores the
// header the flow left with, or TTL t - k - 1 for hop k); the lookup after
// the last return finds the end of the path and removes NSH. So n + 1
// decrements, each of which must leave at least 1: t >= n + 2.
// Remote SFFs behind a peer decrement too, so a path through them needs
// more; only this node's own decrements are certain.
import SFCCore

struct TTLBudget {
    let spec: ChainFileSpec
    let severity: Diagnostic.Severity?
    let sink: DiagnosticSink

    /// The TTL field has 6 bits (RFC 8300 s2.2).
    static let maxTTL = 63

    /// The smallest classifier TTL that reaches the end of an NSH path of `hops` hops.
    static func minimumTTL(hops: Int) -> Int { hops + 2 }

    func run() {
        guard let severity else { return }
        for chain in spec.chains where chain.encapsulation?.value == .nsh && !chain.hops.isEmpty {
            // A ttl that was written but rejected has been reported already.
            if chain.ttlKey != nil && chain.ttl == nil { continue }
            let ttl = chain.ttl?.value ?? Int(NSHHeader.defaultTTL)
            let hops = chain.hops.count
            let needed = TTLBudget.minimumTTL(hops: hops)
            guard ttl < needed else { continue }
            let advice = needed <= TTLBudget.maxTTL
                ? "set ttl to at least \(needed)"
                : "at most \(TTLBudget.maxTTL - 2) hops fit the 6-bit TTL"
            let message = "chain '\(chain.name?.value ?? "?")': TTL \(ttl) runs out before the end of its \(hops)-hop path "
                + "(the SFF decrements it \(hops + 1) times: after classification and on each return from a function, "
                + "RFC 8300 s2.2), so every packet is dropped as TTL expired; \(advice)"
            sink.report(severity, message, at: chain.ttlKey ?? chain.position)
        }
    }
}
