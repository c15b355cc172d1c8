// The shared fixtures through the reference pipeline, and a check that the
// committed JSON is exactly what the oracle generates today.
import Foundation
import SFCFixtures
import Testing
import SFCTrace

@Suite struct FixtureTests {
    @Test func everyFixtureFileMatchesTheReferencePipeline() throws {
        let files = try FixtureSupport.jsonFiles(in: FixtureSupport.fixturesDirectory)
        #expect(files.count >= 5, "expected the fixture groups in Tests/Fixtures")
        var total = 0
        for name in files {
            let file = try FixtureFile.load(path: FixtureSupport.fixturesDirectory + "/" + name)
            total += file.cases.count
            let mismatches = FixtureFile.run(file, name: name, repoRoot: FixtureSupport.repoRoot)
            #expect(mismatches.isEmpty,
                    "\(name): \(mismatches.count) mismatches\n\(mismatches.map(\.description).joined(separator: "\n"))")
        }
        #expect(total >= 80)
    }

    /// The SRv6 HMAC group has a chain file of its own (Tests/Fixtures/hmac/;
    /// the XDP program refuses it, SFCXDPTests/FixtureTests).
    @Test func theHMACFixturesMatchTheReferencePipeline() throws {
        let name = "hmac/hmac.json"
        let file = try FixtureFile.load(path: FixtureSupport.fixturesDirectory + "/" + name)
        #expect(file.cases.count >= 10)
        let mismatches = FixtureFile.run(file, name: name, repoRoot: FixtureSupport.repoRoot)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }

    @Test func hexCodec() {
        #expect(FixtureFile.decodeHex("00ff7Aa0") == [0x00, 0xFF, 0x7A, 0xA0])
        #expect(FixtureFile.decodeHex("abc") == nil)
        #expect(FixtureFile.decodeHex("zz") == nil)
        #expect(FixtureFile.encodeHex([0x01, 0xAB]) == "01ab")
    }

    @Test func aMismatchNamesTheCaseAndTheFirstDifferingByte() throws {
        let good = try FixtureFile.load(path: FixtureSupport.fixturesDirectory + "/nsh.json")
        var bad = good
        bad.cases = [good.cases[0]]
        var output = FixtureFile.decodeHex(bad.cases[0].output!)!
        output[20] ^= 0xFF
        bad.cases[0].output = FixtureFile.encodeHex(output)
        let mismatches = FixtureFile.run(bad, name: "nsh.json", repoRoot: FixtureSupport.repoRoot)
        #expect(mismatches.count == 1)
        #expect(mismatches.first?.description.contains("differs at byte 20") == true)
        #expect(mismatches.first?.description.contains(good.cases[0].description) == true)
    }

    @Test func committedFixturesAreWhatTheOracleGenerates() throws {
        guard ExternalTools.require(FixtureSupport.oracle) else { return }
        let temp = ExternalTools.temporaryDirectory(prefix: "sfc-fixtures")
        defer { try? FileManager.default.removeItem(atPath: temp) }
        let result = runProcess([ExternalTools.systemPython, FixtureSupport.generator, temp])
        #expect(result.succeeded, "generator failed:\n\(result.stderr)")
        guard result.succeeded else { return }
        let generated = try FixtureSupport.jsonFiles(in: temp)
        #expect(generated == (try FixtureSupport.jsonFiles(in: FixtureSupport.fixturesDirectory)),
                "the generator writes a different set of fixture files")
        #expect(try FixtureSupport.jsonFiles(in: temp + "/hmac") == ["hmac.json"])
        for name in generated + ["hmac/hmac.json"] {
            let fresh = FileManager.default.contents(atPath: temp + "/" + name)
            let committed = FileManager.default.contents(atPath: FixtureSupport.fixturesDirectory + "/" + name)
            #expect(fresh == committed,
                    "Tests/Fixtures/\(name) is stale: run /usr/bin/python3 Tests/oracles/fixtures/generate_fixtures.py")
        }
    }
}
