// A latency histogram in seconds, as a value: the daemon observes into one
// (a reload, a steering change), copies it into each MetricsSnapshot, and
// PrometheusExposition renders it as a Prometheus histogram (cumulative
// `_bucket{le=...}`, `_sum`, `_count`).
//
// Why not swift-prometheus's Histogram: its registry writes label values
// as they are (no escaping of `\`, `"` or newlines in the node name), owns
// the order and the HELP/TYPE lines of what it emits, and keeps its state
// in a class behind a lock, while a scrape here renders one value snapshot
// of everything in one pass. Counting into a few buckets is small enough
// to own.
import Foundation

public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets in seconds, strictly increasing and
    /// finite; the `+Inf` bucket is implied.
    public let bounds: [Double]
    /// Observations per bucket, not cumulative: `counts[i]` for
    /// `bounds[i - 1] < v <= bounds[i]`, `counts[bounds.count]` above the
    /// last bound. The exposition makes them cumulative.
    public private(set) var counts: [UInt64]
    /// Sum of the observed values in seconds.
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    /// Reloads compile and hand over a whole table set: milliseconds to tens of seconds.
    public static let reloadBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    /// A steering change recompiles the rule set: milliseconds for a few rules, seconds at 100,000.
    public static let steerApplyBounds: [Double] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// `bounds` are sorted and deduplicated; non-finite or NaN bounds are dropped.
    public init(bounds: [Double]) {
        self.bounds = Array(Set(bounds.filter { $0.isFinite })).sorted()
        counts = Array(repeating: 0, count: self.bounds.count + 1)
    }

    public static func reload() -> LatencyHistogram { LatencyHistogram(bounds: reloadBounds) }
    public static func steerApply() -> LatencyHistogram { LatencyHistogram(bounds: steerApplyBounds) }

    /// Records one observation in seconds. NaN is ignored; a negative value
    /// (a clock stepped back) counts as 0.
    public mutating func observe(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        let v = max(seconds, 0)
        let i = bounds.firstIndex { v <= $0 } ?? bounds.count
        counts[i] &+= 1
        count &+= 1
        sum += v
    }

    public mutating func observe(_ duration: Duration) {
        let (s, atto) = duration.components
        observe(Double(s) + Double(atto) * 1e-18)
    }

    /// Cumulative counts per bound (`le`), the last one (`+Inf`) equal to `count`.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map { running &+= $0; return running }
    }
}

/// A LatencyHistogram shared between the threads that observe (reload,
/// steering) and the one that scrapes: each call takes the lock once.
public final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var histogram: LatencyHistogram

    public init(_ histogram: LatencyHistogram) { self.histogram = histogram }

    public func observe(_ seconds: Double) { lock.lock(); histogram.observe(seconds); lock.unlock() }
    public func observe(_ duration: Duration) { lock.lock(); histogram.observe(duration); lock.unlock() }

    /// A copy for a MetricsSnapshot.
    public var snapshot: LatencyHistogram { lock.lock(); defer { lock.unlock() }; return histogram }
}
