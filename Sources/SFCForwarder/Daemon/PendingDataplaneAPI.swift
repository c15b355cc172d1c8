// TEMPORARY (removed when the dataplane branches merge): stand-ins for the
// dataplane calls the daemon uses, so the daemon builds meanwhile.
import SFCCore
import SFCDPDK
import SFCXDP

struct PendingAPI: Error, CustomStringConvertible { var description: String { "not available on this dataplane yet" } }

extension XDPDataplane {
    func update(_ config: CompiledConfig, generation: UInt64) throws { try update(config) }
    var perCPUPackets: [UInt64] { [] }
    func armTrace(filter: TraceFilter, count: Int) throws { throw PendingAPI() }
    func drainTrace() -> [TraceRecord] { [] }
    func disarmTrace() {}
    var traceRecordsDropped: UInt64 { 0 }
}
