// The daemon's view of the DPDK dataplane: reload = new pipelines published
// to the lcores, which switch between two bursts; the old ones are retired
// after every lcore passed a quiescent point (DPDKDataplane.apply).
import Logging
import SFCDaemon
import SFCCore
import SFCDPDK

final class DPDKDriver: DataplaneDriver {
    let dataplane: DPDKDataplane
    let devices: [DPDKPortConfig?]
    let links: DPDKLinkWatch

    init(_ dataplane: DPDKDataplane, devices: [DPDKPortConfig?], links: DPDKLinkWatch) {
        self.dataplane = dataplane; self.devices = devices; self.links = links
    }

    var kind: String { "dpdk" }
    var tables: ForwardingTables { dataplane.tables }

    func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws {
        try dataplane.apply(ForwardingTables(config, generation: generation, liveness: liveness))
    }

    func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        dataplane.setInstances(function: f, selector: selector, states: states)
    }
    func sendProbe(port: Int, frame: [UInt8]) -> Bool { dataplane.sendProbe(port: port, frame: frame) }
    func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) { dataplane.probeReply(token: token) }

    func counters() throws -> Counters { dataplane.counters }

    func ports() -> [PortStatus] {
        let states = links.report.links
        return dataplane.tables.ports.enumerated().map { p, port in
            PortStatus(name: port.name, attachment: p < devices.count ? (devices[p]?.device ?? "-") : "-",
                       link: states[port.name] ?? "unknown")
        }
    }

    func workers() -> [WorkerStatus] {
        dataplane.workerStats.map { w in
            WorkerStatus(name: "lcore\(w.lcore)", packets: w.rxPackets,
                         busyRatio: w.polls == 0 ? nil : Double(w.busyPolls) / Double(w.polls))
        }
    }

    func tick(logger: Logger) {}

    func armTrace(_ filter: TraceFilter, count: Int) throws { try dataplane.armTrace(filter: filter, count: count) }
    func drainTrace() -> [TraceRecord] { dataplane.drainTrace() }
    func disarmTrace() { dataplane.disarmTrace() }
    var traceRecordsDropped: UInt64 { dataplane.traceRecordsDropped }
}
