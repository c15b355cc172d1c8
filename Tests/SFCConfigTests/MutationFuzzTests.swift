// Random damage to a valid file (deleted or duplicated lines, swapped or
// replaced characters, truncation) must never crash or hang the config
// layer, and a rejected file must always say why.
import Foundation
import SFCConfig
import Testing

/// SplitMix64: a small deterministic generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct MutationFuzzTests {
    static let noise: [Character] = [":", "-", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@",
                                     "`", " ", "\t", "\n", "0", "9", "a", "x", "/", ".", ",", "?", "~", "é"]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var chars = Array(text)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !lines.isEmpty:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
            return lines.joined(separator: "\n")
        case 1 where !lines.isEmpty:
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: Int.random(in: 0...lines.count, using: &rng))
            return lines.joined(separator: "\n")
        case 2 where chars.count > 1:
            let i = Int.random(in: 0..<(chars.count - 1), using: &rng)
            chars.swapAt(i, i + 1)
        case 3 where !chars.isEmpty:
            chars[Int.random(in: 0..<chars.count, using: &rng)] = noise.randomElement(using: &rng) ?? "x"
        case 4:
            chars = Array(chars.prefix(Int.random(in: 0...chars.count, using: &rng)))
        default:
            // Several small edits at once.
            for _ in 0..<3 where !chars.isEmpty {
                chars[Int.random(in: 0..<chars.count, using: &rng)] = noise.randomElement(using: &rng) ?? "x"
            }
        }
        return String(chars)
    }

    @Test(arguments: ["hospital-edge.yaml", "srv6-mixed.yaml"])
    func randomMutationsNeverCrashAndAlwaysExplain(file: String) throws {
        let path = Fixture.repoRoot.appendingPathComponent("Chains").appendingPathComponent(file).path
        let original = try String(contentsOfFile: path, encoding: .utf8)
        var rng = SplitMix64(state: 0x5FC0_0000 + UInt64(file.count))
        var rejected = 0
        for round in 0..<1_000 {
            let text = Self.mutate(original, &rng)
            let (config, diagnostics) = ChainFile.parse(text: text, file: "fuzz.yaml")
            let errors = diagnostics.filter { $0.severity == .error }
            if config == nil {
                rejected += 1
                #expect(!errors.isEmpty, "round \(round): rejected without an error")
            } else {
                #expect(errors.isEmpty, "round \(round): compiled despite errors")
            }
            for d in diagnostics {
                #expect(d.line >= 1 && d.column >= 1, "round \(round): \(d.rendered)")
            }
        }
        #expect(rejected > 100, "the mutations should break the file most of the time")
    }
}

@Suite struct HostileInputTests {
    @Test func deepFlowNestingIsRejectedNotOverflowed() {
        let yaml = "node: " + String(repeating: "[", count: 100_000)
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        #expect(diagnostics.first?.message.contains("nesting too deep") == true)
        #expect(diagnostics.first.map { "\($0.line):\($0.column)" } == "1:71")
    }

    @Test func deepBlockNestingIsRejected() {
        let yaml = "node:\n" + String(repeating: "- ", count: 50_000) + "x\n"
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        #expect(diagnostics.first?.message.contains("nesting too deep") == true)
    }

    @Test func aliasesDoNotExplode() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<20 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += Fixture.base.replacingOccurrences(of: "hops: [f1]", with: "hops: *a19")
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        #expect(diagnostics.contains { $0.message.contains("unknown key 'a0'") })
    }

    @Test func binaryGarbageIsADiagnostic() {
        let (config, diagnostics) = compile("\u{0}\u{1}\u{7}node: \u{FFFE}")
        #expect(config == nil)
        #expect(!diagnostics.isEmpty)
    }
}
