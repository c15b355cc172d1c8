// Instance liveness on the DPDK dataplane: state changes go into the running
// generation's LiveInstances in place (every lcore's pipeline reads the same
// memory; no reload, no grace period), probe frames go out through worker
// 0's inject ring, and what came back is read from the shared probe replies.
import CDPDK
import SFCCore

extension DPDKDataplane {
    /// Rewrites function `f`'s bucket table and instance states in the
    /// generation packets use now.
    public func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) {
        control.lock(); defer { control.unlock() }
        let generation = lockedState { current }
        generation.pipelines.first?.live.set(function: f, selector: selector, states: states)
    }

    /// Queues `frame` to leave on logical port `port` (sent by worker 0 at
    /// its next poll). False when no mbuf was free or the ring is full.
    public func sendProbe(port: Int, frame: [UInt8]) -> Bool {
        guard port >= 0 && port < ports.count, frame.count <= Int(UInt16.max) else { return false }
        injectLock.lock(); defer { injectLock.unlock() }
        let m = frame.withUnsafeBytes { sfc_dpdk_mbuf_from_bytes(pool, $0.baseAddress, UInt16(frame.count), UInt16(port)) }
        guard let m else { return false }
        if workers[0].inject(m) { return true }
        sfc_dpdk_pktmbuf_free(m)
        return false
    }

    public func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) { shared.probes.reply(token: token) }
}
