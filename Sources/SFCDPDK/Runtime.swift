// What a process holds once for every dataplane instance: EAL and the
// packet buffer pool.
import CDPDK
import Foundation
import Logging
import SFCCore

public final class DPDKRuntime {
    public let config: DPDKConfig
    public let pool: Mempool
    let logger: Logger
    private var stopped = false

    /// Starts EAL from `config` (the devices of its ports become vdevs / allowed PCI
    /// devices) and creates the pool described by `plan`.
    /// `portNames` name the ports in errors about their devices.
    public init(config: DPDKConfig, plan: MempoolPlan, portNames: [String] = [], logger: Logger) throws {
        try plan.check(memoryMB: config.memoryMB)
        try VirtualDevices.check(portNames: portNames, dpdk: config, drivers: VirtualDevices.installedDrivers())
        let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let args = try EALArguments.build(config, meminfo: meminfo, prefix: "sfc-\(getpid())")
        try EAL.start(args, logger: logger)
        do {
            pool = try Mempool.create(name: "sfc_mbufs", plan: plan, memoryMB: config.memoryMB)
        } catch {
            EAL.stop()
            throw error
        }
        self.config = config
        self.logger = logger
        logger.info("mempool: \(plan.mbufs) mbufs, data room \(plan.dataRoom) bytes (\(plan.totalBytes >> 20) MiB)")
    }

    /// A pool plan for forwarding `tables` with `config`: every descriptor of
    /// every queue (one pair per lcore per port), frames up to the largest MTU.
    public static func plan(for config: DPDKConfig, tables: ForwardingTables) -> MempoolPlan {
        let lcores = max(1, config.lcores.count)
        let descriptors = config.ports.reduce(0) { sum, port in
            sum + (port.map { ($0.rxDescriptors + $0.txDescriptors) * lcores } ?? 0)
        }
        let maxMTU = tables.ports.map(\.mtu).max() ?? 1500
        return plan(descriptors: descriptors, lcores: lcores, ports: tables.ports.count, maxFrame: maxMTU + 22)
    }

    /// A pool plan with this DPDK build's mbuf header size and headroom.
    public static func plan(descriptors: Int, lcores: Int, ports: Int, maxFrame: Int) -> MempoolPlan {
        MempoolPlan.make(descriptors: descriptors, lcores: lcores, ports: ports, maxFrame: maxFrame,
                         headroom: Int(sfc_dpdk_mbuf_default_headroom()), mbufHeader: Int(sfc_dpdk_mbuf_header_size()))
    }

    /// Frees the pool and releases EAL. Every port must be closed first.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        pool.free()
        EAL.stop()
    }
}
