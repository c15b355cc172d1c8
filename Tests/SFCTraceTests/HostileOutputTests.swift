// What chain-trace prints when a chain file holds hostile names: one line
// per diagnostic, nothing cut off, later files still reported; and the
// writer that puts the text on the terminal writes every byte.
import Foundation
import SFCRuntime
import SFCTrace
import Testing

@Suite struct HostileOutputTests {
    /// A file whose chain and port names hold a NUL and a forged diagnostic.
    static let hostile = CheckCommandTests.minimal
        .replacingOccurrences(of: "{name: c1,", with: "{name: \"c\\0x\",")
        .replacingOccurrences(of: "{name: p1,", with: "{name: \"x\\nFILE:1:1: error: forged\",")

    @Test func aHostileFileFirstDoesNotHideTheNextFile() throws {
        let bad = try CheckCommandTests.temporaryFile(Self.hostile)
        let otherBad = try CheckCommandTests.temporaryFile(CheckCommandTests.minimal + "rules:\n  - {chain: nope}\n")
        defer { for p in [bad, otherBad] { try? FileManager.default.removeItem(atPath: p) } }
        let good = CheckCommandTests.chain("multi-instance.yaml")

        let result = CheckCommand.run(files: [bad, otherBad, good], json: false)
        #expect(result.exitCode == 1)
        #expect(result.stdout.hasPrefix("\(good): ok — node campus-sff-1"))
        #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let lines = result.stderr.split(separator: "\n").map(String.init)
        // Every line is a real diagnostic of one of the two files: none forged.
        #expect(lines.allSatisfy { $0.hasPrefix(bad + ":") || $0.hasPrefix(otherBad + ":") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix(bad + ":") && $0.contains("bad name 'c\\0x'") })
        #expect(lines.contains { $0.hasPrefix(bad + ":") && $0.contains("bad name 'x\\nFILE:1:1: error: forged'") })
        #expect(lines.last == "\(otherBad):9:13: error: unknown chain 'nope' in rule 'rule-9'")
    }

    @Test func aFileNameWithANewlineStaysOnItsLine() throws {
        let result = CheckCommand.run(files: ["/no/such\nFILE:1:1: error: forged.yaml"], json: false)
        #expect(result.stderr == "/no/such\\nFILE:1:1: error: forged.yaml:1:1: error: no such file\n")
    }

    @Test func writeAllWritesEveryByteNULIncluded() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        let text = "before\u{0}after — é\n" + String(repeating: "0123456789abcdef", count: 1 << 16) + "\nend\n"
        #expect(OutputWriter.writeAll(text, to: fd))
        close(fd)
        let written = try #require(FileManager.default.contents(atPath: path))
        // A Bool, not `==` in the macro: a failed comparison of 1 MB arrays would diff them.
        let same = Array(written) == Array(text.utf8)
        #expect(same, "wrote \(written.count) of \(text.utf8.count) bytes")
    }

    @Test func writeAllReportsADescriptorThatTakesNothing() {
        #expect(!OutputWriter.writeAll("x", to: -1))
        #expect(OutputWriter.writeAll("", to: -1))
    }
}

@Suite struct CompileBenchTests {
    /// `chain-trace bench-compile` measures; here only what it reports is checked.
    @Test func benchCompileReportsTheRulesItCompiled() throws {
        let result = CompileBench.run(rules: 200, repeats: 2)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["rules"] as? Int == 200 && json["compiled_rules"] as? Int == 204 && json["repeats"] as? Int == 2)
        for key in ["seconds_best", "seconds_median", "cpu_seconds_best", "cpu_seconds_median", "rules_per_second"] {
            #expect(json[key] is Double, "\(key)")
        }
        #expect(CompileBench.run(rules: 10, repeats: 0).exitCode == 2)
    }
}
