// Control-plane latencies (reload: signal or request to new generation
// active; steer: request to rule applied), kept as cumulative buckets for
// the metrics endpoint and as the last values for status.
import Foundation

public final class LatencyHistogram: @unchecked Sendable {
    /// Upper bounds in seconds (Prometheus `le`), then +Inf.
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    private let lock = NSLock()
    private var buckets = [UInt64](repeating: 0, count: LatencyHistogram.bounds.count + 1)
    private var total = 0.0
    private var n: UInt64 = 0
    private var last: Double?

    public init() {}

    public func observe(_ seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        let i = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        buckets[i] += 1
        total += seconds
        n += 1
        last = seconds
    }

    /// (cumulative count per bound incl. +Inf, sum, count, last observation).
    public var snapshot: (cumulative: [UInt64], sum: Double, count: UInt64, last: Double?) {
        lock.lock(); defer { lock.unlock() }
        var running: UInt64 = 0
        let cumulative = buckets.map { running += $0; return running }
        return (cumulative, total, n, last)
    }
}
