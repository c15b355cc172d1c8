// The DPDK dataplane for one set of forwarding tables: a DPDK port per
// logical port, one LcoreWorker (and Pipeline) per lcore, forwarding until
// the stop flag is set; counters summed over the lcores on read.
import CDPDK
import Logging
import SFCCore

public final class DPDKDataplane {
    public let tables: ForwardingTables
    public let ports: [DPDKPort]
    public let workers: [LcoreWorker]
    let lcores: [Int]
    let logger: Logger
    private var state = State.running

    enum State { case running, stopped, closed }

    /// Finds the device of every logical port (`devices[i]` for port i),
    /// configures one queue pair per lcore and starts the ports.
    public init(runtime: DPDKRuntime, tables: ForwardingTables, devices: [DPDKPortConfig?], lcores: [Int], logger: Logger) throws {
        let names = tables.ports.map(\.name)
        try PortSetup.checkDevices(portNames: names, dpdk: DPDKConfig(ports: devices))
        var ports: [DPDKPort] = []
        do {
            for (i, name) in names.enumerated() {
                let device = devices[i]!
                let (id, info) = try PortSetup.lookup(logical: i, logicalName: name, device: device)
                let port = try PortSetup.configure(logical: i, logicalName: name, deviceName: device.name, id: id, info: info,
                                                   lcores: lcores.count, rxDescriptors: device.rxDescriptors,
                                                   txDescriptors: device.txDescriptors, pool: runtime.pool)
                logger.info("port \(name): \(device.name) (\(port.driver)), \(port.rxQueues) RX / \(port.txQueues) TX queue(s)\(port.rss ? ", RSS" : "")")
                ports.append(port)
            }
        } catch {
            for p in ports { PortSetup.stop(p); PortSetup.close(p) }
            throw error
        }
        self.tables = tables
        self.ports = ports
        self.lcores = lcores
        self.logger = logger
        workers = lcores.indices.map { LcoreWorker(index: $0, tables: tables, ports: ports) }
    }

    /// Runs worker 0 on the calling (main) lcore and the others on their
    /// lcores until the stop flag is set; returns when all have stopped.
    public func forward() {
        let entry: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { arg in
            Unmanaged<LcoreWorker>.fromOpaque(arg!).takeUnretainedValue().run()
            return 0
        }
        var launched: [UInt32] = []
        for k in workers.indices.dropFirst() {
            let lcore = UInt32(lcores[k])
            if sfc_dpdk_lcore_launch(entry, Unmanaged.passUnretained(workers[k]).toOpaque(), lcore) == 0 {
                launched.append(lcore)
            } else {
                logger.error("could not launch the forwarding loop on lcore \(lcore); its queues stay idle")
            }
        }
        workers[0].run()
        for lcore in launched { _ = sfc_dpdk_lcore_wait(lcore) }
    }

    /// Marks a logical port's link down (its bursts are dropped `egress-down`,
    /// not sent) or up again; any thread may call it while forwarding.
    public func setLinkDown(logical: Int, _ down: Bool) {
        Self.setLinkDown(portIDs: ports.filter { $0.logical == logical }.map(\.id), down)
    }

    /// The same by DPDK port id, for a thread that holds no dataplane.
    public static func setLinkDown(portIDs: [UInt16], _ down: Bool) {
        for id in portIDs { sfc_dpdk_set_link_down(id, down ? 1 : 0) }
    }

    /// Pipeline counters of every lcore, summed.
    public var counters: Counters {
        var total = Counters(tables: tables)
        for w in workers { total.merge(w.pipeline.counters) }
        return total
    }

    /// DPDK-level counters of every lcore, summed.
    public var stats: LcoreWorker.Stats {
        var total = LcoreWorker.Stats(txRefused: Array(repeating: 0, count: tables.ports.count))
        for w in workers { total.merge(w.stats) }
        return total
    }

    /// Stops the ports (a pcap device flushes and closes its files here).
    public func stopPorts() {
        guard state == .running else { return }
        state = .stopped
        for p in ports { PortSetup.stop(p) }
    }

    public func close() {
        stopPorts()
        guard state == .stopped else { return }
        state = .closed
        for p in ports { PortSetup.close(p) }
    }
}
