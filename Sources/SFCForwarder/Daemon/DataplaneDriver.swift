// What the daemon asks of a running dataplane. One adapter per dataplane
// (XDPDriver, DPDKDriver); the daemon serializes every call (control
// plane only: nothing here is on the per-packet path).
import SFCCore

/// A port as `status` shows it.
public struct PortStatus: Sendable {
    public var name: String
    /// The kernel interface (XDP) or the DPDK device.
    public var attachment: String
    public var link: String
}

/// One forwarding lcore (DPDK) or CPU (XDP).
public struct WorkerStatus: Sendable {
    public var name: String
    public var packets: UInt64
    /// Share of polls that received packets (DPDK); nil where not measured.
    public var busyRatio: Double?
}

public protocol DataplaneDriver: AnyObject {
    var kind: String { get }
    /// The generation packets use now.
    var tables: ForwardingTables { get }
    /// Makes `config` the next generation; on error the running one is untouched.
    func apply(_ config: CompiledConfig, generation: UInt64) throws
    /// Counters in the layout of `tables`, carried across reloads by name.
    func counters() throws -> Counters
    func ports() -> [PortStatus]
    func workers() -> [WorkerStatus]
    /// Called every daemon tick (link watching and the like).
    func tick(logger: Logger)
    func armTrace(_ filter: TraceFilter, count: Int) throws
    func drainTrace() -> [TraceRecord]
    func disarmTrace()
    var traceRecordsDropped: UInt64 { get }
}

import Logging
