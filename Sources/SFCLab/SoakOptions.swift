// What `sfc-lab soak` is asked to do (make soak, README "Soak"): how long,
// how much traffic, how often the forwarder is reloaded and an instance
// taken down. Checked before anything starts.
import Foundation

public struct SoakOptions: Codable, Sendable, Equatable {
    /// Sample periods (minutes). At least 3: minute 1 is the warm-up, minute 2
    /// the baseline of the flatness criteria, and one more to compare with it.
    public var minutes: Int
    /// Datagrams a second the client sends (the server echoes each one back).
    public var pps: Double
    /// Parallel UDP flows (source ports); each lives `flowSeconds`, then a new one replaces it.
    public var flows: Int
    public var flowSeconds: Double
    /// A reload (POST /v1/reload, alternating two chain files) this often.
    public var reloadSeconds: Double
    /// Every this many seconds an instance (the pair's vnfs in turn) loses its
    /// links for half of the period: down at a quarter, up at three quarters.
    public var outageSeconds: Double
    /// The control API (status, counters) and /metrics are each asked this often.
    public var querySeconds: Double
    /// The length of one sample period: 60 but to try the soak quickly.
    public var minuteSeconds: Double
    /// The UDP port the server echoes on.
    public var port: Int

    public static let defaultMinutes = 10

    public init(minutes: Int = SoakOptions.defaultMinutes, pps: Double = 200, flows: Int = 8, flowSeconds: Double = 10,
                reloadSeconds: Double = 1, outageSeconds: Double = 20, querySeconds: Double = 0.5,
                minuteSeconds: Double = 60, port: Int = 5201) throws {
        guard (3...1440).contains(minutes) else {
            throw LabError("--minutes \(minutes): from 3 to 1440 (minute 1 is the warm-up, minute 2 the baseline, then at least one to compare)")
        }
        guard (1...5000).contains(pps) else { throw LabError("--pps \(Self.format(pps)): from 1 to 5000 datagrams a second") }
        guard (1...64).contains(flows) else { throw LabError("--flows \(flows): from 1 to 64") }
        guard (1...600).contains(flowSeconds) else { throw LabError("--flow-seconds \(Self.format(flowSeconds)): from 1 to 600") }
        guard (0.2...60).contains(reloadSeconds) else { throw LabError("--reload-seconds \(Self.format(reloadSeconds)): from 0.2 to 60") }
        guard (4...3600).contains(outageSeconds) else {
            throw LabError("--outage-seconds \(Self.format(outageSeconds)): from 4 to 3600 (an instance is down for half of it)")
        }
        guard (0.1...60).contains(querySeconds) else { throw LabError("--query-seconds \(Self.format(querySeconds)): from 0.1 to 60") }
        guard (10...3600).contains(minuteSeconds) else {
            throw LabError("--minute-seconds \(Self.format(minuteSeconds)): from 10 to 3600")
        }
        guard outageSeconds <= minuteSeconds * Double(minutes) / 2 else {
            throw LabError("--outage-seconds \(Self.format(outageSeconds)): the soak must see at least two outages")
        }
        guard (1...65535).contains(port) else { throw LabError("--port \(port): from 1 to 65535") }
        self.minutes = minutes; self.pps = pps; self.flows = flows; self.flowSeconds = flowSeconds
        self.reloadSeconds = reloadSeconds; self.outageSeconds = outageSeconds; self.querySeconds = querySeconds
        self.minuteSeconds = minuteSeconds; self.port = port
    }

    public var seconds: Double { Double(minutes) * minuteSeconds }

    /// One step of the outage schedule: vnf `index` of the pair loses (down) or gets back (up) its links at `t`.
    public struct OutageStep: Sendable, Equatable {
        public var t: Double
        public var down: Bool
        public var index: Int
    }

    /// Period k takes vnf k mod `count` down at (k + 1/4) periods and up at
    /// (k + 3/4): with the default 20 s, down at 5, 25, 45, 65 s..., never
    /// close to a minute boundary. Up to the end of the soak; a step too close
    /// to the end to finish is left out (the last vnf taken down always comes back).
    public func outageSchedule(count: Int) -> [OutageStep] {
        guard count > 0 else { return [] }
        var steps: [OutageStep] = []
        var k = 0
        while true {
            let down = (Double(k) + 0.25) * outageSeconds, up = (Double(k) + 0.75) * outageSeconds
            guard up + 2 < seconds else { break }
            steps.append(.init(t: down, down: true, index: k % count))
            steps.append(.init(t: up, down: false, index: k % count))
            k += 1
        }
        return steps
    }

    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
