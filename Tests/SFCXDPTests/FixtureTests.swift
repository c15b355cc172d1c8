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

    /// The XDP program has no SHA-256: a chain file that signs or requires
    /// SRv6 HMAC (the HMAC fixtures' own) is refused with the reason, not
    /// forwarded unsigned or unchecked.
    @Test func aChainFileWithSRv6HMACIsRefusedSayingWhy() throws {
        let path = XDPTest.repositoryRoot + "/Tests/Fixtures/configs/hmac.yaml"
        let config = try #require(ChainFile.load(path: path).config)
        #expect(throws: XDPError.self) { try TableLimits.check(ForwardingTables(config)) }
        do {
            try TableLimits.check(ForwardingTables(config))
        } catch let error as XDPError {
            #expect(error.kind == .unsupported && "\(error)".contains("chain 'signed' signs its SRH")
                    && "\(error)".contains("--dataplane dpdk"), "\(error)")
        }
        var portOnly = config
        for c in portOnly.chains.indices { portOnly.chains[c].hmacKeyID = nil }
        do {
            try TableLimits.check(ForwardingTables(portOnly))
            Issue.record("a require-hmac port was accepted")
        } catch let error as XDPError {
            #expect(error.kind == .unsupported && "\(error)".contains("port 'sr' has require-hmac"), "\(error)")
        }
    }
}
