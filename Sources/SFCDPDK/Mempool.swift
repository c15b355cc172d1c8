// The packet buffer pool: one for the process, sized for every descriptor
// of every queue plus what the lcores hold in caches and TX buffers, and
// checked against the memory EAL was given before DPDK is asked for it.
import CDPDK

public struct MempoolPlan: Sendable, Equatable {
    public var mbufs: Int
    public var cacheSize: Int
    public var dataRoom: Int
    /// Bytes per mbuf as the pool lays it out (header + data room + object overhead).
    public var bytesPerMbuf: Int
    public var totalBytes: Int { mbufs * bytesPerMbuf }

    /// EAL's own structures (ethdev, rings, memzones) live in the same memory.
    public static let ealReserveMB = 48

    /// - Parameters:
    ///   - descriptors: RX + TX descriptors summed over every queue of every port.
    ///   - lcores: forwarding lcores (each holds a mempool cache and a burst per TX buffer).
    ///   - ports: logical ports (TX buffers per lcore).
    ///   - maxFrame: the largest frame a port receives (MTU + Ethernet + VLAN).
    public static func make(descriptors: Int, lcores: Int, ports: Int, maxFrame: Int,
                            headroom: Int, mbufHeader: Int) -> MempoolPlan {
        let cache = 256
        let inFlight = descriptors + lcores * (cache + 32 * (ports + 2)) + 1024
        // Rings are fastest at 2^k - 1 elements.
        var n = 1
        while n - 1 < inFlight { n <<= 1 }
        let dataRoom = headroom + max(2048, maxFrame)
        let perMbuf = (mbufHeader + dataRoom + 64 + 63) & ~63
        return MempoolPlan(mbufs: n - 1, cacheSize: cache, dataRoom: dataRoom, bytesPerMbuf: perMbuf)
    }

    /// Throws when the pool cannot fit in `memoryMB` of EAL memory, saying what to change.
    public func check(memoryMB: Int) throws {
        let needMB = (totalBytes + (1 << 20) - 1) >> 20
        if needMB + Self.ealReserveMB > memoryMB {
            throw DPDKError(.mempool, "the packet buffer pool needs \(mbufs) mbufs of \(bytesPerMbuf) bytes = \(needMB) MiB "
                            + "(plus about \(Self.ealReserveMB) MiB for DPDK itself), more than the \(memoryMB) MiB given to EAL: "
                            + "raise the dpdk section's `memory` to at least \(needMB + Self.ealReserveMB), or lower the ports' "
                            + "ring sizes, the number of lcores or the largest port MTU")
        }
        if dataRoom > Int(UInt16.max) {
            throw DPDKError(.mempool, "an mbuf data room of \(dataRoom) bytes does not fit DPDK's 16-bit buf_len: lower the largest port MTU")
        }
    }
}

/// A created pool; freed explicitly once every port using it is closed.
public struct Mempool: @unchecked Sendable {
    public let pointer: OpaquePointer
    public let plan: MempoolPlan

    public static func create(name: String, plan: MempoolPlan, memoryMB: Int, socket: Int32 = -1) throws -> Mempool {
        try plan.check(memoryMB: memoryMB)
        guard let pool = sfc_dpdk_pktmbuf_pool_create(name, UInt32(plan.mbufs), UInt32(plan.cacheSize),
                                                      UInt16(plan.dataRoom), socket) else {
            let code = sfc_dpdk_errno()
            throw DPDKError(.mempool, "DPDK could not create the packet buffer pool of \(plan.mbufs) mbufs × \(plan.bytesPerMbuf) bytes "
                            + "(\(plan.totalBytes >> 20) MiB): \(String(cString: sfc_dpdk_strerror(code))). Raise the dpdk "
                            + "section's `memory` (EAL -m, now \(memoryMB) MiB) or lower ring sizes / lcores")
        }
        return Mempool(pointer: pool, plan: plan)
    }

    public var inUse: Int { Int(sfc_dpdk_mempool_in_use(pointer)) }

    public func free() { sfc_dpdk_mempool_free(pointer) }
}
