// Hot reload of the DPDK dataplane (RCU style, DESIGN.md "The control
// plane"): apply() builds one Pipeline per lcore beside the running ones,
// publishes them (a release store per lcore), and waits for a grace period
// of the dataplane's QSBR variable (rte_rcu_qsbr, DPDK lib/rcu): every
// online lcore reports a quiescent state after each poll, and adopts a new
// publication only at the top of a poll, so once every lcore has reported
// after the publication no burst can still run on the old pipelines. Their
// counts are final then and are folded, by name, into the retired counters
// (Counters.carried). The fast path takes no lock: one acquire load per
// poll (a plain load on x86-64) and one quiescent store per poll.
//
// Publications stay referenced here until their lcore has acked a later one
// (the lcore holds its current one unretained), so nothing is freed that an
// lcore might still read, and no lcore ever frees memory itself.
import CDPDK
import Foundation
import SFCCore

extension DPDKDataplane {
    /// Replaces the forwarding tables while forward() runs, or before it
    /// starts. Returns once every online lcore runs `tables` and the old
    /// pipelines are retired (an lcore that is not running adopts `tables`
    /// at its first poll). Throws, with the old tables still
    /// forwarding, when the set of ports (count, names, devices) changes or
    /// when an lcore does not pass a quiescent point within
    /// `quiescenceTimeout` seconds. Not to be called concurrently with itself.
    public func apply(_ tables: ForwardingTables) throws {
        control.lock(); defer { control.unlock() }
        let old = lockedState { current }
        if let why = Self.portChange(from: old.tables, to: tables) {
            throw DPDKError(.reload, "reload refused: \(why); a port change needs a restart (the running tables keep forwarding)")
        }
        let liveInstances = LiveInstances(tables: tables)
        let next = Generation(tables: tables, pipelines: workers.map { _ in
            Pipeline(tables: tables, live: liveInstances, shared: shared)
        })
        let plan = PipelineStateCarry(from: old.tables, to: tables)
        let publications: [LcorePublication] = lockedState {
            live.append(next)  // counted (carried into the old layout) from the moment an lcore may use it
            return workers.map { w in
                epoch += 1
                let p = LcorePublication(pipeline: next.pipelines[w.index], epoch: epoch, carry: plan, from: old.pipelines[w.index])
                held[w.index].append(p)
                return p
            }
        }
        for w in workers { sfc_atomic_store_ptr_release(w.publishedCell, publications[w.index].opaque) }

        if waitForQuiescence() {
            lockedState {
                // Every lcore is past the old pipelines (and any rolled-back
                // generation): their counts are final. Retire them by name.
                var folded = retired.carried(from: current.tables, to: tables)
                for g in live + [current] where g !== next {
                    for p in g.pipelines { folded.merge(p.counters.carried(from: g.tables, to: tables)) }
                }
                retired = folded
                live = []
                current = next
            }
            // A second grace period: each online lcore has now begun a poll
            // after the first one, and a poll begins by adopting, so every
            // lcore runs `tables` (acked) and the old publications can go now.
            let adopted = waitForQuiescence()
            releasePublications()
            if !adopted {
                logger.warning("dpdk: generation \(tables.generation) applied, but an lcore has not polled since; it adopts it at its next poll")
            }
            logger.info("dpdk: generation \(tables.generation) forwarding on \(workers.count) lcore(s)")
            return
        }
        // Some lcore is stuck inside a poll: put the old pipelines back and
        // keep everything alive (the new ones may be in use too, and keep
        // counting until a later grace period retires them).
        lockedState {
            for w in workers {
                epoch += 1
                let p = LcorePublication(pipeline: old.pipelines[w.index], epoch: epoch)
                held[w.index].append(p)
                sfc_atomic_store_ptr_release(w.publishedCell, p.opaque)
            }
        }
        throw DPDKError(.reload, "reload of generation \(tables.generation) not finished: an lcore did not reach a quiescent point "
                        + "within \(quiescenceTimeout) s; generation \(old.tables.generation) goes on forwarding")
    }

    /// Pipeline counters of every lcore, summed, in the current tables'
    /// layout: retired generations carried by name plus the live ones. Any
    /// thread, any time (each lcore is the single writer of its counter
    /// block; this copies aligned 64-bit words, which do not tear on x86-64).
    public var counters: Counters {
        lockedState {
            var total = retired
            for p in current.pipelines { total.merge(p.counters) }
            for g in live where g !== current {
                for p in g.pipelines { total.merge(p.counters.carried(from: g.tables, to: current.tables)) }
            }
            return total
        }
    }

    /// Why `new` cannot be applied over `old` without a restart, or nil.
    static func portChange(from old: ForwardingTables, to new: ForwardingTables) -> String? {
        let a = old.ports.map(\.name), b = new.ports.map(\.name)
        if a.count != b.count { return "the number of ports changes from \(a.count) to \(b.count)" }
        if a != b { return "the ports change from [\(a.joined(separator: ", "))] to [\(b.joined(separator: ", "))]" }
        let da = (old.config.dpdk?.ports ?? []).map { $0?.device }, db = (new.config.dpdk?.ports ?? []).map { $0?.device }
        if da != db {
            for (i, name) in a.enumerated() {
                let x = i < da.count ? da[i] : nil, y = i < db.count ? db[i] : nil
                if x != y { return "port \(name)'s device changes from \(x ?? "none") to \(y ?? "none")" }
            }
        }
        return nil
    }

    /// Waits for a QSBR grace period: true once every online lcore has
    /// reported a quiescent state after this call began (at once when no
    /// lcore is online, e.g. before forward() starts), false after the timeout.
    func waitForQuiescence() -> Bool {
        let token = sfc_dpdk_qsbr_start(qsbr)
        let deadline = Date().addingTimeInterval(quiescenceTimeout)
        while sfc_dpdk_qsbr_check(qsbr, token) == 0 {
            if Date() > deadline { return sfc_dpdk_qsbr_check(qsbr, token) != 0 }
            usleep(100)
        }
        return true
    }

    /// Drops the publications no lcore can touch again: neither the one its
    /// cell holds nor the one it last acked (it may be carrying state from
    /// that one). Conservative when an ack races with this read.
    func releasePublications() {
        lockedState {
            for w in workers {
                let acked = w.ackedEpoch
                let published = sfc_atomic_load_ptr_acquire(w.publishedCell)
                held[w.index].removeAll { $0.epoch != acked && $0.opaque != published && $0 !== w.initial }
            }
        }
    }

    func lockedState<T>(_ body: () throws -> T) rethrows -> T {
        state.lock(); defer { state.unlock() }
        return try body()
    }
}
