// What the reference pipeline and the XDP program did with one packet, in
// the reference's terms, and where two such results or counter sets
// differ: the one notion of equality the differential tests
// (Tests/SFCXDPTests/DifferentialTests.swift) and the xdp-diff fuzz target
// (Sources/SFCFuzz/XDPDiffTarget.swift) hold the two dataplanes to.
import Foundation
import SFCCore

public enum Differential {
    /// Verdict, egress port, drop reason and output bytes.
    public struct Result: Equatable, Sendable, CustomStringConvertible {
        public var verdict: String
        public var egress: Int?
        public var reason: String?
        public var output: [UInt8]
        public init(verdict: String, egress: Int? = nil, reason: String? = nil, output: [UInt8]) {
            self.verdict = verdict; self.egress = egress; self.reason = reason; self.output = output
        }
        public var description: String {
            "\(verdict)\(egress.map { " port \($0)" } ?? "")\(reason.map { " (\($0))" } ?? "") \(output.count) bytes"
        }
    }

    public static func reference(_ pipeline: Pipeline, _ frame: [UInt8], ingress: Int) -> Result {
        let (meta, output) = pipeline.process(frame, ingress: ingress)
        switch meta.verdict {
        case .forward: return Result(verdict: "forward", egress: Int(meta.egressPort), output: output)
        case .drop: return Result(verdict: "drop", reason: meta.dropReason?.name, output: [])
        case .consumed: return Result(verdict: "consumed", output: [])
        case .pending: return Result(verdict: "pending", output: [])
        }
    }

    public static func xdp(_ dataplane: XDPDataplane, _ frame: [UInt8], ingress: Int) -> Result {
        do {
            let r = try dataplane.run(frame, ingress: ingress)
            switch r.outcome(ingress: ingress) {
            case .forward(let port): return Result(verdict: "forward", egress: port, output: r.output)
            case .drop(let reason): return Result(verdict: "drop", reason: reason?.name ?? "code \(r.reasonCode)", output: [])
            case .passed: return Result(verdict: "XDP_PASS without a reason", output: [])
            case .consumed: return Result(verdict: "consumed", output: [])
            case .aborted: return Result(verdict: "aborted (action \(r.rawAction))", output: [])
            }
        } catch {
            return Result(verdict: "error: \(error)", output: [])
        }
    }

    /// Where two outputs first differ, or "" when they are equal.
    public static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a != b else { return "" }
        var i = 0
        while i < min(a.count, b.count) && a[i] == b[i] { i += 1 }
        func hex(_ x: [UInt8]) -> String { x[min(i, x.count)..<min(i + 8, x.count)].map { String(format: "%02x", $0) }.joined() }
        return "; bytes differ from offset \(i): reference \(hex(a)), XDP \(hex(b))"
    }

    /// Names the counters that differ, one line each.
    public static func counterDifference(_ a: Counters, _ b: Counters) -> String {
        var lines: [String] = []
        func compare(_ name: String, _ x: [UInt64], _ y: [UInt64]) {
            for i in 0..<max(x.count, y.count) {
                let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
                if l != r { lines.append("  \(name)[\(i)]: reference \(l), XDP \(r)") }
            }
        }
        compare("rxPackets", a.rxPackets, b.rxPackets)
        compare("txPackets", a.txPackets, b.txPackets)
        compare("txBytes", a.txBytes, b.txBytes)
        compare("drops", a.drops, b.drops)
        compare("chainPackets", a.chainPackets, b.chainPackets)
        compare("chainBytes", a.chainBytes, b.chainBytes)
        compare("hopPackets", a.hopPackets, b.hopPackets)
        compare("instancePackets", a.instancePackets, b.instancePackets)
        compare("watchPackets", a.watchPackets, b.watchPackets)
        compare("events", a.events, b.events)
        return lines.prefix(40).joined(separator: "\n")
    }

    /// What `after` counted since `before` (same layout), entry by entry.
    public static func delta(_ after: Counters, since before: Counters) -> Counters {
        func sub(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] { a.indices.map { $0 < b.count ? a[$0] &- b[$0] : a[$0] } }
        var d = after
        d.rxPackets = sub(after.rxPackets, before.rxPackets); d.txPackets = sub(after.txPackets, before.txPackets)
        d.txBytes = sub(after.txBytes, before.txBytes); d.drops = sub(after.drops, before.drops)
        d.chainPackets = sub(after.chainPackets, before.chainPackets); d.chainBytes = sub(after.chainBytes, before.chainBytes)
        d.hopPackets = sub(after.hopPackets, before.hopPackets); d.instancePackets = sub(after.instancePackets, before.instancePackets)
        d.watchPackets = sub(after.watchPackets, before.watchPackets); d.events = sub(after.events, before.events)
        return d
    }
}
