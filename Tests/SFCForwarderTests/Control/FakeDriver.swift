// A dataplane for the control API's in-process tests: generations are
// ForwardingTables built from what the daemon applies, counters are set by
// the test, and a live trace runs queued frames through the reference
// pipeline (as a dataplane would see them) so the whole API can be driven
// without a kernel or DPDK.
import Foundation
import Logging
import SFCCore
@testable import SFCDaemon

final class FakeDriver: DataplaneDriver, @unchecked Sendable {
    private(set) var tables: ForwardingTables
    private(set) var applied: [UInt64] = []
    var failNext: String?
    var counterValue: UInt64 = 0
    /// Packets each steering rule has matched, by name (as a dataplane's watch counters say).
    var steeringHits: [String: UInt64] = [:]
    private var filter: TraceFilter?
    private var remaining = 0
    private var sequence: UInt64 = 0
    /// Frames "arriving" while a trace is armed: (frame, ingress port).
    var arriving: [([UInt8], Int)] = []

    init(_ config: CompiledConfig) { tables = ForwardingTables(config) }

    var kind: String { "xdp" }

    func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws {
        if let why = failNext { failNext = nil; throw FakeFailure(description: why) }
        tables = ForwardingTables(config, generation: generation)
        applied.append(generation)
    }

    func counters() throws -> Counters {
        var c = Counters(tables: tables)
        for i in c.rxPackets.indices { c.rxPackets[i] = counterValue }
        for rule in tables.classifier.rules where rule.watchSlot >= 0 { c.watchPackets[rule.watchSlot] = steeringHits[rule.name] ?? 0 }
        return c
    }

    func ports() -> [PortStatus] { tables.ports.map { PortStatus(name: $0.name, attachment: $0.interface ?? "-", link: "up") } }
    func workers() -> [WorkerStatus] { [WorkerStatus(name: "cpu0", packets: counterValue, busyRatio: nil)] }
    func tick(logger: Logger) {}

    func armTrace(_ filter: TraceFilter, count: Int) throws { self.filter = filter; remaining = count }

    func drainTrace() -> [TraceRecord] {
        guard let filter else { return [] }
        var out: [TraceRecord] = []
        while remaining > 0, !arriving.isEmpty {
            let (frame, ingress) = arriving.removeFirst()
            guard frame.withUnsafeBytes({ filter.matches($0, ingress: ingress) }) else { continue }
            let (meta, output) = Pipeline(tables: tables).process(frame, ingress: ingress)
            let forwarded = meta.verdict == .forward
            out.append(TraceRecord(sequence: sequence, generation: tables.generation, ingress: ingress,
                                   ingressFrame: Array(frame.prefix(TraceRecord.frameBytes)), ingressLength: frame.count,
                                   verdict: forwarded ? .forward : .drop, dropReason: forwarded ? nil : meta.dropReason,
                                   egress: forwarded ? Int(meta.egressPort) : nil,
                                   egressFrame: forwarded ? Array(output.prefix(TraceRecord.frameBytes)) : [],
                                   egressLength: forwarded ? output.count : 0))
            sequence += 1
            remaining -= 1
        }
        return out
    }

    func disarmTrace() { filter = nil }
    var traceRecordsDropped: UInt64 { 0 }
}

struct FakeFailure: Error, CustomStringConvertible { let description: String }
