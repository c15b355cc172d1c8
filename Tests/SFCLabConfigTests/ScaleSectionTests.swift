// lab scale: (sfc-lab's VNF manager): what Chains/scale-lab.yaml resolves
// to, the defaults, and each mistake reported at its exact position.
import Foundation
import SFCConfig
import SFCLabConfig
import Testing

@Suite struct ScaleSectionTests {
    static let path = Fixture.repoRoot.appendingPathComponent("Chains/scale-lab.yaml").path
    static var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    static let line = "{function: dicom-router, min: 1, max: 3, above-pps: 800, below-pps: 200, window: 1s, sample: 100ms}"
    static let file = "scale.yaml"

    /// The file with `old` replaced by `new` (in the scale line unless `whole`).
    static func variant(_ old: String, _ new: String) -> String { text.replacingOccurrences(of: old, with: new) }

    func expectError(_ yaml: String, at marker: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let (config, lab, diagnostics) = LabChainFile.parse(text: yaml, file: Self.file)
        #expect(config == nil && lab == nil, "a bad scale: must reject the file", sourceLocation: sourceLocation)
        guard let hit = diagnostics.first(where: { $0.severity == .error && $0.message.contains(fragment) }) else {
            Issue.record("no error containing '\(fragment)'; got:\n\(diagnostics.map(\.rendered).joined(separator: "\n"))",
                         sourceLocation: sourceLocation)
            return
        }
        guard let at = LabSectionTests.position(of: marker, in: yaml) else {
            Issue.record("no '\(marker)' in the text", sourceLocation: sourceLocation)
            return
        }
        #expect("\(hit.line):\(hit.column)" == "\(at.line):\(at.column)", "\(hit.rendered)", sourceLocation: sourceLocation)
    }

    @Test func theSceneFileResolves() throws {
        #expect(Self.text.contains(Self.line), "Chains/scale-lab.yaml changed: update the fixture line")
        let (config, lab, diagnostics) = LabChainFile.load(path: Self.path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered).joined(separator: "\n"))")
        #expect(config != nil)
        let scale = try #require(lab?.scale.first)
        #expect(scale == LabDescription.Scale(function: "dicom-router", vnfs: ["router-1", "router-2", "router-3"],
                                              instances: ["router-1", "router-2", "router-3"], min: 1, max: 3, abovePPS: 800,
                                              belowPPS: 200, aboveCPU: nil, windowMilliseconds: 1000, sampleMilliseconds: 100))
        #expect(lab?.scale(servedBy: "router-2")?.function == "dicom-router" && lab?.scale(servedBy: "client") == nil)
    }

    @Test func defaultsAndACPUThreshold() throws {
        let yaml = Self.variant(Self.line, "{function: dicom-router, above-pps: 1000, above-cpu: 75%, window: 500ms}")
        let (_, lab, diagnostics) = LabChainFile.parse(text: yaml, file: Self.file)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))")
        let scale = try #require(lab?.scale.first)
        // min 1, max every instance, below-pps a quarter of above-pps, sample at most half the window.
        #expect(scale.min == 1 && scale.max == 3 && scale.belowPPS == 250 && scale.aboveCPU == 75)
        #expect(scale.windowMilliseconds == 500 && scale.sampleMilliseconds == 100)
        let short = try #require(LabChainFile.parse(text: Self.variant(Self.line, "{function: dicom-router, above-pps: 10, window: 100ms}"),
                                                    file: Self.file).lab?.scale.first)
        #expect(short.sampleMilliseconds == 50)
    }

    @Test func valuesOutOfRangeOrUnreadable() {
        expectError(Self.variant("max: 3", "max: 4"), at: "4, above-pps", "'max' (4) is more than the 3 instances")
        expectError(Self.variant("max: 3", "max: 1"), at: "1, above-pps", "'max' (1) must be above 'min' (1)")
        expectError(Self.variant("min: 1", "min: 3"), at: "3, max", "'min' (3) must be below the 3 instances")
        expectError(Self.variant("below-pps: 200", "below-pps: 400"), at: "400, window", "must be under half of 'above-pps'")
        expectError(Self.variant("window: 1s", "window: 1"), at: "1, sample", "bad duration '1' for 'window'")
        expectError(Self.variant("window: 1s", "window: 2h"), at: "2h, sample", "bad duration '2h' for 'window'")
        expectError(Self.variant("sample: 100ms", "sample: 600ms"), at: "600ms}", "'sample' (600ms) must be at most half of 'window'")
        expectError(Self.variant("window: 1s", "window: 1s, above-cpu: 80"), at: "80, sample", "bad CPU share '80' for 'above-cpu'")
        expectError(Self.variant("above-pps: 800", "above-pps: 0"), at: "0, below", "'above-pps' must be in 1..100000000")
        expectError(Self.variant("{function: dicom-router, ", "{function: dicom-router, cooldown: 2s, "), at: "cooldown",
                    "unknown key 'cooldown' in lab scale")
        expectError(Self.variant("{function: dicom-router, min: 1, ", "{min: 1, "), at: "{min: 1", "missing key 'function' in lab scale")
    }

    @Test func theFunctionAndItsVNFs() {
        expectError(Self.variant("{function: dicom-router,", "{function: dicom-routr,"), at: "dicom-routr", "unknown function 'dicom-routr'")
        let twice = Self.text.replacingOccurrences(of: "    - " + Self.line, with: "    - " + Self.line + "\n    - " + Self.line)
        let (_, _, d) = LabChainFile.parse(text: twice, file: Self.file)
        #expect(d.contains { $0.message.contains("function 'dicom-router' is scaled twice (first at line") })
        // An instance no vnf serves.
        expectError(Self.variant("    - {name: router-3, kind: nsh-aware, links: [{instance: router-3}]}\n", ""), at: "dicom-router, min",
                    "instance 'router-3' of the scaled function 'dicom-router' is served by no lab vnf")
        // A vnf that serves a scaled instance and something else.
        let two = Self.variant("{name: router-3, kind: nsh-aware, links: [{instance: router-3}]}",
                               "{name: router-3, kind: nsh-aware, links: [{instance: router-3}, {instance: router-2}]}")
            .replacingOccurrences(of: "    - {name: router-2, kind: nsh-aware, links: [{instance: router-2}]}\n", with: "")
        expectError(two, at: "dicom-router, min", "lab vnf 'router-3' serves an instance of the scaled function 'dicom-router' and has 2 links")
        // One instance: nothing to scale.
        let one = Self.variant("      - {name: router-2, port: router-2, mac: \"02:00:00:78:01:12\"}\n", "")
            .replacingOccurrences(of: "      - {name: router-3, port: router-3, mac: \"02:00:00:78:01:13\"}\n", with: "")
        expectError(one, at: "dicom-router, min", "function 'dicom-router' has one instance")
    }
}
