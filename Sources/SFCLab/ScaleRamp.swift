// The scale scene's load ramp (`sfc-lab demo --scene scale --ramp ...`):
// stages of parallel paced TCP flows, and how long one connection lives
// before a new one replaces it. The default is the demo's ramp, sized for
// an idle machine; the tests pass a ramp that ends idle (0 flows) so that
// scale-in does not depend on how many packets a busy CPU gets through.
public struct ScaleRamp: Sendable, Equatable {
    public var stages: [(flows: Int, seconds: Double)]
    /// Seconds one connection lasts (new flows keep coming, as HTTP requests do).
    public var flowSeconds: Double

    public static let demo = ScaleRamp(stages: [(2, 5), (6, 7), (16, 7), (1, 10)], flowSeconds: 3)

    public init(stages: [(flows: Int, seconds: Double)], flowSeconds: Double) {
        self.stages = stages; self.flowSeconds = flowSeconds
    }

    /// "FLOWSxSECONDSs,..." e.g. "2x5s,6x7s,0x8s"; 0 to 64 flows, 1 to 600 seconds a stage, at most 16 stages.
    public init(parsing text: String, flowSeconds: Double) throws {
        guard (0.2...600).contains(flowSeconds) else {
            throw LabError("flow seconds \(flowSeconds): must be from 0.2 to 600")
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...16).contains(parts.count) else { throw LabError("ramp '\(text)': 1 to 16 stages, FLOWSxSECONDSs separated by commas") }
        var stages: [(flows: Int, seconds: Double)] = []
        for (n, part) in parts.enumerated() {
            let f = part.split(separator: "x", omittingEmptySubsequences: false)
            guard f.count == 2, let flows = Int(f[0]), (0...64).contains(flows), f[1].hasSuffix("s"),
                  let seconds = Double(f[1].dropLast()), (1...600).contains(seconds) else {
                throw LabError("ramp stage \(n + 1) '\(part)': expected FLOWSxSECONDSs (0-64 flows, 1-600 s), e.g. 6x7s")
            }
            stages.append((flows, seconds))
        }
        guard stages.contains(where: { $0.flows > 0 }) else { throw LabError("ramp '\(text)': no stage has a flow") }
        self.init(stages: stages, flowSeconds: flowSeconds)
    }

    /// The form the ramp script takes (and the report prints).
    public var text: String { stages.map { "\($0.flows)x\(ScalePolicy.format($0.seconds))s" }.joined(separator: ",") }

    public static func == (a: ScaleRamp, b: ScaleRamp) -> Bool {
        a.flowSeconds == b.flowSeconds && a.stages.elementsEqual(b.stages) { $0.flows == $1.flows && $0.seconds == $1.seconds }
    }
}
