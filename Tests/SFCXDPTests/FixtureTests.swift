// Every shared fixture (Tests/Fixtures/*.json) through the XDP program with
// BPF_PROG_RUN: the verdict, egress port, drop reason and bytes must be the
// fixture's, as on the reference and DPDK dataplanes.
import Foundation
import SFCConfig
import SFCCore
import SFCForwarder
@testable import SFCXDP
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

    /// SRv6 HMAC (Tests/Fixtures/hmac/, its own chain file): the headend's
    /// signature (H.Encaps and H.Encaps.Red with D), and a require-hmac
    /// port's check (a valid TLV, none, a flipped bit, the wrong secret, an
    /// unknown key id, another source, a DA not Segment List[SL]) in
    /// BPF/sfc_hmac.h give the reference's verdicts and bytes.
    @Test func theHMACFixturesGiveTheSameVerdictAndBytesOnXDP() throws {
        guard XDPTest.requireRoot() else { return }
        _ = try XDPTest.objectPath()
        let file = XDPTest.repositoryRoot + "/Tests/Fixtures/hmac/hmac.json"
        let r = FixturesCommand.run(FixturesOptions(dataplane: .xdp, files: [file], repositoryRoot: XDPTest.repositoryRoot))
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout.prefix(2000))")
        let perFile = try #require(json["files"] as? [[String: Any]])
        #expect(perFile.count == 1 && (perFile.first?["cases"] as? Int ?? 0) >= 13, "\(perFile)")
        for m in (perFile.first?["mismatches"] as? [[String: Any]] ?? []) {
            Issue.record("hmac case \(m["index"] ?? "?") \"\(m["description"] ?? "")\": \(m["problems"] ?? "")")
        }
        #expect(json["mismatches"] as? Int == 0)
    }
}
