// Records, for every packet handed to tx_burst on one port, the Rx
// timestamp dynamic field its mbuf carries (net_pcap stores the capture
// timestamp there). Replay uses it to give each output packet the time of
// the input packet it came from. An ethdev TX callback, so the forwarding
// loop is unchanged; not for the forwarding fast path (it appends to an array).
import CDPDK

public final class TXTap {
    public private(set) var values: [UInt64] = []
    let port: UInt16
    let queue: UInt16
    let offset: Int32
    private var handle: UnsafeRawPointer?

    /// nil when no device registered the Rx timestamp field.
    public static var timestampFieldAvailable: Bool { sfc_dpdk_rx_timestamp_offset() >= 0 }

    public init(port: DPDKPort, queue: Int = 0) throws {
        let offset = sfc_dpdk_rx_timestamp_offset()
        guard offset >= 0 else {
            throw DPDKError(.portSetup, "no DPDK device registered the Rx timestamp mbuf field (net_pcap does): cannot tap \(port.deviceName)")
        }
        self.port = port.id; self.queue = UInt16(queue); self.offset = offset
        let callback: sfc_dpdk_tx_callback = { _, _, mbufs, count, user in
            let tap = Unmanaged<TXTap>.fromOpaque(user!).takeUnretainedValue()
            for i in 0..<Int(count) { tap.values.append(sfc_dpdk_mbuf_dynfield64(mbufs![i], tap.offset)) }
            return count
        }
        guard let handle = sfc_dpdk_add_tx_callback(self.port, self.queue, callback, Unmanaged.passUnretained(self).toOpaque()) else {
            throw DPDKError(.portSetup, "cannot add a TX callback on \(port.deviceName): \(String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))")
        }
        self.handle = handle
    }

    /// Detaches the callback (after the port stopped sending).
    public func remove() {
        if let handle { _ = sfc_dpdk_remove_tx_callback(port, queue, handle) }
        handle = nil
    }
}
