// The node's `flow-hash-key` (FlowHashKeyFile): a key file of its own whose
// text gives the flow hash seed; without it the public seed. The daemon
// refuses a key file others may read, as it does the HMAC keys'.
import Foundation
import SFCCore
import Testing
@testable import SFCConfig

@Suite struct FlowHashKeyConfigTests {
    /// HMACConfigTests' chain with the node naming `flow.key` (mode `mode`).
    static func files(key: String?, mode: mode_t = 0o600) throws -> HMACConfigTests.Files {
        let f = try HMACConfigTests.Files(chain: HMACConfigTests.chain(node: "  flow-hash-key: flow.key\n", port: "", chain: ""),
                                          keys: nil)
        if let key {
            try key.write(toFile: f.directory + "/flow.key", atomically: false, encoding: .utf8)
            chmod(f.directory + "/flow.key", mode)
        }
        return f
    }

    func errors(_ d: [Diagnostic]) -> [String] { d.filter { $0.severity == .error }.map(\.rendered) }

    @Test func theKeyFileGivesTheSeedAndNoKeyThePublicOne() throws {
        let key = "q8Hk3vV0mZ0Yb1e8wq1cTg9Kx7Hn2Jd4"
        let f = try Self.files(key: key + "\n")
        let (config, diagnostics) = ChainFile.load(path: f.chainPath, options: .daemon)
        let c = try #require(config, "\(errors(diagnostics))")
        // One trailing newline is not part of the key.
        #expect(c.flowHashSeed == FlowHash.seed(key: Array(key.utf8)))
        #expect(c.flowHashSeed != FlowHash.seed)
        let other = try Self.files(key: key + "x")
        #expect(ChainFile.load(path: other.chainPath, options: .daemon).config?.flowHashSeed != c.flowHashSeed)

        let plain = try HMACConfigTests.Files(chain: HMACConfigTests.chain(node: "", port: "", chain: ""), keys: nil)
        #expect(ChainFile.load(path: plain.chainPath, options: .daemon).config?.flowHashSeed == FlowHash.seed)
    }

    @Test func aMissingShortOrOpenKeyFileIsRefusedWithoutQuotingIt() throws {
        let missing = try Self.files(key: nil)
        var d = ChainFile.load(path: missing.chainPath, options: .daemon)
        #expect(d.config == nil && errors(d.diagnostics).contains { $0.contains("flow-hash-key 'flow.key': no such file") })

        let short = try Self.files(key: "tooshort")
        d = ChainFile.load(path: short.chainPath, options: .daemon)
        #expect(d.config == nil && errors(d.diagnostics).contains { $0.contains("must be 16 to 4096 bytes (it has 8)") })
        #expect(!errors(d.diagnostics).contains { $0.contains("tooshort") })

        let open = try Self.files(key: "a key that the whole machine can read", mode: 0o644)
        d = ChainFile.load(path: open.chainPath, options: .daemon)
        #expect(d.config == nil && errors(d.diagnostics).contains { $0.contains("mode 644") && $0.contains("chmod 600") })
        #expect(!errors(d.diagnostics).contains { $0.contains("whole machine") })
    }
}
