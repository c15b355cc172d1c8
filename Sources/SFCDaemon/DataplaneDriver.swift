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
    public init(name: String, attachment: String, link: String) { self.name = name; self.attachment = attachment; self.link = link }
}

/// One forwarding lcore (DPDK) or CPU (XDP).
public struct WorkerStatus: Sendable {
    public var name: String
    public var packets: UInt64
    /// Share of polls that received packets (DPDK); nil where not measured.
    public var busyRatio: Double?
    public init(name: String, packets: UInt64, busyRatio: Double? = nil) { self.name = name; self.packets = packets; self.busyRatio = busyRatio }
}

public protocol DataplaneDriver: AnyObject {
    var kind: String { get }
    /// The generation packets use now.
    var tables: ForwardingTables { get }
    /// Makes `config` the next generation, its bucket tables built with
    /// `liveness`; on error the running one is untouched.
    func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws
    /// Rewrites function `f`'s bucket table and instance states in the
    /// running generation, in place (a failover, not a reload).
    func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws
    /// Sends a liveness probe frame out of logical port `port`.
    func sendProbe(port: Int, frame: [UInt8]) -> Bool
    /// The last probe seen back with `token`: its sequence and how many came back.
    func probeReply(token: Int) -> (sequence: UInt32, count: UInt32)
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

extension DataplaneDriver {
    public func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {}
    public func sendProbe(port: Int, frame: [UInt8]) -> Bool { false }
    public func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) { (0, 0) }
}
