// The instance part of the tables that changes while a generation runs: each
// function's bucket table and each instance's state, in flat memory the
// daemon rewrites in place (a failover is this small update, not a reload).
// One per generation, shared by every Pipeline of that generation (DPDK: all
// lcores). Writers are the control thread only; a packet reads per bucket
// the old or the new instance, each a valid choice (docs/PIPELINE.md
// "Instance state, fail mode and flow affinity").

public final class LiveInstances: @unchecked Sendable {
    let buckets: UnsafeMutablePointer<UInt16>
    let states: UnsafeMutablePointer<UInt8>
    let functionCount: Int
    let stateBase: [Int]
    let instanceCounts: [Int]

    public init(tables: ForwardingTables) {
        functionCount = tables.functions.count
        stateBase = tables.instanceCounterBase
        instanceCounts = tables.functions.map { $0.config.instances.count }
        let n = InstanceSelector.bucketCount
        buckets = .allocate(capacity: max(1, functionCount * n))
        buckets.initialize(repeating: InstanceSelector.none, count: max(1, functionCount * n))
        states = .allocate(capacity: max(1, tables.instanceCounterCount))
        states.initialize(repeating: UInt8(SharedSpec.SFC_INSTANCE_UP), count: max(1, tables.instanceCounterCount))
        for (f, function) in tables.functions.enumerated() {
            set(function: f, selector: function.selector, states: function.states)
        }
    }

    deinit {
        buckets.deallocate()
        states.deallocate()
    }

    /// Rewrites function `f`'s buckets and states (control thread only).
    public func set(function f: Int, selector: InstanceSelector, states new: [InstanceState]) {
        guard f >= 0 && f < functionCount else { return }
        let n = InstanceSelector.bucketCount
        // States first: a bucket that moves to an instance coming up finds it up.
        for (i, state) in new.prefix(instanceCounts[f]).enumerated() { states[stateBase[f] + i] = UInt8(state.wireCode) }
        if selector.buckets.count == n {
            for b in 0..<n { buckets[f * n + b] = selector.buckets[b] }
        } else {
            for b in 0..<n { buckets[f * n + b] = InstanceSelector.none }
        }
    }

    public func state(function f: Int, instance i: Int) -> UInt8 { states[stateBase[f] + i] }
    public func bucketTable(function f: Int) -> [UInt16] {
        let n = InstanceSelector.bucketCount
        return Array(UnsafeBufferPointer(start: buckets + f * n, count: n))
    }
}
