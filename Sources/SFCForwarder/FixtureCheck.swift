// Compares what a dataplane did with each case of a fixture file against
// the case's expectation. (SFCTrace's FixtureFile.compare does the same for
// the reference pipeline, but its result types cannot be built outside
// SFCTrace yet; this is the DPDK side's copy of the rule.)
import SFCTrace

struct FixtureProblem: Sendable {
    var index: Int
    var description: String
    var problems: [String]
}

struct FixtureOutcome: Sendable {
    var file: String
    var cases: Int
    var mismatches: [FixtureProblem]
}

enum FixtureCheck {
    struct Result {
        var verdict: String
        var egressPort: String?
        var output: [UInt8]
        var dropReason: String?
    }

    /// Runs every case, in order, through `send(bytes, ingress port index)`.
    static func compare(_ file: FixtureFile, ports: [String], send: ([UInt8], Int) -> Result) -> [FixtureProblem] {
        var out: [FixtureProblem] = []
        for (index, c) in file.cases.enumerated() {
            guard let input = FixtureFile.decodeHex(c.input) else {
                out.append(FixtureProblem(index: index, description: c.description, problems: ["input is not hex"])); continue
            }
            guard let ingress = ports.firstIndex(of: c.ingressPort) else {
                out.append(FixtureProblem(index: index, description: c.description, problems: ["unknown ingress port '\(c.ingressPort)'"]))
                continue
            }
            let got = send(input, ingress)
            var problems: [String] = []
            if got.verdict != c.verdict {
                let detail = got.verdict == "drop" ? " (\(got.dropReason ?? "?"))" : " on \(got.egressPort ?? "?")"
                problems.append("verdict: expected \(c.verdict), got \(got.verdict)\(detail)")
            } else if c.verdict == "drop" {
                if got.dropReason != c.dropReason { problems.append("drop reason: expected \(c.dropReason ?? "-"), got \(got.dropReason ?? "-")") }
            } else {
                if got.egressPort != c.egressPort { problems.append("egress port: expected \(c.egressPort ?? "-"), got \(got.egressPort ?? "-")") }
                let expected = FixtureFile.decodeHex(c.output ?? "") ?? []
                if expected != got.output {
                    let common = zip(expected, got.output).prefix { $0 == $1 }.count
                    problems.append("output differs at byte \(common) (expected \(expected.count) bytes, got \(got.output.count)): "
                                    + "expected \(FixtureFile.encodeHex(expected.dropFirst(common).prefix(12))), "
                                    + "got \(FixtureFile.encodeHex(got.output.dropFirst(common).prefix(12)))")
                }
            }
            if !problems.isEmpty { out.append(FixtureProblem(index: index, description: c.description, problems: problems)) }
        }
        return out
    }
}
