// The VNF manager's decision (lab scale:, docs/CHAIN-FORMAT.md): a pure
// function of what was sampled (each instance's packet counter from the
// forwarder, its cgroup's CPU time) to what to do next. ScaleManager does the
// sampling and the acting; nothing here reads a clock or a file.
//
// - Rates are taken over the last `window`: the counter now minus the
//   counter at the latest sample at least `window` old. An instance without
//   a sample that old (just started) has no rate yet, and no decision is
//   taken until every running instance has one: that is the cooldown after
//   a scale-out.
// - Scale out: the average rate per running instance above `above-pps` (or
//   one instance's CPU above `above-cpu`), fewer than `max` running: start
//   the next vnf in the lab's order.
// - Scale in: the average below `below-pps`, more than `min` running: drain
//   the most recently started one. While an instance drains nothing else is
//   decided; it is removed once its counter did not move for a whole window.
import Foundation
import SFCLabConfig

public struct ScaleSample: Sendable, Equatable, Codable {
    /// Seconds since the scene started.
    public var t: Double
    /// The forwarder's packet counter of the instance (GET /v1/instances).
    public var packets: Int
    /// usage_usec of the instance's cgroup; nil when there is no cgroup.
    public var cpuMicroseconds: Int?
    public init(t: Double, packets: Int, cpuMicroseconds: Int? = nil) {
        self.t = t; self.packets = packets; self.cpuMicroseconds = cpuMicroseconds
    }
}

public struct ScaleInstanceView: Sendable, Equatable {
    public enum State: String, Sendable, Equatable { case running, draining }
    public var vnf: String
    public var instance: String
    public var state: State
    public var startedAt: Double
    public var drainingSince: Double?
    /// Oldest first.
    public var samples: [ScaleSample]
    public init(vnf: String, instance: String, state: State = .running, startedAt: Double, drainingSince: Double? = nil,
                samples: [ScaleSample]) {
        self.vnf = vnf; self.instance = instance; self.state = state; self.startedAt = startedAt
        self.drainingSince = drainingSince; self.samples = samples
    }
}

public enum ScaleAction: Sendable, Equatable {
    case start(vnf: String, instance: String, reason: String)
    case drain(vnf: String, instance: String, reason: String)
    case remove(vnf: String, instance: String, reason: String)

    public var vnf: String {
        switch self { case .start(let v, _, _), .drain(let v, _, _), .remove(let v, _, _): return v }
    }
    public var verb: String {
        switch self { case .start: return "scale-out"; case .drain: return "drain"; case .remove: return "scale-in" }
    }
    public var reason: String {
        switch self { case .start(_, _, let r), .drain(_, _, let r), .remove(_, _, let r): return r }
    }
}

public enum ScalePolicy {
    /// Packets per second and CPU percent (of one CPU) over the last `window` seconds,
    /// from the latest sample at least `window` before the newest; nil if there is none.
    public static func rate(_ samples: [ScaleSample], window: Double, since: Double = -.infinity)
        -> (pps: Double, cpuPercent: Double?)? {
        guard let last = samples.last else { return nil }
        guard let base = samples.last(where: { $0.t <= last.t - window && $0.t >= since }), last.t > base.t else { return nil }
        let span = last.t - base.t
        let pps = Double(last.packets - base.packets) / span
        var cpu: Double?
        if let a = base.cpuMicroseconds, let b = last.cpuMicroseconds { cpu = Double(b - a) / (span * 1e6) * 100 }
        return (pps, cpu)
    }

    public static func decide(_ scale: LabDescription.Scale, instances: [ScaleInstanceView]) -> [ScaleAction] {
        let window = Double(scale.windowMilliseconds) / 1000
        // A draining instance goes once its counter stood still for a window.
        let draining = instances.filter { $0.state == .draining }
        if !draining.isEmpty {
            return draining.compactMap { d in
                guard let since = d.drainingSince, let r = rate(d.samples, window: window, since: since), r.pps == 0 else { return nil }
                return .remove(vnf: d.vnf, instance: d.instance,
                               reason: "no packet for \(format(window))s since the drain")
            }
        }
        let running = instances.filter { $0.state == .running }
        guard !running.isEmpty else { return [] }
        var rates: [(view: ScaleInstanceView, pps: Double, cpu: Double?)] = []
        for v in running {
            guard let r = rate(v.samples, window: window) else { return [] }  // settling: no decision yet
            rates.append((v, r.pps, r.cpuPercent))
        }
        let average = rates.map(\.pps).reduce(0, +) / Double(rates.count)
        let hot = scale.aboveCPU.flatMap { limit in rates.first { ($0.cpu ?? 0) > limit } }
        if average > Double(scale.abovePPS) || hot != nil {
            guard running.count < scale.max,
                  let next = zip(scale.vnfs, scale.instances).first(where: { v in !instances.contains { $0.vnf == v.0 } })
            else { return [] }
            let why = average > Double(scale.abovePPS)
                ? "average \(Int(average.rounded())) pps per instance > \(scale.abovePPS) over \(format(window))s"
                : "\(hot!.view.instance) at \(Int(hot!.cpu!.rounded()))% CPU > \(format(scale.aboveCPU!))%"
            return [.start(vnf: next.0, instance: next.1, reason: why)]
        }
        if average < Double(scale.belowPPS), running.count > scale.min {
            // The newest (the lab's order breaks a tie): the last one a scale-out started.
            guard let newest = running.max(by: { a, b in
                a.startedAt != b.startedAt ? a.startedAt < b.startedAt
                    : (scale.vnfs.firstIndex(of: a.vnf) ?? 0) < (scale.vnfs.firstIndex(of: b.vnf) ?? 0)
            }) else { return [] }
            return [.drain(vnf: newest.vnf, instance: newest.instance,
                           reason: "average \(Int(average.rounded())) pps per instance < \(scale.belowPPS) over \(format(window))s")]
        }
        return []
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }
}
