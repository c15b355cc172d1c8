// Every shared fixture (Tests/Fixtures/*.json) through the XDP program with
// BPF_PROG_RUN: the verdict, egress port, drop reason and bytes must be the
// fixture's, as on the reference and DPDK dataplanes.
import Foundation
import SFCForwarder
import Testing

@Suite(.serialized) struct FixtureTests {
    @Test func everyFixtureGivesTheSameVerdictAndBytesOnXDP() throws {
        guard XDPTest.requireRoot() else { return }
        _ = try XDPTest.objectPath()
        let files = XDPTest.fixtureFiles
        #expect(!files.isEmpty, "no fixture files in Tests/Fixtures")
        let r = FixturesCommand.run(FixturesOptions(dataplane: .xdp, files: files, repositoryRoot: XDPTest.repositoryRoot))
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout.prefix(2000))")
        let perFile = try #require(json["files"] as? [[String: Any]])
        #expect(perFile.count == files.count)
        for file in perFile {
            let mismatches = file["mismatches"] as? [[String: Any]] ?? []
            #expect((file["cases"] as? Int ?? 0) > 0, "\(file["file"] ?? "?") ran no case")
            // One line per mismatch, so the BPF author sees each failing case.
            for m in mismatches.prefix(40) {
                Issue.record("\(file["file"] ?? "?") case \(m["index"] ?? "?") \"\(m["description"] ?? "")\": \(m["problems"] ?? "")")
            }
            if mismatches.count > 40 { Issue.record("\(file["file"] ?? "?"): \(mismatches.count - 40) more mismatches") }
        }
        #expect(json["mismatches"] as? Int == 0)
    }
}
