// The daemon over the reference dataplane (no I/O): a generation is the
// ForwardingTables a DPDK reload builds before its lcores switch (they
// switch between two bursts). For measuring the control plane alone
// (ControlBench) and for dry runs.
import Logging
import SFCCore

public final class ReferenceDriver: DataplaneDriver {
    public private(set) var tables: ForwardingTables
    private var pipeline: Pipeline

    public init(_ config: CompiledConfig) {
        tables = ForwardingTables(config)
        pipeline = Pipeline(tables: tables)
    }

    public var kind: String { "reference" }
    public func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws {
        let next = ForwardingTables(config, generation: generation, liveness: liveness)
        pipeline = Pipeline(tables: next, shared: pipeline.shared)
        tables = next
    }
    public func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        pipeline.live.set(function: f, selector: selector, states: states)
    }
    public func counters() throws -> Counters { Counters(tables: tables) }
    public func ports() -> [PortStatus] { tables.ports.map { PortStatus(name: $0.name, attachment: "-", link: "none") } }
    public func workers() -> [WorkerStatus] { [] }
    public func tick(logger: Logger) {}
    public func armTrace(_ filter: TraceFilter, count: Int) throws { throw ReferenceDriverError() }
    public func drainTrace() -> [TraceRecord] { [] }
    public func disarmTrace() {}
    public var traceRecordsDropped: UInt64 { 0 }
}

package struct ReferenceDriverError: Error, CustomStringConvertible {
    package var description: String { "the reference dataplane has no traffic to trace" }
}
