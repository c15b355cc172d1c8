// The lcore's half of the live trace, run only for a burst that found the
// trace armed. Before the pipeline: each packet the filter matches takes
// one unit of the shared budget (an atomic decrement, only while armed) and
// a slot of this lcore's ring, and its arriving frame's first bytes are
// copied there. After the pipeline: verdict, drop reason, egress port,
// chain / hop / instance (PacketMeta fields the pipeline sets anyway) and
// the leaving frame's first bytes, then the burst's slots are committed at
// once. No allocation, lock or syscall; a full ring drops the record
// (counted), never the packet; an exhausted budget disarms the trace.
import CDPDK
import SFCCore

extension LcoreWorker {
    @inline(never)
    func traceArriving(_ count: Int) {
        let packets = batch.packets, meta = batch.meta
        var reserved: UInt32 = 0
        for i in 0..<count {
            traceSlots[i] = nil
            let p = packets[i]
            guard trace.filter.pointee.matches(UnsafeRawBufferPointer(start: p.data, count: p.length),
                                               ingress: Int(meta[i].ingress)) else { continue }
            let before = sfc_atomic_fetch_sub_i64(trace.budget, 1)
            if before <= 0 {
                // The count is reached: every lcore stops tracing at its next burst.
                sfc_atomic_store_i32_release(traceArmed, 0)
                for j in i..<count { traceSlots[j] = nil }
                break
            }
            guard let slot = sfc_trace_ring_reserve(traceRing, reserved) else {
                sfc_stat_add_u64(statsRaw + Self.statTraceDropped, 1)
                continue
            }
            reserved &+= 1
            slot.pointee.sequence = UInt64(truncatingIfNeeded: trace.armedCount.pointee &- before)
            slot.pointee.ingress = meta[i].ingress
            slot.pointee.ingress_length = UInt32(truncatingIfNeeded: p.length)
            let n = min(p.length, Int(SFC_TRACE_FRAME_BYTES))
            withUnsafeMutableBytes(of: &slot.pointee.ingress_frame) { $0.baseAddress!.copyMemory(from: p.data, byteCount: n) }
            traceSlots[i] = slot
        }
    }

    @inline(never)
    func traceLeaving(_ count: Int, generation: UInt64) {
        let packets = batch.packets, meta = batch.meta
        var committed: UInt32 = 0
        for i in 0..<count {
            guard let slot = traceSlots[i] else { continue }
            let m = meta[i]
            slot.pointee.generation = generation
            slot.pointee.verdict = m.verdict.rawValue
            slot.pointee.has_drop_reason = m.dropReason == nil ? 0 : 1
            slot.pointee.drop_reason = m.dropReason?.rawValue ?? 0
            slot.pointee.chain = m.chain
            slot.pointee.hop = m.hop
            slot.pointee.instance = m.instance
            if m.verdict == .forward {
                let p = packets[i]
                slot.pointee.egress = m.egressPort
                slot.pointee.egress_length = UInt32(truncatingIfNeeded: p.length)
                let n = min(p.length, Int(SFC_TRACE_FRAME_BYTES))
                withUnsafeMutableBytes(of: &slot.pointee.egress_frame) { $0.baseAddress!.copyMemory(from: p.data, byteCount: n) }
            } else {
                slot.pointee.egress = -1
                slot.pointee.egress_length = 0
            }
            traceSlots[i] = nil
            committed &+= 1
        }
        if committed > 0 { sfc_trace_ring_commit(traceRing, committed) }
    }

    /// Control thread: every record this worker's ring holds, oldest first.
    /// `tables` resolve a record's function when its generation is theirs.
    func drainTrace(into out: inout [TraceRecord], tables: ForwardingTables) {
        while let slot = sfc_trace_ring_peek(traceRing) {
            out.append(Self.record(slot.pointee, tables: tables))
            sfc_trace_ring_release(traceRing)
        }
    }

    /// Control thread, trace disarmed and lcores quiescent: forgets what an earlier session left.
    func discardTrace() {
        while sfc_trace_ring_peek(traceRing) != nil { sfc_trace_ring_release(traceRing) }
    }

    static func record(_ s: sfc_trace_slot, tables: ForwardingTables) -> TraceRecord {
        func bytes<T>(_ tuple: T, _ length: UInt32) -> [UInt8] {
            withUnsafeBytes(of: tuple) { Array($0.prefix(min(Int(length), Int(SFC_TRACE_FRAME_BYTES)))) }
        }
        let forward = s.verdict == Verdict.forward.rawValue
        var function: Int?
        if s.chain >= 0, s.hop >= 0, s.generation == tables.generation, Int(s.chain) < tables.chains.count {
            let hops = tables.chains[Int(s.chain)].config.hops
            if Int(s.hop) < hops.count { function = hops[Int(s.hop)] }
        }
        return TraceRecord(
            sequence: s.sequence, generation: s.generation, ingress: Int(s.ingress),
            ingressFrame: bytes(s.ingress_frame, s.ingress_length), ingressLength: Int(s.ingress_length),
            verdict: forward ? .forward : .drop,
            dropReason: s.has_drop_reason != 0 ? DropReason(rawValue: s.drop_reason) : nil,
            chain: s.chain >= 0 ? Int(s.chain) : nil, function: function,
            instance: function != nil && s.instance >= 0 ? Int(s.instance) : nil,
            egress: forward ? Int(s.egress) : nil,
            egressFrame: forward ? bytes(s.egress_frame, s.egress_length) : [], egressLength: forward ? Int(s.egress_length) : 0)
    }
}
