// Counters of one pipeline instance (one per lcore / thread: no atomics).
// Flat arrays indexed by port, drop reason, chain, hop and instance;
// `merge` sums instances on read.

public struct Counters: Sendable, Equatable {
    public var rxPackets: [UInt64]
    public var txPackets: [UInt64]
    public var txBytes: [UInt64]
    /// Indexed by DropReason.rawValue.
    public var drops: [UInt64]
    /// Packets classified onto each chain.
    public var chainPackets: [UInt64]
    public var chainBytes: [UInt64]
    /// Packets sent to hop k of chain c at index hopCounterBase[c] + k;
    /// k == hops.count counts deliveries at the end of the chain.
    public var hopPackets: [UInt64]
    /// Packets sent to instance i of function f at instanceCounterBase[f] + i.
    public var instancePackets: [UInt64]
    /// Packets classified by the steering rule in watch slot s
    /// (ClassifierRule.watchSlot), for idle expiry.
    public var watchPackets: [UInt64]
    /// Indexed by NodeEvent.rawValue (affinity, bypass, probe replies): node
    /// wide, not traffic.
    public var events: [UInt64]

    public init(tables: ForwardingTables) {
        rxPackets = Array(repeating: 0, count: tables.ports.count)
        txPackets = Array(repeating: 0, count: tables.ports.count)
        txBytes = Array(repeating: 0, count: tables.ports.count)
        drops = Array(repeating: 0, count: SharedSpec.SFC_DROP_REASON_SLOTS)
        chainPackets = Array(repeating: 0, count: tables.chains.count)
        chainBytes = Array(repeating: 0, count: tables.chains.count)
        hopPackets = Array(repeating: 0, count: tables.hopCounterCount)
        instancePackets = Array(repeating: 0, count: tables.instanceCounterCount)
        watchPackets = Array(repeating: 0, count: SharedSpec.SFC_MAX_WATCHED_RULES)
        events = Array(repeating: 0, count: SharedSpec.SFC_EVENT_SLOTS)
    }

    public func events(_ event: NodeEvent) -> UInt64 { Int(event.rawValue) < events.count ? events[Int(event.rawValue)] : 0 }

    /// Packets per steering rule, by name.
    public func steeringRulePackets(_ tables: ForwardingTables) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for rule in tables.classifier.rules where rule.watchSlot >= 0 && rule.watchSlot < watchPackets.count {
            out[rule.name] = watchPackets[rule.watchSlot]
        }
        return out
    }

    public func drops(_ reason: DropReason) -> UInt64 { drops[Int(reason.rawValue)] }

    public var totalDrops: UInt64 { drops.reduce(0, +) }

    public mutating func merge(_ other: Counters) {
        func add(_ a: inout [UInt64], _ b: [UInt64]) { for i in a.indices where i < b.count { a[i] &+= b[i] } }
        add(&rxPackets, other.rxPackets); add(&txPackets, other.txPackets); add(&txBytes, other.txBytes)
        add(&drops, other.drops); add(&chainPackets, other.chainPackets); add(&chainBytes, other.chainBytes)
        add(&hopPackets, other.hopPackets); add(&instancePackets, other.instancePackets)
        add(&watchPackets, other.watchPackets)
        add(&events, other.events)
    }
}
