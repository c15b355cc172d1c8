// sfc-forwarder fixtures (hidden): runs shared fixture files
// (Tests/Fixtures/*.json) through one dataplane with SFCFixtures' harnesses
// (DPDK ring ports, or BPF_PROG_RUN on XDP) and prints every mismatch as JSON.
import Foundation
import Logging
import SFCDaemon
import SFCConfig
import SFCCore
import SFCFixtures
import SFCRuntime

public struct FixturesOptions: Sendable {
    public var dataplane: DataplaneKind
    public var files: [String]
    /// Where fixture files' `config` paths are relative to.
    public var repositoryRoot: String
    /// XDP: the BPF object (--bpf-object); nil: beside the binary.
    public var bpfObject: String?
    public init(dataplane: DataplaneKind, files: [String], repositoryRoot: String, bpfObject: String? = nil) {
        self.dataplane = dataplane; self.files = files; self.repositoryRoot = repositoryRoot; self.bpfObject = bpfObject
    }
}

public enum FixturesCommand {
    public static func run(_ options: FixturesOptions, allowEAL: Bool = false, logger: Logger = Logger(label: "sfc-forwarder")) -> CommandResult {
        var loaded: [(String, FixtureFile)] = []
        for path in options.files {
            do { loaded.append((path, try FixtureFile.load(path: path))) } catch {
                return CommandResult(stderr: "\(error)", exitCode: 2)
            }
        }
        var results: [FixtureOutcome] = []
        switch options.dataplane {
        case .reference:
            for (path, file) in loaded {
                let mismatches = FixtureFile.run(file, name: path, repoRoot: options.repositoryRoot)
                results.append(FixtureOutcome(file: path, cases: file.cases.count, mismatches: mismatches))
            }
        case .dpdk where allowEAL:
            do {
                results = try DPDKFixtures.run(loaded, repositoryRoot: options.repositoryRoot, logger: logger)
            } catch {
                return CommandResult(stderr: "\(error)", exitCode: 2)
            }
        case .xdp:
            do {
                results = try XDPFixtures.run(loaded, repositoryRoot: options.repositoryRoot, objectPath: options.bpfObject, logger: logger)
            } catch {
                return CommandResult(stderr: "\(error)", exitCode: 2)
            }
        default:
            return CommandResult(stderr: "fixtures runs on --dataplane reference, dpdk or xdp (dpdk only from the sfc-forwarder binary)", exitCode: 2)
        }
        let files: [[String: Any]] = results.map { r in
            ["file": r.file, "cases": r.cases, "mismatches": r.mismatches.map { m in
                ["index": m.index, "description": m.caseDescription, "problems": m.problems] as [String: Any]
            }]
        }
        let total = results.reduce(0) { $0 + $1.mismatches.count }
        let object: [String: Any] = ["dataplane": options.dataplane.rawValue, "files": files,
                                     "cases": results.reduce(0) { $0 + $1.cases }, "mismatches": total]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n", exitCode: total == 0 ? 0 : 1)
    }
}
