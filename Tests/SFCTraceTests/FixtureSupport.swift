// Where the shared fixtures and their oracle live (processes run through
// Support/ExternalTools.swift).
import Foundation

enum FixtureSupport {
    /// Tests/SFCTraceTests/FixtureSupport.swift -> the repository root.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let fixturesDirectory = repoRoot + "/Tests/Fixtures"
    static let generator = ExternalTools.oracleScript("fixtures/generate_fixtures.py")

    /// The generator needs scapy (NSH, SRH, VXLAN-GPE layers) and PyYAML.
    static let oracle = ExternalTool(name: "scapy + PyYAML",
                                     probe: [ExternalTools.systemPython, "-c", "import scapy.all, scapy.contrib.nsh, yaml"],
                                     package: "python3-scapy python3-yaml")

    /// Every `*.json` file of `directory`, sorted.
    static func jsonFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
    }
}
