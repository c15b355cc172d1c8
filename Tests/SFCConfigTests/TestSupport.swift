// Shared helpers for the config tests: a minimal valid file to extend, and
// expectations on diagnostics with exact positions.
import Foundation
import SFCConfig
import SFCCore
import Testing

enum Fixture {
    /// A minimal valid chain file of exactly 19 lines; text appended to it
    /// starts on line 20.
    static let base = GeneratedChainFile.minimal

    static let file = "test.yaml"

    /// The repository root, found from this source file's path.
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

func compile(_ yaml: String) -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
    ChainFile.parse(text: yaml, file: Fixture.file)
}

/// Expects the file to be rejected with an error at exactly LINE:COLUMN whose
/// message contains `fragment`.
func expectError(_ yaml: String, line: Int, column: Int, _ fragment: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let (config, diagnostics) = compile(yaml)
    #expect(config == nil, "an erroneous file must not compile", sourceLocation: sourceLocation)
    let matches = diagnostics.filter { $0.severity == .error && $0.message.contains(fragment) }
    guard let hit = matches.first else {
        let got = diagnostics.map(\.rendered).joined(separator: "\n")
        Issue.record("no error containing '\(fragment)'; got:\n\(got)", sourceLocation: sourceLocation)
        return
    }
    #expect(hit.file == Fixture.file, sourceLocation: sourceLocation)
    #expect("\(hit.line):\(hit.column)" == "\(line):\(column)", "\(hit.rendered)", sourceLocation: sourceLocation)
    #expect(hit.rendered == "\(Fixture.file):\(hit.line):\(hit.column): error: \(hit.message)", sourceLocation: sourceLocation)
}

/// Expects the file to compile, with a warning at LINE:COLUMN containing `fragment`.
func expectWarning(_ yaml: String, line: Int, column: Int, _ fragment: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let (config, diagnostics) = compile(yaml)
    #expect(config != nil, "warnings alone must not reject a file", sourceLocation: sourceLocation)
    guard let hit = diagnostics.first(where: { $0.severity == .warning && $0.message.contains(fragment) }) else {
        let got = diagnostics.map(\.rendered).joined(separator: "\n")
        Issue.record("no warning containing '\(fragment)'; got:\n\(got)", sourceLocation: sourceLocation)
        return
    }
    #expect("\(hit.line):\(hit.column)" == "\(line):\(column)", "\(hit.rendered)", sourceLocation: sourceLocation)
    #expect(hit.rendered.hasPrefix("\(Fixture.file):\(line):\(column): warning: "), sourceLocation: sourceLocation)
}
