// One forwarding lcore, run to completion: receive a burst from each of its
// RX queues, point an external PacketBatch at the mbufs, run the pipeline
// over the burst in place, write the windows back into the mbufs, buffer
// forwarded packets per egress port, free the dropped ones, send.
//
// Everything the loop touches per packet is allocated here, once: raw
// pointers (no exclusivity checks, no ARC), the batch and the pipeline.
// One worker per lcore; its counters are its own, summed on read.
import CDPDK
import SFCCore
import SFCRuntime

public final class LcoreWorker {
    public static let burst = 32
    /// Packets buffered per egress port before a tx_burst is forced.
    static let txBufferSize = 64

    public let index: Int
    public let pipeline: Pipeline
    let batch: PacketBatch
    let portCount: Int

    /// RX queues this worker polls: DPDK port id, queue, logical port.
    let rxCount: Int
    let rxPort: UnsafeMutablePointer<UInt16>
    let rxQueue: UnsafeMutablePointer<UInt16>
    let rxLogical: UnsafeMutablePointer<Int32>
    /// Logical port -> DPDK port id; this worker's TX queue on every port.
    let txPort: UnsafeMutablePointer<UInt16>
    let txQueue: UInt16

    let rxMbufs: UnsafeMutablePointer<OpaquePointer?>
    let views: UnsafeMutablePointer<sfc_dpdk_mbuf_view>
    let batchMbufs: UnsafeMutablePointer<OpaquePointer?>
    let freeList: UnsafeMutablePointer<OpaquePointer?>
    let txBuffers: UnsafeMutablePointer<OpaquePointer?>
    let txCounts: UnsafeMutablePointer<Int>

    /// Dataplane counters the pipeline does not keep (indexed as in `Stats`).
    let statsRaw: UnsafeMutablePointer<UInt64>

    /// What the DPDK layer itself counted on this lcore.
    public struct Stats: Sendable, Equatable {
        public var rxPackets: UInt64 = 0
        public var multiSegmentLinearized: UInt64 = 0
        public var multiSegmentDropped: UInt64 = 0
        /// Per logical port: packets the device did not take (freed, not sent).
        public var txRefused: [UInt64]

        public mutating func merge(_ other: Stats) {
            rxPackets &+= other.rxPackets
            multiSegmentLinearized &+= other.multiSegmentLinearized
            multiSegmentDropped &+= other.multiSegmentDropped
            for i in txRefused.indices where i < other.txRefused.count { txRefused[i] &+= other.txRefused[i] }
        }
    }

    public init(index: Int, tables: ForwardingTables, ports: [DPDKPort]) {
        self.index = index
        pipeline = Pipeline(tables: tables)
        batch = PacketBatch(externalCapacity: Self.burst)
        portCount = tables.ports.count
        let mine = ports.filter { $0.rxQueues > index }
        rxCount = mine.count
        rxPort = .allocate(capacity: max(1, mine.count))
        rxQueue = .allocate(capacity: max(1, mine.count))
        rxLogical = .allocate(capacity: max(1, mine.count))
        for (i, p) in mine.enumerated() {
            rxPort[i] = p.id; rxQueue[i] = UInt16(index); rxLogical[i] = Int32(p.logical)
        }
        txPort = .allocate(capacity: max(1, portCount))
        txPort.initialize(repeating: UInt16.max, count: max(1, portCount))
        for p in ports { txPort[p.logical] = p.id }
        txQueue = UInt16(index)
        rxMbufs = .allocate(capacity: Self.burst); rxMbufs.initialize(repeating: nil, count: Self.burst)
        views = .allocate(capacity: Self.burst); views.initialize(repeating: sfc_dpdk_mbuf_view(), count: Self.burst)
        batchMbufs = .allocate(capacity: Self.burst); batchMbufs.initialize(repeating: nil, count: Self.burst)
        freeList = .allocate(capacity: Self.burst); freeList.initialize(repeating: nil, count: Self.burst)
        txBuffers = .allocate(capacity: max(1, portCount) * Self.txBufferSize)
        txBuffers.initialize(repeating: nil, count: max(1, portCount) * Self.txBufferSize)
        txCounts = .allocate(capacity: max(1, portCount)); txCounts.initialize(repeating: 0, count: max(1, portCount))
        statsRaw = .allocate(capacity: 3 + max(1, portCount)); statsRaw.initialize(repeating: 0, count: 3 + max(1, portCount))
    }

    deinit {
        rxPort.deallocate(); rxQueue.deallocate(); rxLogical.deallocate(); txPort.deallocate()
        rxMbufs.deallocate(); views.deallocate(); batchMbufs.deallocate(); freeList.deallocate()
        txBuffers.deallocate(); txCounts.deallocate(); statsRaw.deallocate()
    }

    public var stats: Stats {
        Stats(rxPackets: statsRaw[0], multiSegmentLinearized: statsRaw[1], multiSegmentDropped: statsRaw[2],
              txRefused: (0..<portCount).map { statsRaw[3 + $0] })
    }

    /// Forwards until the stop flag is set, then sends what is buffered.
    public func run() {
        while !StopSignal.requested { _ = poll() }
        flushAll()
    }

    /// One iteration: every RX queue once, then every TX buffer flushed.
    /// Returns the number of packets received.
    @discardableResult
    public func poll() -> Int {
        var received = 0
        for r in 0..<rxCount {
            received &+= receiveAndProcess(port: rxPort[r], queue: rxQueue[r], logical: rxLogical[r])
        }
        flushAll()
        return received
    }

    @inline(__always)
    func receiveAndProcess(port: UInt16, queue: UInt16, logical: Int32) -> Int {
        let n = Int(sfc_dpdk_rx_burst(port, queue, rxMbufs, UInt16(Self.burst)))
        if n == 0 { return 0 }
        statsRaw[0] &+= UInt64(n)
        sfc_dpdk_mbuf_views(rxMbufs, UInt16(n), views)
        let packets = batch.packets, meta = batch.meta
        var count = 0, freeCount = 0
        for i in 0..<n {
            let m = rxMbufs[i]
            var v = views[i]
            if v.nb_segs != 1 {
                // The pipeline works on one contiguous window: copy the tail
                // segments into the first when they fit, else drop.
                if sfc_dpdk_pktmbuf_linearize(m) == 0 {
                    statsRaw[1] &+= 1
                    sfc_dpdk_mbuf_views(rxMbufs + i, 1, views + i)
                    v = views[i]
                } else {
                    statsRaw[2] &+= 1
                    pipeline.countDroppedBeforePipeline(ingress: Int(logical), reason: .truncated)
                    freeList[freeCount] = m; freeCount &+= 1
                    continue
                }
            }
            packets[count] = PacketBuffer(base: v.buf_addr, capacity: Int(v.buf_len), headroom: Int(v.data_off),
                                          length: Int(v.data_len))
            meta[count] = PacketMeta(ingress: logical)
            batchMbufs[count] = m
            count &+= 1
        }
        batch.count = count
        if count > 0 { pipeline.process(batch) }
        for i in 0..<count {
            let m = batchMbufs[i]
            if meta[i].verdict == .forward {
                let p = packets[i]
                sfc_dpdk_mbuf_set_window(m, UInt16(truncatingIfNeeded: p.headroom), UInt16(truncatingIfNeeded: p.length))
                enqueueTX(m, logical: Int(meta[i].egressPort))
            } else {
                freeList[freeCount] = m; freeCount &+= 1
            }
        }
        if freeCount > 0 { sfc_dpdk_pktmbuf_free_bulk(freeList, UInt32(freeCount)) }
        return n
    }

    @inline(__always)
    func enqueueTX(_ m: OpaquePointer?, logical: Int) {
        let buffer = txBuffers + logical &* Self.txBufferSize
        buffer[txCounts[logical]] = m
        txCounts[logical] &+= 1
        if txCounts[logical] == Self.txBufferSize { flush(logical) }
    }

    @inline(__always)
    func flush(_ logical: Int) {
        let count = txCounts[logical]
        let buffer = txBuffers + logical &* Self.txBufferSize
        // A kernel-backed device whose link is down would take the burst and
        // the kernel drop it: count it as what it is (one load per burst).
        if sfc_dpdk_link_down(txPort[logical]) != 0 {
            let bytes = sfc_dpdk_pktmbuf_len_sum(buffer, UInt32(count))
            pipeline.countNotSent(port: logical, packets: count, bytes: bytes, reason: .egressDown)
            sfc_dpdk_pktmbuf_free_bulk(buffer, UInt32(count))
            txCounts[logical] = 0
            return
        }
        let sent = Int(sfc_dpdk_tx_burst(txPort[logical], txQueue, buffer, UInt16(count)))
        if sent < count {
            sfc_dpdk_pktmbuf_free_bulk(buffer + sent, UInt32(count - sent))
            statsRaw[3 + logical] &+= UInt64(count - sent)
        }
        txCounts[logical] = 0
    }

    public func flushAll() {
        for p in 0..<portCount where txCounts[p] > 0 { flush(p) }
    }
}
