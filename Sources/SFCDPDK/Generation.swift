// What a reload hands each lcore, and what the live trace shares with them.
//
// A reload never changes a running Pipeline: it builds one new Pipeline per
// lcore and publishes, per lcore, an LcorePublication (a pointer in a cell,
// release store). The lcore compares that cell with its own current
// publication once per poll, before its first burst (acquire load), and
// switches there: a burst runs entirely on one generation. QSBR
// (rte_rcu_qsbr) tells the control thread when every online lcore has
// finished the polls that might still use the old one.
import CDPDK
import SFCCore

/// One lcore's pipeline of one generation, as published to that lcore.
/// Kept alive by the dataplane (never by the lcore, which holds it
/// unretained) until the lcore has provably moved past it.
public final class LcorePublication: @unchecked Sendable {
    public let pipeline: Pipeline
    /// The tables' generation (traced with every record).
    public let generation: UInt64
    /// Increases with every publication of the dataplane (the lcore acks it).
    public let epoch: UInt64
    /// State to carry when the lcore adopts this, if it comes from `carryFrom`.
    let carry: PipelineStateCarry?
    let carryFrom: UnsafeMutableRawPointer?

    init(pipeline: Pipeline, epoch: UInt64, carry: PipelineStateCarry? = nil, from: Pipeline? = nil) {
        self.pipeline = pipeline
        generation = pipeline.tables.generation
        self.epoch = epoch
        self.carry = carry
        carryFrom = from.map { Unmanaged.passUnretained($0).toOpaque() }
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

/// The live trace's state every lcore of a dataplane reads: the armed flag
/// (read once per burst), the budget (decremented only while armed) and
/// the filter (written only while disarmed and quiescent).
public final class TraceShared: @unchecked Sendable {
    let armed: UnsafeMutablePointer<Int32>
    let budget: UnsafeMutablePointer<Int64>
    /// The count the session was armed with (sequence = armedCount - budget before).
    let armedCount: UnsafeMutablePointer<Int64>
    let filter: UnsafeMutablePointer<TraceFilter>

    public init() {
        armed = .allocate(capacity: 16)  // its own cache line: read by every lcore every burst
        armed.initialize(repeating: 0, count: 16)
        budget = .allocate(capacity: 8); budget.initialize(repeating: 0, count: 8)
        armedCount = .allocate(capacity: 1); armedCount.initialize(to: 0)
        filter = .allocate(capacity: 1); filter.initialize(to: TraceFilter())
    }

    deinit {
        armed.deallocate(); budget.deallocate(); armedCount.deallocate()
        filter.deinitialize(count: 1); filter.deallocate()
    }
}
