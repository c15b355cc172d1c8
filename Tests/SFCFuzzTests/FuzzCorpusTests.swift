// The committed seed corpora of the fuzz targets (Tests/Fuzz/<target>,
// and the shipped chain files for the chain-file target), replayed through
// the same invariants libFuzzer holds them to (SFCFuzz/FuzzTargets.swift):
// every crash a fuzz run found stays here as a regression case.
import Foundation
import SFCFuzz
import Testing

@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// scripts/fuzz.sh runs one target per directory of Tests/Fuzz.
    @Test func everyTargetHasASeedCorpusAndEveryCorpusATarget() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/Tests/Fuzz").sorted()
        #expect(dirs == FuzzTargets.all.keys.sorted())
    }

    /// The pipeline and xdp-diff targets name chain files by index: every
    /// shipped one must be in their list (appended, so seeds keep theirs).
    @Test func everyShippedChainFileIsFuzzed() throws {
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/Chains")
            .filter { $0.hasSuffix(".yaml") }.map { "Chains/" + $0 }
        let missing = Set(shipped).subtracting(FuzzTargets.chainFileNames).sorted()
        #expect(missing.isEmpty, "append to FuzzTargets.chainFileNames: \(missing)")
        #expect(Set(FuzzTargets.chainFileNames).count == FuzzTargets.chainFileNames.count)
        for name in FuzzTargets.chainFileNames {
            #expect(FileManager.default.fileExists(atPath: Self.root + "/" + name), "\(name) is listed but gone")
        }
    }

    @Test(arguments: FuzzTargets.all.keys.sorted())
    func everySeedHoldsTheInvariants(target: String) throws {
        let run = try #require(FuzzTargets.all[target])
        if target == "xdp-diff", let why = FuzzTargets.xdpDiffUnavailable {
            // `make test` runs as root with the object built: there it runs.
            print("FuzzCorpusTests: not replaying xdp-diff: \(why)")
            return
        }
        var paths = [Self.root + "/Tests/Fuzz/" + target]
        if target == "chain-file" { paths.append(Self.root + "/Chains") }
        if target == "xdp-diff" {
            paths.append(Self.root + "/Tests/Fuzz/pipeline")
            let files = FuzzTargets.xdpDiffChainFiles()
            #expect(!files.accepted.isEmpty, "xdp-diff: the XDP loader refused every chain file: \(files.refused)")
            print("FuzzCorpusTests: xdp-diff runs \(files.accepted.joined(separator: ", ")); refused: \(files.refused)")
        }
        let n = FuzzTargets.replay(paths, run)
        #expect(n >= 2, "\(target): only \(n) seeds")
    }
}
