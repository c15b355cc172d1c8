// Everything one scrape of `GET /metrics` shows, read at scrape time: the
// dataplane's counters (merged over lcores / CPUs, never a second copy kept
// per packet), the table set they index, and the daemon's own state.
// PrometheusExposition.render turns it into text. See docs/METRICS.md.
import SFCControl
import SFCCore

public struct MetricsSnapshot: Sendable {
    /// One worker of the dataplane: "lcore3" (DPDK), "cpu1" (XDP).
    public typealias Worker = (worker: String, packets: UInt64, busyRatio: Double?)

    /// The `node` label of every sample (the chain file's node name by default).
    public var node: String
    /// "dpdk" or "xdp".
    public var dataplane: String
    /// The running table set: port, chain, function and instance names
    /// (`tables.config`) and the hop / instance counter layout.
    public var tables: ForwardingTables
    /// The dataplane's counters, laid out for `tables`.
    public var counters: Counters
    /// The running configuration generation.
    public var generation: UInt64
    /// Reloads per result: "ok", "invalid" (refused by validation), "failed"
    /// (valid but not applied). Those three are always shown; other keys too.
    public var reloads: [String: UInt64]
    /// Steering rules in force.
    public var steeringRules: Int
    /// Per-worker packets and busy ratio (nil: not measured, not shown).
    public var workers: [Worker]
    /// Trace records lost because the trace ring was full (packets never are).
    public var traceRecordsDropped: UInt64
    /// Seconds from a reload's request to its last worker on the new generation.
    public var reloadDuration: LatencyHistogram
    /// Seconds from a steering change being accepted to it being in the
    /// dataplane (as Cilium's policy_implementation_delay).
    public var steerApplyDuration: LatencyHistogram
    /// Per function name, per instance name: its state and how many times
    /// it changed (liveness). Absent: up, 0.
    public var instanceStates: [String: [String: (state: InstanceState, transitions: UInt64)]] = [:]
    /// The daemon's listeners ("control", "metrics") and their connections (ConnectionLimits).
    public var listeners: [(listener: String, connections: ConnectionLedger.Snapshot)] = []

    public init(node: String? = nil, dataplane: String, tables: ForwardingTables, counters: Counters,
                generation: UInt64? = nil, reloads: [String: UInt64] = [:], steeringRules: Int = 0,
                workers: [Worker] = [], traceRecordsDropped: UInt64 = 0,
                reloadDuration: LatencyHistogram = .reload(), steerApplyDuration: LatencyHistogram = .steerApply()) {
        self.node = node ?? tables.config.node.name
        self.dataplane = dataplane
        self.tables = tables
        self.counters = counters
        self.generation = generation ?? tables.generation
        self.reloads = reloads
        self.steeringRules = steeringRules
        self.workers = workers
        self.traceRecordsDropped = traceRecordsDropped
        self.reloadDuration = reloadDuration
        self.steerApplyDuration = steerApplyDuration
    }

    /// The reload results always shown, in this order, even at 0.
    public static let reloadResults = ["ok", "invalid", "failed"]
}
