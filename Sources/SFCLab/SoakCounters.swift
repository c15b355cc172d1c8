// The forwarder's counters as the soak adds them up (GET /v1/counters, or
// what `run --json` prints when it stops): packets classified into a chain
// ("sent"), delivered at a chain's end, dropped per reason; per chain too,
// for the comparison with what the traffic generator counted.
import Foundation

public struct SoakCounters: Codable, Sendable, Equatable {
    public struct Chain: Codable, Sendable, Equatable {
        public var sent: Int
        public var delivered: Int
        public init(sent: Int = 0, delivered: Int = 0) { self.sent = sent; self.delivered = delivered }
    }

    public var chains: [String: Chain]
    public var drops: [String: Int]

    public init(chains: [String: Chain] = [:], drops: [String: Int] = [:]) {
        self.chains = chains; self.drops = drops
    }

    /// From the counters object (`chains: [{name, packets, delivered}]`, `drops: {reason: n}`).
    public init(counters: [String: Any]) {
        var chains: [String: Chain] = [:]
        for c in counters["chains"] as? [[String: Any]] ?? [] {
            guard let name = c["name"] as? String else { continue }
            chains[name] = Chain(sent: c["packets"] as? Int ?? 0, delivered: c["delivered"] as? Int ?? 0)
        }
        self.init(chains: chains, drops: (counters["drops"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int })
    }

    public var sent: Int { chains.values.map(\.sent).reduce(0, +) }
    public var delivered: Int { chains.values.map(\.delivered).reduce(0, +) }
    public var dropped: Int { drops.values.reduce(0, +) }
    /// Gone without a counter: classified, neither delivered nor dropped (yet).
    public var lost: Int { sent - delivered - dropped }

    /// What moved between `earlier` and these (a reason that did not move is left out).
    public func since(_ earlier: SoakCounters) -> SoakCounters {
        var chains: [String: Chain] = [:]
        for (name, c) in self.chains {
            let e = earlier.chains[name] ?? Chain()
            chains[name] = Chain(sent: c.sent - e.sent, delivered: c.delivered - e.delivered)
        }
        var drops: [String: Int] = [:]
        for (reason, n) in self.drops where n != (earlier.drops[reason] ?? 0) { drops[reason] = n - (earlier.drops[reason] ?? 0) }
        return SoakCounters(chains: chains, drops: drops)
    }
}
