// lab failover: (the failover scene's firewall pair): what
// Chains/failover-lab.yaml resolves to and each mistake at its position.
import Foundation
import SFCConfig
import SFCLabConfig
import Testing

@Suite struct FailoverSectionTests {
    static let path = Fixture.repoRoot.appendingPathComponent("Chains/failover-lab.yaml").path
    static var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    static let line = "failover: {pair: [fwa, fwb], port: 11112}"

    func expectError(_ old: String, _ new: String, at marker: String, _ fragment: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Self.text.contains(old), "no '\(old)' in the file", sourceLocation: sourceLocation)
        let yaml = Self.text.replacingOccurrences(of: old, with: new)
        let (config, lab, diagnostics) = LabChainFile.parse(text: yaml, file: "failover.yaml")
        #expect(config == nil && lab == nil, sourceLocation: sourceLocation)
        guard let hit = diagnostics.first(where: { $0.severity == .error && $0.message.contains(fragment) }),
              let at = LabSectionTests.position(of: marker, in: yaml) else {
            Issue.record("no error containing '\(fragment)' at '\(marker)'; got:\n\(diagnostics.map(\.rendered).joined(separator: "\n"))",
                         sourceLocation: sourceLocation)
            return
        }
        #expect("\(hit.line):\(hit.column)" == "\(at.line):\(at.column)", "\(hit.rendered)", sourceLocation: sourceLocation)
    }

    @Test func theSceneFileResolves() throws {
        let (config, lab, diagnostics) = LabChainFile.load(path: Self.path)
        #expect(diagnostics.isEmpty && config != nil, "\(diagnostics.map(\.rendered))")
        #expect(lab?.failover == LabDescription.Failover(active: "fwa", standby: "fwb", port: 11112))
    }

    @Test func mistakes() {
        expectError(Self.line, "failover: {pair: [fwa], port: 11112}", at: "[fwa]", "'pair' names two firewall vnfs")
        expectError(Self.line, "failover: {pair: [fwa, fwa], port: 11112}", at: "fwa], port: 11112}", "the failover pair is one vnf twice")
        expectError(Self.line, "failover: {pair: [fwa, fwc], port: 11112}", at: "fwc", "unknown lab vnf 'fwc' in lab failover")
        expectError(Self.line, "failover: {pair: [fwa, client], port: 11112}", at: "client], port", "unknown lab vnf 'client'")
        expectError(Self.line, "failover: {pair: [fwa, fwb], port: 104}", at: "104}", "firewall 'fwa' does not allow tcp/104")
        expectError(Self.line, "failover: {pair: [fwa, fwb]}", at: "{pair", "missing key 'port' in lab failover")
        expectError(Self.line, "failover: {pair: [fwa, fwb], port: 11112, kill: process}", at: "kill: process", "unknown key 'kill' in lab failover")
        // The standby must serve what the active one serves.
        expectError("        - {instance: fwb-return, address: 10.79.21.2/24, routes: [10.79.1.0/24]}\n", "", at: "fwb], port",
                    "the failover pair serves different functions")
    }
}
