// TEMPORARY (removed when the dataplane branches merge): stand-ins for the
// dataplane calls the daemon uses, so the daemon builds meanwhile.
import SFCCore
import SFCDPDK
import SFCXDP

struct PendingAPI: Error, CustomStringConvertible { var description: String { "not available on this dataplane yet" } }

extension DPDKDataplane {
    func apply(_ tables: ForwardingTables) throws { throw PendingAPI() }
    var workerStats: [(lcore: Int, rxPackets: UInt64, polls: UInt64, busyPolls: UInt64)] { [] }
    func armTrace(filter: TraceFilter, count: Int) throws { throw PendingAPI() }
    func drainTrace() -> [TraceRecord] { [] }
    func disarmTrace() {}
    var traceRecordsDropped: UInt64 { 0 }
}

extension XDPDataplane {
    func update(_ config: CompiledConfig, generation: UInt64) throws { try update(config) }
    var perCPUPackets: [UInt64] { [] }
    func armTrace(filter: TraceFilter, count: Int) throws { throw PendingAPI() }
    func drainTrace() -> [TraceRecord] { [] }
    func disarmTrace() {}
    var traceRecordsDropped: UInt64 { 0 }
}
