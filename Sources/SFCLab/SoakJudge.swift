// The soak's pass criteria, a pure function of what it measured (unit
// tested in Tests/SFCLabTests/SoakTests.swift). None of them is a time
// the machine's speed decides, but the 5 s an outage has to be seen in.
import Foundation

public struct SoakCriteria: Codable, Sendable, Equatable {
    /// Minute 1 is the warm-up (tables, pools, the affinity table filling);
    /// this minute's sample is the baseline the last one is held to.
    public var baselineMinute = 2
    /// Resident memory at the last minute at most this much above the baseline's.
    public var rssGrowth = 0.05
    /// Packets a minute's `lost` may be off by because they were in flight at
    /// one of its two samples (classified, not yet delivered): two bursts of 32,
    /// the forwarder's RX and TX; more than 100 ms of the default 2 x 200 pps,
    /// while a round trip through a relay takes well under 1 ms.
    public var inFlight = 64
    /// The drop reasons an instance losing its links explains: `egress-down`,
    /// the packets sent to it after its links went down until the probes took
    /// it out; `instance-down` only for a chain that fails closed with no
    /// instance left, which a pair with one instance always up never is.
    public var explainedDrops = ["egress-down"]
    /// An outage the forwarder did not see within this (seconds) fails.
    public var detectionLimit = 5.0

    public init() {}
}

public struct SoakJudge {
    public let criteria: SoakCriteria

    public init(criteria: SoakCriteria) { self.criteria = criteria }

    public func checks(_ r: SoakResult) -> [LabReport.Check] {
        [noCrash(r), memory(r), descriptors(r), threads(r), dropReasons(r), lostEachMinute(r), lostInTotal(r),
         generator(r), reloads(r), queries(r), outages(r)]
    }

    private func check(_ name: String, _ ok: Bool, _ detail: String) -> LabReport.Check { .init(name: name, ok: ok, detail: detail) }

    func noCrash(_ r: SoakResult) -> LabReport.Check {
        let e = r.end
        let detail = "running after minute \(r.minutes.count): \(e.running ? "yes" : "no"), status answered: \(e.answered ? "yes" : "no"), "
            + (e.stoppedCleanly ? "stopped on SIGTERM with exit 0 and its counters" : "stop: \(e.stopError ?? "not clean")")
        return check("no crash: the forwarder ran to the end, answered, stopped cleanly", e.running && e.answered && e.stoppedCleanly, detail)
    }

    /// The baseline and last minutes, or why the criterion cannot be judged.
    private func flat(_ r: SoakResult) -> (base: SoakMinute, last: SoakMinute)? {
        guard r.minutes.count > criteria.baselineMinute, let base = r.minutes.first(where: { $0.minute == criteria.baselineMinute }),
              let last = r.minutes.last else { return nil }
        return (base, last)
    }

    private var tooShort: String { "needs minutes past minute \(criteria.baselineMinute) (the baseline)" }

    func memory(_ r: SoakResult) -> LabReport.Check {
        let name = "memory flat after warm-up: VmRSS at the last minute <= minute \(criteria.baselineMinute)'s + \(Int(criteria.rssGrowth * 100)) %"
        guard let (base, last) = flat(r) else { return check(name, false, tooShort) }
        let limit = Double(base.process.rssKiB) * (1 + criteria.rssGrowth)
        let growth = base.process.rssKiB > 0 ? 100 * Double(last.process.rssKiB - base.process.rssKiB) / Double(base.process.rssKiB) : 0
        return check(name, Double(last.process.rssKiB) <= limit,
                     String(format: "minute %d %d KiB, minute %d %d KiB (%+.1f %%)", base.minute, base.process.rssKiB, last.minute,
                            last.process.rssKiB, growth))
    }

    func descriptors(_ r: SoakResult) -> LabReport.Check {
        let name = "descriptors flat after warm-up: open fds at the last minute = minute \(criteria.baselineMinute)'s"
        guard let (base, last) = flat(r) else { return check(name, false, tooShort) }
        return check(name, last.process.fds == base.process.fds,
                     "minute \(base.minute) \(base.process.fds), minute \(last.minute) \(last.process.fds); every minute: "
                        + r.minutes.map { String($0.process.fds) }.joined(separator: " "))
    }

    func threads(_ r: SoakResult) -> LabReport.Check {
        let name = "threads flat after warm-up: no more at the last minute than at minute \(criteria.baselineMinute)"
        guard let (base, last) = flat(r) else { return check(name, false, tooShort) }
        return check(name, last.process.threads <= base.process.threads,
                     "minute \(base.minute) \(base.process.threads), minute \(last.minute) \(last.process.threads)")
    }

    func dropReasons(_ r: SoakResult) -> LabReport.Check {
        let allowed = Set(criteria.explainedDrops)
        var other: [String: Int] = [:]
        for m in r.minutes { for (reason, n) in m.drops where !allowed.contains(reason) { other[reason, default: 0] += n } }
        for (reason, n) in r.end.totals.drops where !allowed.contains(reason) { other[reason] = max(other[reason] ?? 0, n) }
        let seen = r.end.totals.drops.filter { allowed.contains($0.key) }
        return check("drops only for the outages (\(criteria.explainedDrops.joined(separator: ", ")))", other.isEmpty,
                     other.isEmpty ? (seen.isEmpty ? "no drop at all" : "in total: " + Self.list(seen))
                                   : "unexplained: " + Self.list(other))
    }

    private func explained(_ drops: [String: Int]) -> Int {
        criteria.explainedDrops.map { drops[$0] ?? 0 }.reduce(0, +)
    }

    /// Each minute: lost >= -inFlight (nothing delivered that was not sent) and
    /// lost + explained drops <= what the outages of the minute sent into dead links + inFlight.
    func lostEachMinute(_ r: SoakResult) -> LabReport.Check {
        let tol = criteria.inFlight
        let bad = r.minutes.filter { $0.lost < -tol || $0.lost + explained($0.drops) > $0.outagePackets + tol }
        let detail = bad.isEmpty
            ? "lost per minute \(r.minutes.map { String($0.lost) }.joined(separator: " ")) (within -\(tol)..outage+\(tol))"
            : bad.map { "minute \($0.minute): lost \($0.lost) + dropped \(explained($0.drops)) against outage \($0.outagePackets) +/- \(tol)" }
                .joined(separator: "; ")
        return check("no packet lost that the outages do not explain, each minute (+/- \(tol) in flight at a sample)",
                     bad.isEmpty && !r.minutes.isEmpty, r.minutes.isEmpty ? "no minute" : detail)
    }

    /// After the traffic stopped nothing is in flight: exact.
    func lostInTotal(_ r: SoakResult) -> LabReport.Check {
        let t = r.end.totals, outage = r.outages.map(\.packets).reduce(0, +)
        let ok = t.lost >= 0 && t.lost + explained(t.drops) <= outage
        return check("no packet lost that the outages do not explain, in total (after the traffic stopped, nothing in flight)", ok,
                     "sent \(t.sent), delivered \(t.delivered), dropped \(t.dropped), lost \(t.lost); "
                        + "lost + dropped \(t.lost + explained(t.drops)) <= sent into dead links \(outage)")
    }

    func generator(_ r: SoakResult) -> LabReport.Check {
        let name = "the traffic generator's counts are the forwarder's"
        guard let g = r.traffic else { return check(name, false, "no counts from soak_udp.py") }
        let fwd = r.end.totals.chains[r.end.forwardChain] ?? .init(), back = r.end.totals.chains[r.end.returnChain] ?? .init()
        let pairs = [("client sent", g.clientSent, "\(r.end.forwardChain) classified", fwd.sent),
                     ("server received", g.serverReceived, "\(r.end.forwardChain) delivered", fwd.delivered),
                     ("server echoed", g.serverEchoed, "\(r.end.returnChain) classified", back.sent),
                     ("client received", g.clientReceived, "\(r.end.returnChain) delivered", back.delivered)]
        let ok = pairs.allSatisfy { $0.1 == $0.3 } && g.sendErrors == 0
        return check(name, ok, pairs.map { "\($0.0) \($0.1) \($0.1 == $0.3 ? "=" : "!=") \($0.2) \($0.3)" }.joined(separator: ", ")
                        + (g.sendErrors > 0 ? ", \(g.sendErrors) send errors" : ""))
    }

    func reloads(_ r: SoakResult) -> LabReport.Check {
        let done = r.minutes.map(\.reloads).reduce(0, +), failed = r.minutes.map(\.reloadsFailed).reduce(0, +)
        let generations = r.end.lastGeneration - r.end.firstGeneration
        return check("every reload applied, one generation each", done > 0 && failed == 0 && generations == done,
                     "\(done) reloads, \(failed) failed; generation \(r.end.firstGeneration) -> \(r.end.lastGeneration)")
    }

    func queries(_ r: SoakResult) -> LabReport.Check {
        let done = r.minutes.map(\.queries).reduce(0, +), failed = r.minutes.map(\.queriesFailed).reduce(0, +)
        return check("the control API (status, counters) and /metrics answered every query", done > 0 && failed == 0,
                     "\(done) queries, \(failed) failed")
    }

    func outages(_ r: SoakResult) -> LabReport.Check {
        let limit = criteria.detectionLimit
        let missed = r.outages.filter { ($0.detectedAfter ?? .infinity) > limit || $0.backAfter == nil }
        let idle = r.minutes.filter { $0.delivered == 0 }.map(\.minute)
        let detail = "\(r.outages.count) outages (" + r.pair.map { p in "\(p) \(r.outages.filter { $0.vnf == p }.count)" }.joined(separator: ", ")
            + ")" + (missed.isEmpty ? "" : "; not taken out within \(ScalePolicy.format(limit)) s or not back: "
                        + missed.map { "\($0.vnf) at \(String(format: "%.1f", $0.downAt)) s" }.joined(separator: ", "))
            + (idle.isEmpty ? "" : "; nothing delivered in minute(s) \(idle.map(String.init).joined(separator: ", "))")
        return check("every outage failed over and back (the forwarder took the instance out and in again), traffic every minute",
                     r.outages.count >= 2 && missed.isEmpty && idle.isEmpty, detail)
    }

    static func list(_ d: [String: Int]) -> String { d.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
}
