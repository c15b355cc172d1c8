// Every shared fixture (Tests/Fixtures/*.json) through the DPDK path: each
// case's packet enters on a ring port's RX ring, one iteration of the real
// forwarding loop runs (rx_burst, pipeline on the mbuf, tx_burst), and what
// the TX rings hold must be the fixture's verdict and bytes.
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct DPDKFixtureTests {
    static var fixtureFiles: [String] {
        let dir = Forwarder.repositoryRoot + "/Tests/Fixtures"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
    }

    @Test func everyFixtureGivesTheSameVerdictAndBytesOnDPDK() throws {
        guard Forwarder.ready() else { return }
        let files = Self.fixtureFiles
        guard !files.isEmpty else { return }  // no shared fixtures in this checkout yet
        let r = try Forwarder.run(["fixtures", "--dataplane", "dpdk", "--repo-root", Forwarder.repositoryRoot] + files)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout.prefix(4000))")
        let json = try Forwarder.json(r.stdout)
        #expect(json["mismatches"] as? Int == 0)
        let perFile = try #require(json["files"] as? [[String: Any]])
        #expect(perFile.count == files.count)
        for file in perFile {
            #expect((file["cases"] as? Int ?? 0) > 0, "\(file["file"] ?? "?") ran no case")
            #expect((file["mismatches"] as? [Any])?.isEmpty == true, "\(file)")
        }
    }

    /// SRv6 HMAC (Tests/Fixtures/hmac/, its own chain file): signed at the
    /// headend, checked on a require-hmac port, on the DPDK path too.
    @Test func theHMACFixturesGiveTheSameVerdictAndBytesOnDPDK() throws {
        guard Forwarder.ready() else { return }
        let file = Forwarder.repositoryRoot + "/Tests/Fixtures/hmac/hmac.json"
        let r = try Forwarder.run(["fixtures", "--dataplane", "dpdk", "--repo-root", Forwarder.repositoryRoot, file])
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout.prefix(4000))")
        let json = try Forwarder.json(r.stdout)
        #expect(json["mismatches"] as? Int == 0, "\(r.stdout.prefix(4000))")
        let perFile = try #require(json["files"] as? [[String: Any]])
        #expect(perFile.count == 1 && (perFile.first?["cases"] as? Int ?? 0) >= 10, "\(perFile)")
    }

    @Test func aWrongExpectationIsReportedNotHidden() throws {
        guard Forwarder.ready(), let first = Self.fixtureFiles.first else { return }
        var file = try Forwarder.json(String(contentsOfFile: first, encoding: .utf8))
        var cases = try #require(file["cases"] as? [[String: Any]])
        // Expect a drop where the fixture forwards, or a forward where it drops.
        let wasForward = cases[0]["verdict"] as? String == "forward"
        cases[0]["verdict"] = wasForward ? "drop" : "forward"
        file["cases"] = Array(cases.prefix(3))
        let dir = Forwarder.temporaryDirectory("fx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: dir + "/wrong.json"))
        let r = try Forwarder.run(["fixtures", "--dataplane", "dpdk", "--repo-root", Forwarder.repositoryRoot, dir + "/wrong.json"])
        #expect(r.status == 1)
        let json = try Forwarder.json(r.stdout)
        #expect(json["mismatches"] as? Int == 1)
    }
}
