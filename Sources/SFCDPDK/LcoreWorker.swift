// One forwarding lcore, run to completion: receive a burst from each of its
// RX queues, point an external PacketBatch at the mbufs, run the pipeline
// over the burst in place, write the windows back into the mbufs, buffer
// forwarded packets per egress port, free the dropped ones, send.
//
// Everything the loop touches per packet is allocated here, once: raw
// pointers (no exclusivity checks, no ARC), the batch and the pipeline.
// One worker per lcore; its counters are its own, summed on read.
//
// Reload (see Generation.swift): at the top of every poll the worker loads
// its publication cell (one acquire load, a plain load on x86) and, when the
// dataplane published a new pipeline, switches to it before the first burst
// (carrying proxy state), then acks the epoch. In run() it reports a QSBR
// quiescent state after every poll: between two polls it holds no reference
// to a pipeline the dataplane may retire.
//
// Live trace: one load of the armed flag per burst; only when it is set does
// the worker test packets against the filter and copy them into its own
// preallocated single-producer record ring.
import CDPDK
import SFCCore
import SFCRuntime

public final class LcoreWorker {
    public static let burst = 32
    /// Packets buffered per egress port before a tx_burst is forced.
    static let txBufferSize = 64

    public let index: Int
    /// The pipeline this worker forwards with (its current publication's).
    /// Read it from the lcore itself, or while the worker is not running.
    public var pipeline: Pipeline { current.pipeline }
    /// The publication the worker started with (the dataplane keeps the later ones alive).
    let initial: LcorePublication
    /// The dataplane writes the next publication here (release store).
    let publishedCell: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The publication the worker runs: written only by the worker.
    let currentCell: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The epoch of `currentCell`, stored (release) after a switch is complete.
    let ackCell: UnsafeMutablePointer<UInt64>
    /// The dataplane's QSBR variable (nil for a worker outside a dataplane);
    /// this worker is reader `index`.
    let qsbr: OpaquePointer?

    /// Live trace: the shared flag, budget and filter; this worker's ring
    /// and, per burst slot, the record being filled (nil: not traced).
    let trace: TraceShared
    let traceArmed: UnsafeMutablePointer<Int32>
    let traceRing: OpaquePointer?
    /// Worker 0 only: frames the control thread hands over to send (the
    /// daemon's liveness probes), an SP/SC rte_ring of mbufs whose port field
    /// names the logical port. One dequeue per poll, none when empty.
    private(set) var injectRing: OpaquePointer?
    static let injectBurst = 8
    let injectMbufs: UnsafeMutablePointer<OpaquePointer?>
    nonisolated(unsafe) static var injectRingSerial = 0
    let traceSlots: UnsafeMutablePointer<UnsafeMutablePointer<sfc_trace_slot>?>
    /// Records one worker's ring holds before it drops new ones.
    public static let traceRingSlots = 1024

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

    /// Dataplane counters the pipeline does not keep: rx packets,
    /// multi-segment linearized, multi-segment dropped, polls, busy polls,
    /// trace records dropped, then tx refused per logical port. Single
    /// writer (this lcore), readers on any thread: relaxed atomics
    /// (sfc_stat_add_u64 / sfc_stat_load_u64), plain movs on x86-64.
    let statsRaw: UnsafeMutablePointer<UInt64>
    static let statPolls = 3, statBusyPolls = 4, statTraceDropped = 5, statTxRefused = 6

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

    public convenience init(index: Int, tables: ForwardingTables, ports: [DPDKPort]) {
        self.init(index: index, pipeline: Pipeline(tables: tables), ports: ports, qsbr: nil, trace: TraceShared())
    }

    init(index: Int, pipeline: Pipeline, ports: [DPDKPort], qsbr: OpaquePointer?, trace: TraceShared) {
        let tables = pipeline.tables
        self.index = index
        initial = LcorePublication(pipeline: pipeline, epoch: 0)
        publishedCell = .allocate(capacity: 8)  // a cache line of its own: the control thread writes it
        publishedCell.initialize(repeating: nil, count: 8)
        publishedCell.pointee = initial.opaque
        currentCell = .allocate(capacity: 1); currentCell.initialize(to: initial.opaque)
        ackCell = .allocate(capacity: 8); ackCell.initialize(repeating: 0, count: 8)
        self.qsbr = qsbr
        self.trace = trace
        traceArmed = trace.armed
        traceRing = sfc_trace_ring_create(UInt32(Self.traceRingSlots))
        if index == 0 {
            Self.injectRingSerial += 1
            injectRing = sfc_dpdk_ring_create("sfc_inject_\(Self.injectRingSerial)", 256, -1)
        } else {
            injectRing = nil
        }
        injectMbufs = .allocate(capacity: Self.injectBurst); injectMbufs.initialize(repeating: nil, count: Self.injectBurst)
        traceSlots = .allocate(capacity: Self.burst); traceSlots.initialize(repeating: nil, count: Self.burst)
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
        let statCount = Self.statTxRefused + max(1, portCount)
        statsRaw = .allocate(capacity: statCount); statsRaw.initialize(repeating: 0, count: statCount)
    }

    deinit {
        rxPort.deallocate(); rxQueue.deallocate(); rxLogical.deallocate(); txPort.deallocate()
        rxMbufs.deallocate(); views.deallocate(); batchMbufs.deallocate(); freeList.deallocate()
        txBuffers.deallocate(); txCounts.deallocate(); statsRaw.deallocate()
        publishedCell.deallocate(); currentCell.deallocate(); ackCell.deallocate()
        sfc_trace_ring_free(traceRing); traceSlots.deallocate()
        releaseInjectRing()
        injectMbufs.deallocate()
    }

    /// Frees the inject ring and what it still holds. The dataplane calls it
    /// when it closes, while EAL's memory (where the ring lives) is still
    /// there; a worker dropped after EAL stopped has nothing left to free.
    func releaseInjectRing() {
        guard let ring = injectRing else { return }
        injectRing = nil
        while true {
            let n = Int(sfc_dpdk_ring_dequeue_burst(ring, injectMbufs, UInt32(Self.injectBurst)))
            if n == 0 { break }
            sfc_dpdk_pktmbuf_free_bulk(injectMbufs, UInt32(n))
        }
        sfc_dpdk_ring_free(ring)
    }

    /// Control thread (one producer at a time): queues `m` for worker 0 to
    /// send. False when the ring is full (the caller frees it).
    func inject(_ m: OpaquePointer) -> Bool {
        guard let ring = injectRing else { return false }
        var one: OpaquePointer? = m
        return sfc_dpdk_ring_enqueue_burst(ring, &one, 1) == 1
    }

    @inline(__always)
    func sendInjected(_ pipeline: Pipeline) {
        guard let ring = injectRing else { return }
        let n = Int(sfc_dpdk_ring_dequeue_burst(ring, injectMbufs, UInt32(Self.injectBurst)))
        for i in 0..<n {
            let m = injectMbufs[i]
            let logical = Int(sfc_dpdk_mbuf_port(m))
            // Sent on their own, outside the TX buffers: a probe is not
            // traffic, so it must not reach the port's counters (nor be
            // counted egress-down while the link is down).
            var one: OpaquePointer? = m
            if logical < portCount && txPort[logical] != UInt16.max && sfc_dpdk_link_down(txPort[logical]) == 0,
               sfc_dpdk_tx_burst(txPort[logical], txQueue, &one, 1) == 1 {
                continue
            }
            sfc_dpdk_pktmbuf_free(m)
        }
    }

    public var stats: Stats {
        Stats(rxPackets: sfc_stat_load_u64(statsRaw + 0), multiSegmentLinearized: sfc_stat_load_u64(statsRaw + 1),
              multiSegmentDropped: sfc_stat_load_u64(statsRaw + 2),
              txRefused: (0..<portCount).map { sfc_stat_load_u64(statsRaw + Self.statTxRefused + $0) })
    }

    /// Polls, and polls that received at least one packet (for a busy ratio).
    public var polls: UInt64 { sfc_stat_load_u64(statsRaw + Self.statPolls) }
    public var busyPolls: UInt64 { sfc_stat_load_u64(statsRaw + Self.statBusyPolls) }
    /// Trace records this worker dropped because its ring was full.
    public var traceRecordsDropped: UInt64 { sfc_stat_load_u64(statsRaw + Self.statTraceDropped) }

    /// The publication the worker runs (worker thread, or not running).
    var current: LcorePublication { Unmanaged<LcorePublication>.fromOpaque(currentCell.pointee!).takeUnretainedValue() }

    /// The last epoch the worker switched to (any thread).
    var ackedEpoch: UInt64 { sfc_atomic_load_u64_acquire(ackCell) }

    /// Forwards until the stop flag is set, then sends what is buffered.
    /// Online in the dataplane's QSBR variable meanwhile: a reload waits
    /// for this loop's quiescent reports, and not at all once it returned.
    public func run() {
        if let qsbr { sfc_dpdk_qsbr_online(qsbr, UInt32(index)) }
        while !StopSignal.requested {
            _ = poll()
            // Between two polls this lcore uses no pipeline and no trace filter.
            if let qsbr { sfc_dpdk_qsbr_quiescent(qsbr, UInt32(index)) }
        }
        flushAll()
        if let qsbr { sfc_dpdk_qsbr_offline(qsbr, UInt32(index)) }
    }

    /// One iteration: adopt a newly published pipeline, if any, then every
    /// RX queue once, then every TX buffer flushed (so no packet of this
    /// poll is left for the next one, which may run another generation).
    /// Returns the number of packets received.
    @discardableResult
    public func poll() -> Int {
        let published = sfc_atomic_load_ptr_acquire(publishedCell)
        if published != currentCell.pointee { adopt(published!) }
        let publication = current
        let pipeline = publication.pipeline
        var received = 0
        for r in 0..<rxCount {
            received &+= receiveAndProcess(pipeline, generation: publication.generation, port: rxPort[r], queue: rxQueue[r],
                                           logical: rxLogical[r])
        }
        sendInjected(pipeline)
        flush(pipeline)
        sfc_stat_add_u64(statsRaw + Self.statPolls, 1)
        if received > 0 { sfc_stat_add_u64(statsRaw + Self.statBusyPolls, 1) }
        return received
    }

    /// Switches to a new publication: carries proxy state from the current
    /// pipeline when the plan was made for it, then acks. Once per reload.
    @inline(never)
    func adopt(_ opaque: UnsafeMutableRawPointer) {
        let next = Unmanaged<LcorePublication>.fromOpaque(opaque).takeUnretainedValue()
        if let plan = next.carry, next.carryFrom == Unmanaged.passUnretained(current.pipeline).toOpaque() {
            next.pipeline.carryState(from: current.pipeline, plan: plan)
        }
        currentCell.pointee = opaque
        sfc_atomic_store_u64_release(ackCell, next.epoch)
    }

    @inline(__always)
    func receiveAndProcess(_ pipeline: Pipeline, generation: UInt64, port: UInt16, queue: UInt16, logical: Int32) -> Int {
        let n = Int(sfc_dpdk_rx_burst(port, queue, rxMbufs, UInt16(Self.burst)))
        if n == 0 { return 0 }
        sfc_stat_add_u64(statsRaw + 0, UInt64(n))
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
                    sfc_stat_add_u64(statsRaw + 1, 1)
                    sfc_dpdk_mbuf_views(rxMbufs + i, 1, views + i)
                    v = views[i]
                } else {
                    sfc_stat_add_u64(statsRaw + 2, 1)
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
        // The live trace's one test per burst when off (VPP: one flag per frame).
        let tracing = count > 0 && sfc_atomic_load_i32_acquire(traceArmed) != 0
        if tracing { traceArriving(count) }
        if count > 0 { pipeline.process(batch) }
        if tracing { traceLeaving(count, generation: generation) }
        for i in 0..<count {
            let m = batchMbufs[i]
            if meta[i].verdict == .forward {
                let p = packets[i]
                sfc_dpdk_mbuf_set_window(m, UInt16(truncatingIfNeeded: p.headroom), UInt16(truncatingIfNeeded: p.length))
                enqueueTX(pipeline, m, logical: Int(meta[i].egressPort))
            } else {
                freeList[freeCount] = m; freeCount &+= 1
            }
        }
        if freeCount > 0 { sfc_dpdk_pktmbuf_free_bulk(freeList, UInt32(freeCount)) }
        return n
    }

    @inline(__always)
    func enqueueTX(_ pipeline: Pipeline, _ m: OpaquePointer?, logical: Int) {
        let buffer = txBuffers + logical &* Self.txBufferSize
        buffer[txCounts[logical]] = m
        txCounts[logical] &+= 1
        if txCounts[logical] == Self.txBufferSize { flush(pipeline, logical) }
    }

    @inline(__always)
    func flush(_ pipeline: Pipeline, _ logical: Int) {
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
            sfc_stat_add_u64(statsRaw + Self.statTxRefused + logical, UInt64(count - sent))
        }
        txCounts[logical] = 0
    }

    @inline(__always)
    func flush(_ pipeline: Pipeline) {
        for p in 0..<portCount where txCounts[p] > 0 { flush(pipeline, p) }
    }

    public func flushAll() { flush(current.pipeline) }
}
