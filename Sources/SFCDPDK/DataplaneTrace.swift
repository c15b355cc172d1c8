// The live trace, control side. Arming writes the filter and the budget
// while the trace is off and every lcore is quiescent (so no burst reads a
// half-written filter), then sets the flag with a release store; the lcores
// read the flag once per burst and do nothing else while it is off (VPP's
// one flag test per frame). Each lcore writes records into its own
// preallocated ring (LcoreTrace.swift); draining turns them into TraceRecords.
import CDPDK
import Foundation
import SFCCore

extension DPDKDataplane {
    /// Starts following the packets `filter` matches (tested on the frame as
    /// it arrives), at most `count` records in all; the lcores stop by
    /// themselves when the count is reached. Forgets records an earlier
    /// session left undrained. Throws when count < 1 or when an lcore does
    /// not pass a quiescent point in time (the trace then stays off).
    public func armTrace(filter: TraceFilter, count: Int) throws {
        guard count >= 1 else { throw DPDKError(.trace, "a trace needs a count of at least 1 record (got \(count))") }
        control.lock(); defer { control.unlock() }
        sfc_atomic_store_i32_release(trace.armed, 0)
        // No burst that saw the old flag may still be reading the filter or writing records.
        guard waitForQuiescence() else {
            throw DPDKError(.trace, "trace not armed: an lcore did not reach a quiescent point within \(quiescenceTimeout) s")
        }
        traceDrain.lock()
        for w in workers { w.discardTrace() }
        traceDrain.unlock()
        trace.filter.pointee = filter
        sfc_atomic_store_i64(trace.budget, Int64(count))
        trace.armedCount.pointee = Int64(count)
        sfc_atomic_store_i32_release(trace.armed, 1)
    }

    /// Stops tracing (from the lcores' next burst); records already taken stay drainable.
    public func disarmTrace() {
        sfc_atomic_store_i32_release(trace.armed, 0)
    }

    /// Is a trace armed (and its count not yet reached)?
    public var traceArmed: Bool { sfc_atomic_load_i32_acquire(trace.armed) != 0 }

    /// Every record the lcores have written since the last drain, in the
    /// order the packets took their place in the budget (sequence).
    public func drainTrace() -> [TraceRecord] {
        let tables = self.tables
        traceDrain.lock(); defer { traceDrain.unlock() }
        var out: [TraceRecord] = []
        for w in workers { w.drainTrace(into: &out, tables: tables) }
        return out.sorted { $0.sequence < $1.sequence }
    }

    /// Records lost because an lcore's ring was full (their packets were forwarded as usual).
    public var traceRecordsDropped: UInt64 { workers.reduce(0) { $0 &+ $1.traceRecordsDropped } }
}
