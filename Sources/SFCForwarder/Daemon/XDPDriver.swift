// The daemon's view of the XDP dataplane: reload = a new table generation
// swapped in through sfc_active (GenerationWriter); counters read from the
// per-CPU maps; link watching each tick.
import Logging
import SFCDaemon
import SFCCore
import SFCXDP

final class XDPDriver: DataplaneDriver {
    let dataplane: XDPDataplane
    private(set) var linkChanges = 0

    init(_ dataplane: XDPDataplane) { self.dataplane = dataplane }

    var kind: String { "xdp" }
    var tables: ForwardingTables { dataplane.tables }

    func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws {
        try dataplane.update(config, generation: generation, liveness: liveness)
    }

    func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        try dataplane.setInstances(function: f, selector: selector, states: states)
    }
    func sendProbe(port: Int, frame: [UInt8]) -> Bool { dataplane.sendProbe(port: port, frame: frame) }
    func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) { dataplane.probeReply(token: token) }

    func counters() throws -> Counters { try dataplane.counters() }

    func ports() -> [PortStatus] {
        let attached = Set(dataplane.attachments.map(\.port))
        return dataplane.tables.ports.enumerated().map { p, port in
            let link = port.interface == nil ? "none" : (p < dataplane.linkUp.count && dataplane.linkUp[p] ? "up" : "down")
            let mode = dataplane.attachments.first { $0.port == port.name }.map { " (\($0.mode.rawValue))" } ?? ""
            return PortStatus(name: port.name, attachment: (port.interface ?? "-") + (attached.contains(port.name) ? mode : ""), link: link)
        }
    }

    func workers() -> [WorkerStatus] {
        ((try? dataplane.perCPUPackets) ?? []).enumerated().map { WorkerStatus(name: "cpu\($0.offset)", packets: $0.element, busyRatio: nil) }
    }

    func tick(logger: Logger) {
        do {
            for change in try dataplane.refreshLinks() {
                linkChanges += 1
                if change.up { logger.notice("\(change): forwarding to it again") } else {
                    logger.warning("\(change): what the chains send there is dropped as egress-down")
                }
            }
        } catch {
            logger.error("reading link state: \(error)")
        }
    }

    func armTrace(_ filter: TraceFilter, count: Int) throws { try dataplane.armTrace(filter: filter, count: count) }
    func drainTrace() -> [TraceRecord] { dataplane.drainTrace() }
    func disarmTrace() { try? dataplane.disarmTrace() }
    var traceRecordsDropped: UInt64 { dataplane.traceRecordsDropped }
}
