// A DPDK port over two rings this process owns (rte_eth_from_rings): what
// is put on `rx` is what rx_burst returns, what tx_burst sends lands on
// `tx`. Lets a caller run single packets through the real burst loop.
import CDPDK

public final class RingPort {
    public let name: String
    /// The ethdev's name as DPDK registered it (use it as the port's device).
    public let deviceName: String
    let rx: OpaquePointer
    let tx: OpaquePointer

    public init(name: String, slots: Int = 1024) throws {
        guard let rx = sfc_dpdk_ring_create("\(name)_rx", UInt32(slots), -1),
              let tx = sfc_dpdk_ring_create("\(name)_tx", UInt32(slots), -1) else {
            throw DPDKError(.portSetup, "cannot create the rings of port \(name): \(String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))")
        }
        let id = sfc_dpdk_port_from_rings(name, rx, tx, UInt32(sfc_dpdk_socket_id()))
        var buffer = [CChar](repeating: 0, count: 128)
        guard id >= 0, sfc_dpdk_port_name(UInt16(id), &buffer, buffer.count) == 0 else {
            sfc_dpdk_ring_free(rx); sfc_dpdk_ring_free(tx)
            throw DPDKError(.portSetup, "cannot create ring port \(name): \(String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))")
        }
        // DPDK 22.11 registers it as net_ring_<name>; ask rather than assume.
        deviceName = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.name = name; self.rx = rx; self.tx = tx
    }

    /// Copies `bytes` into a fresh mbuf and queues it for rx_burst. False
    /// when it does not fit an mbuf or the pool or ring is exhausted.
    public func inject(_ bytes: [UInt8], pool: Mempool) -> Bool {
        guard let m = sfc_dpdk_pktmbuf_alloc(pool.pointer) else { return false }
        guard bytes.count <= Int(UInt16.max), let data = sfc_dpdk_pktmbuf_append(m, UInt16(bytes.count)) else {
            sfc_dpdk_pktmbuf_free(m)
            return false
        }
        bytes.withUnsafeBytes { if let b = $0.baseAddress { UnsafeMutableRawPointer(data).copyMemory(from: b, byteCount: bytes.count) } }
        var one: OpaquePointer? = m
        guard sfc_dpdk_ring_enqueue_burst(rx, &one, 1) == 1 else {
            sfc_dpdk_pktmbuf_free(m)
            return false
        }
        return true
    }

    /// Everything sent on the port since the last drain, copied out; the mbufs are freed.
    public func drain() -> [[UInt8]] {
        var out: [[UInt8]] = []
        var m: OpaquePointer? = nil
        while sfc_dpdk_ring_dequeue_burst(tx, &m, 1) == 1, let mbuf = m {
            let length = Int(sfc_dpdk_mbuf_data_len(mbuf))
            out.append(Array(UnsafeRawBufferPointer(start: sfc_dpdk_mbuf_data(mbuf), count: length)))
            sfc_dpdk_pktmbuf_free(mbuf)
        }
        return out
    }

    /// Frees the rings; the port must be closed first.
    public func free() {
        drainAndFree(rx)
        drainAndFree(tx)
    }

    private func drainAndFree(_ ring: OpaquePointer) {
        var m: OpaquePointer? = nil
        while sfc_dpdk_ring_dequeue_burst(ring, &m, 1) == 1 { sfc_dpdk_pktmbuf_free(m) }
        sfc_dpdk_ring_free(ring)
    }
}
