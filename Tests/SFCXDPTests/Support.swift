// Shared by the XDP tests: root check, the repository, the object, pins.
import Foundation
import SFCConfig
import SFCCore
import SFCXDP
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum XDPTest {
    /// These tests load BPF programs: without root they fail loudly.
    static func requireRoot() -> Bool {
        if getuid() == 0 { return true }
        Issue.record("SFCXDPTests load BPF programs and need root (CAP_BPF, CAP_NET_ADMIN): run them as root, e.g. `make test`")
        return false
    }

    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The object `make bpf` built, found the way the daemon finds it
    /// (.build/bpf, two levels above the test bundle).
    static func objectPath() throws -> String { try ObjectLocator.locate() }

    static func config(_ relative: String = "Tests/Fixtures/configs/reference.yaml") throws -> CompiledConfig {
        let (config, diagnostics) = ChainFile.load(path: repositoryRoot + "/" + relative)
        guard let config else {
            throw XDPError(.run, "\(relative) does not load: \(diagnostics.map(\.rendered).joined(separator: "\n"))")
        }
        return config
    }

    static var fixtureFiles: [String] {
        let dir = repositoryRoot + "/Tests/Fixtures"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
    }

    /// A fresh pin directory under bpffs, for tests only.
    static func pinDirectory(_ tag: String) -> PinDirectory {
        PinDirectory(path: "/sys/fs/bpf/sfc-test-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }
}
