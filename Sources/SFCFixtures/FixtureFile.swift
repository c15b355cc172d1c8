// The shared fixture tables (Tests/Fixtures/*.json, format in
// Tests/Fixtures/README.md): packets in, expected verdict and bytes out,
// computed by an independent oracle. Every dataplane runs the same files;
// `FixtureFile.run` drives the reference pipeline through `Dataplane`, the
// one place a dataplane plugs in.
import Foundation
import SFCConfig
import SFCCore

public struct FixtureCase: Codable, Sendable, Equatable {
    public var description: String
    public var ingressPort: String
    public var input: String
    public var verdict: String
    public var egressPort: String?
    public var output: String?
    public var dropReason: String?

    enum CodingKeys: String, CodingKey {
        case description, input, verdict, output
        case ingressPort = "ingress_port"
        case egressPort = "egress_port"
        case dropReason = "drop_reason"
    }
}

public struct FixtureFile: Codable, Sendable, Equatable {
    /// The chain file, relative to the repository root.
    public var config: String
    /// Run in order through one dataplane instance (state such as the
    /// End.AD cache carries from one case to the next).
    public var cases: [FixtureCase]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String) throws -> FixtureFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read fixture file")
        }
        do {
            return try JSONDecoder().decode(FixtureFile.self, from: data)
        } catch {
            throw LoadError(description: "\(path): not a fixture file: \(error)")
        }
    }

    /// "0a1B.." -> bytes; nil for odd length or a non-hex digit.
    public static func decodeHex(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return high == nil ? out : nil
    }

    public static func encodeHex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What a dataplane did with one packet, in the fixtures' terms.
public struct FixtureResult: Sendable, Equatable {
    public var verdict: String
    public var egressPort: String?
    public var output: [UInt8]
    public var dropReason: String?

    public init(verdict: String, egressPort: String? = nil, output: [UInt8] = [], dropReason: String? = nil) {
        self.verdict = verdict; self.egressPort = egressPort; self.output = output; self.dropReason = dropReason
    }
}

/// One disagreement between a fixture case and a dataplane.
public struct FixtureMismatch: Sendable, CustomStringConvertible {
    public var file: String
    public var index: Int
    public var caseDescription: String
    public var problems: [String]

    public init(file: String, index: Int, caseDescription: String, problems: [String]) {
        self.file = file; self.index = index; self.caseDescription = caseDescription; self.problems = problems
    }

    public var description: String {
        "\(file) case \(index) \"\(caseDescription)\":\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// One fixture file's outcome on a dataplane.
public struct FixtureOutcome: Sendable {
    public var file: String
    public var cases: Int
    public var mismatches: [FixtureMismatch]
    public init(file: String, cases: Int, mismatches: [FixtureMismatch]) {
        self.file = file; self.cases = cases; self.mismatches = mismatches
    }
}

extension FixtureFile {
    /// Runs every case of `file`, in order, through one reference pipeline
    /// built from the file's config. A config that does not load is one
    /// mismatch carrying its diagnostics.
    public static func run(_ file: FixtureFile, name: String = "fixture", repoRoot: String) -> [FixtureMismatch] {
        let configPath = file.config.hasPrefix("/") ? file.config : repoRoot + "/" + file.config
        let (config, diagnostics) = ChainFile.load(path: configPath)
        guard let config else {
            return [FixtureMismatch(file: name, index: -1, caseDescription: "load \(file.config)",
                                    problems: diagnostics.map { "\($0)" })]
        }
        let dataplane = ReferenceDataplane(config: config)
        return compare(file, name: name, ports: config.ports.map(\.name)) { dataplane.run($0, ingress: $1) }
    }

    /// Checks each case against what `send(bytes, ingress port index)`
    /// returns; another dataplane passes its own `send`.
    public static func compare(_ file: FixtureFile, name: String, ports: [String],
                               send: ([UInt8], Int) -> FixtureResult) -> [FixtureMismatch] {
        var mismatches: [FixtureMismatch] = []
        for (index, c) in file.cases.enumerated() {
            var problems: [String] = []
            guard let input = decodeHex(c.input) else {
                mismatches.append(FixtureMismatch(file: name, index: index, caseDescription: c.description,
                                                  problems: ["input is not hex"]))
                continue
            }
            guard let ingress = ports.firstIndex(of: c.ingressPort) else {
                mismatches.append(FixtureMismatch(file: name, index: index, caseDescription: c.description,
                                                  problems: ["unknown ingress port '\(c.ingressPort)'"]))
                continue
            }
            let got = send(input, ingress)
            if got.verdict != c.verdict {
                let gotDetail = got.verdict == "drop" ? " (\(got.dropReason ?? "?"))" : " on \(got.egressPort ?? "?")"
                problems.append("verdict: expected \(c.verdict), got \(got.verdict)\(gotDetail)")
            } else if c.verdict == "drop" {
                if got.dropReason != c.dropReason {
                    problems.append("drop reason: expected \(c.dropReason ?? "-"), got \(got.dropReason ?? "-")")
                }
            } else {
                if got.egressPort != c.egressPort {
                    problems.append("egress port: expected \(c.egressPort ?? "-"), got \(got.egressPort ?? "-")")
                }
                if let problem = byteDifference(expected: decodeHex(c.output ?? "") ?? [], got: got.output) {
                    problems.append(problem)
                }
            }
            if !problems.isEmpty {
                mismatches.append(FixtureMismatch(file: name, index: index, caseDescription: c.description,
                                                  problems: problems))
            }
        }
        return mismatches
    }

    /// nil when equal; otherwise the first differing offset and the bytes around it.
    static func byteDifference(expected: [UInt8], got: [UInt8]) -> String? {
        guard expected != got else { return nil }
        let limit = min(expected.count, got.count)
        var offset = 0
        while offset < limit && expected[offset] == got[offset] { offset += 1 }
        let from = max(0, offset - 4)
        func window(_ b: [UInt8]) -> String {
            let to = min(b.count, offset + 12)
            return from < to ? encodeHex(b[from..<to]) : "(end)"
        }
        return "output differs at byte \(offset) (expected \(expected.count) bytes, got \(got.count)); "
            + "from byte \(from): expected \(window(expected)), got \(window(got))"
    }
}

/// The reference pipeline behind the fixture runner: the one call to put
/// another dataplane in its place.
struct ReferenceDataplane {
    let pipeline: Pipeline
    let portNames: [String]

    init(config: CompiledConfig) {
        pipeline = Pipeline(tables: ForwardingTables(config))
        portNames = config.ports.map(\.name)
    }

    func run(_ bytes: [UInt8], ingress: Int) -> FixtureResult {
        let (meta, output) = pipeline.process(bytes, ingress: ingress)
        switch meta.verdict {
        case .forward:
            let port = Int(meta.egressPort)
            return FixtureResult(verdict: "forward", egressPort: port >= 0 && port < portNames.count ? portNames[port] : "#\(port)",
                                 output: output, dropReason: nil)
        case .drop:
            return FixtureResult(verdict: "drop", egressPort: nil, output: [], dropReason: meta.dropReason?.name)
        case .consumed:
            return FixtureResult(verdict: "consumed", egressPort: nil, output: [], dropReason: nil)
        case .pending:
            return FixtureResult(verdict: "pending", egressPort: nil, output: [], dropReason: nil)
        }
    }
}
