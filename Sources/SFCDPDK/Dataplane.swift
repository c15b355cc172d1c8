// The DPDK dataplane: a DPDK port per logical port, one LcoreWorker (and
// Pipeline) per lcore, forwarding until the stop flag is set; counters
// summed over the lcores on read. `apply` (DataplaneReload.swift) swaps the
// tables while it forwards; `armTrace` (DataplaneTrace.swift) follows packets.
import CDPDK
import Foundation
import Logging
import SFCCore

/// What one lcore's loop did, for a per-lcore busy ratio.
public struct WorkerStat: Sendable, Equatable {
    public var lcore: Int
    public var rxPackets: UInt64
    public var polls: UInt64
    /// Polls that received at least one packet.
    public var busyPolls: UInt64

    public init(lcore: Int, rxPackets: UInt64, polls: UInt64, busyPolls: UInt64) {
        self.lcore = lcore; self.rxPackets = rxPackets; self.polls = polls; self.busyPolls = busyPolls
    }
}

public final class DPDKDataplane: @unchecked Sendable {
    /// The current generation's tables (the layout `counters` comes in).
    public var tables: ForwardingTables {
        state.lock(); defer { state.unlock() }
        return current.tables
    }
    public let ports: [DPDKPort]
    public let workers: [LcoreWorker]
    let lcores: [Int]
    let logger: Logger
    private var portState = PortState.running

    enum PortState { case running, stopped, closed }

    /// One table generation: its tables and one pipeline per worker.
    final class Generation {
        let tables: ForwardingTables
        let pipelines: [Pipeline]
        init(tables: ForwardingTables, pipelines: [Pipeline]) { self.tables = tables; self.pipelines = pipelines }
    }

    /// Guards the control-side state below (never taken by an lcore):
    /// apply, counters, trace arming and draining from any threads.
    let state = NSLock()
    /// Serialises apply / armTrace with each other (they wait for quiescence outside `state`).
    let control = NSLock()
    var current: Generation
    /// Generations whose pipelines an lcore may still be counting with: the
    /// one being replaced during an apply, and any new one an apply that
    /// timed out had published (kept until a later grace period retires it).
    var live: [Generation] = []
    /// Final counts of retired generations, in the current tables' layout.
    var retired: Counters
    /// Every publication an lcore might still hold or adopt, per worker.
    var held: [[LcorePublication]]
    var epoch: UInt64 = 0
    /// The QSBR variable the workers report to (reader i = worker i).
    let qsbr: OpaquePointer
    let trace = TraceShared()
    /// The affinity table and probe replies every pipeline of every
    /// generation shares.
    public let shared = PipelineShared()
    let pool: OpaquePointer
    let injectLock = NSLock()
    /// The trace rings' single consumer.
    let traceDrain = NSLock()
    /// How long apply / armTrace wait for every lcore to pass a quiescent point.
    public var quiescenceTimeout: Double = 5

    /// Finds the device of every logical port (`devices[i]` for port i),
    /// configures one queue pair per lcore and starts the ports.
    public init(runtime: DPDKRuntime, tables: ForwardingTables, devices: [DPDKPortConfig?], lcores: [Int], logger: Logger) throws {
        let names = tables.ports.map(\.name)
        try PortSetup.checkDevices(portNames: names, dpdk: DPDKConfig(ports: devices))
        guard let qsbr = sfc_dpdk_qsbr_create(UInt32(max(1, lcores.count))) else {
            throw DPDKError(.lcores, "cannot create the RCU (QSBR) variable for \(lcores.count) lcore(s)")
        }
        for i in 0..<max(1, lcores.count) { _ = sfc_dpdk_qsbr_register(qsbr, UInt32(i)) }
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
            sfc_dpdk_qsbr_free(qsbr)
            throw error
        }
        self.ports = ports
        self.lcores = lcores
        self.logger = logger
        self.qsbr = qsbr
        let trace = self.trace
        let shared = self.shared
        pool = runtime.pool.pointer
        let live = LiveInstances(tables: tables)
        let workers = lcores.indices.map {
            LcoreWorker(index: $0, pipeline: Pipeline(tables: tables, live: live, shared: shared), ports: ports, qsbr: qsbr, trace: trace)
        }
        self.workers = workers
        current = Generation(tables: tables, pipelines: workers.map(\.initial.pipeline))
        retired = Counters(tables: tables)
        held = workers.map { [$0.initial] }
    }

    deinit {
        // The workers (and their rings) go with their last reference; the
        // QSBR variable is only read by run(), which returned before this.
        sfc_dpdk_qsbr_free(qsbr)
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

    /// DPDK-level counters of every lcore, summed. Any thread, any time:
    /// each lcore is the single writer of its block, this copies it.
    public var stats: LcoreWorker.Stats {
        var total = LcoreWorker.Stats(txRefused: Array(repeating: 0, count: ports.count))
        for w in workers { total.merge(w.stats) }
        return total
    }

    /// Per lcore: packets received, polls, and polls that received at least
    /// one packet (busyPolls / polls is the lcore's busy ratio).
    public var workerStats: [WorkerStat] {
        workers.map { WorkerStat(lcore: lcores[$0.index], rxPackets: $0.stats.rxPackets, polls: $0.polls, busyPolls: $0.busyPolls) }
    }

    /// Stops the ports (a pcap device flushes and closes its files here).
    public func stopPorts() {
        guard portState == .running else { return }
        portState = .stopped
        for p in ports { PortSetup.stop(p) }
    }

    public func close() {
        stopPorts()
        injectLock.lock()
        for w in workers { w.releaseInjectRing() }
        injectLock.unlock()
        guard portState == .stopped else { return }
        portState = .closed
        for p in ports { PortSetup.close(p) }
    }
}
