// The node's flow affinity table and the liveness probe replies: memory
// every Pipeline of a dataplane shares, across lcores and generations
// (entries name functions and instances by the hash of their names). The
// same layouts as BPF's sfc_affinity and sfc_probe_replies
// (BPF/include/sfc_tables.h); the algorithm is Pipeline.chooseInstance.

public final class AffinityTable: @unchecked Sendable {
    @inline(__always) static var sets: Int { SharedSpec.SFC_AFFINITY_SETS }
    @inline(__always) static var ways: Int { SharedSpec.SFC_AFFINITY_WAYS }
    /// Four words per entry: flow, function id, instance id, expires.
    let words: UnsafeMutablePointer<UInt32>

    public init() {
        let count = AffinityTable.sets * AffinityTable.ways * 4
        words = .allocate(capacity: count)
        words.initialize(repeating: 0, count: count)
    }
    deinit { words.deallocate() }

    /// Entries in use that are not idle at `now` (a tick), per function id.
    public func liveEntries(now: UInt32) -> [UInt32: Int] {
        var out: [UInt32: Int] = [:]
        for e in 0..<(AffinityTable.sets * AffinityTable.ways) {
            let p = words + e * 4
            if p[1] != 0 && Int32(bitPattern: p[3] &- now) >= 0 { out[p[1], default: 0] += 1 }
        }
        return out
    }

    /// Live entries per (function id, instance id).
    public func liveEntriesByInstance(now: UInt32) -> [UInt64: Int] {
        var out: [UInt64: Int] = [:]
        for e in 0..<(AffinityTable.sets * AffinityTable.ways) {
            let p = words + e * 4
            if p[1] != 0 && Int32(bitPattern: p[3] &- now) >= 0 { out[UInt64(p[1]) << 32 | UInt64(p[2]), default: 0] += 1 }
        }
        return out
    }
}

/// sfc_probe_replies: per token, the sequence of the last probe seen back
/// and how many came back.
public final class ProbeReplies: @unchecked Sendable {
    let words: UnsafeMutablePointer<UInt32>
    public init() {
        words = .allocate(capacity: 2 * SharedSpec.SFC_MAX_PROBES)
        words.initialize(repeating: 0, count: 2 * SharedSpec.SFC_MAX_PROBES)
    }
    deinit { words.deallocate() }

    public func reply(token: Int) -> (sequence: UInt32, count: UInt32) {
        guard token >= 0 && token < SharedSpec.SFC_MAX_PROBES else { return (0, 0) }
        return (words[2 * token], words[2 * token + 1])
    }
}

/// What every Pipeline of one dataplane shares: the affinity table, the
/// probe replies and the clock (ticks of 2^SFC_AFFINITY_TICK_SHIFT ns, read
/// once per batch).
public final class PipelineShared: @unchecked Sendable {
    public let affinity: AffinityTable
    public let probes: ProbeReplies
    public let ticks: @Sendable () -> UInt32

    public init(ticks: @escaping @Sendable () -> UInt32 = PipelineShared.monotonicTicks) {
        affinity = AffinityTable()
        probes = ProbeReplies()
        self.ticks = ticks
    }

    static let start = SuspendingClock.now

    /// Monotonic time (SuspendingClock: CLOCK_MONOTONIC on Linux, like
    /// bpf_ktime_get_ns) in ticks.
    @Sendable public static func monotonicTicks() -> UInt32 {
        let d = SuspendingClock.now - start
        let (s, atto) = d.components
        let ns = UInt64(max(0, s)) &* 1_000_000_000 &+ UInt64(max(0, atto)) / 1_000_000_000
        return UInt32(truncatingIfNeeded: (ns &+ (1 << 32)) >> UInt64(SharedSpec.SFC_AFFINITY_TICK_SHIFT))
    }
}
