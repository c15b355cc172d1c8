// The live trace on XDP (BPF/sfc_live_trace.h): arm a TraceFilter for at
// most `count` packets, drain what the program wrote to the ring buffer as
// SFCCore TraceRecords, disarm. While disarmed a packet pays one read of
// sfc_trace_armed; records the full ring could not take are counted
// (traceRecordsDropped), the packets themselves are never affected.
import CLibBPF
import SFCCore

/// One trace session's reader: the ring, and the sequence of its records.
struct TraceSession {
    var ring: TraceRing
    var sequence: UInt64 = 0
}

extension XDPDataplane {
    /// Follows the next `count` packets that match `filter` as they arrive.
    /// Records from an earlier session not drained yet are discarded.
    public func armTrace(filter: TraceFilter, count: Int) throws {
        guard count > 0 else { throw XDPError(.run, "a trace needs a count of at least 1 (got \(count))") }
        let fd = try object.mapFD("sfc_trace_armed")
        let size = Int(try object.valueSize("sfc_trace_armed"))
        guard size == MemoryLayout<sfc_trace_arm>.size else {
            throw XDPError(.mapMismatch, "sfc_trace_armed: values of \(size) bytes in the object, \(MemoryLayout<sfc_trace_arm>.size) "
                           + "on the host: BPF/include/sfc_trace.h and the object disagree (rebuild with `make bpf`)")
        }
        try disarmTrace()
        if trace == nil { trace = TraceSession(ring: try TraceRing(mapFD: try object.mapFD("sfc_trace_events"))) }
        _ = trace?.ring.consume()
        trace?.sequence = 0
        try MapIO.update(fd, UInt32(0), TraceImage.arm(filter, count: count), map: "sfc_trace_armed")
    }

    /// Stops following packets; records already written can still be drained.
    public func disarmTrace() throws {
        try MapIO.update(try object.mapFD("sfc_trace_armed"), UInt32(0), sfc_trace_arm(), map: "sfc_trace_armed")
    }

    /// The records written since the last drain, oldest first.
    public func drainTrace() -> [TraceRecord] {
        guard var session = trace else { return [] }
        var out: [TraceRecord] = []
        for sample in session.ring.consume() {
            guard let e = sample.withUnsafeBytes({ TraceImage.event($0) }) else { continue }
            out.append(TraceImage.record(e, sequence: session.sequence, generation: generation(ofSlot: e.slot)))
            session.sequence += 1
        }
        trace = session
        return out
    }

    /// Trace records lost because the ring buffer was full (all CPUs).
    public var traceRecordsDropped: UInt64 {
        guard let fd = try? object.mapFD("sfc_trace_drops"), let cpus = try? CounterReader.cpus() else { return 0 }
        var values = [UInt64](repeating: 0, count: cpus)
        let found = values.withUnsafeMutableBytes { MapIO.lookup(fd, UInt32(0), into: $0) }
        return found ? values.reduce(0, &+) : 0
    }

    /// The table generation that ran in slot `slot` (the active one, or
    /// the one the last reload retired).
    func generation(ofSlot slot: UInt32) -> UInt64 {
        if let r = ledger.retired, r.slot == slot & 1, (try? activeGeneration & 1) != slot & 1 { return r.tables.generation }
        return tables.generation
    }
}
