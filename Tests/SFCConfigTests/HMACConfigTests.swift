// SRv6 HMAC in chain files (RFC 8754 s2.1.2): the node's `hmac-keys` file
// (key id -> secret, never in the chain file), a chain's `hmac-key`, a
// port's `require-hmac`, and what is refused, with positions. The daemon
// also refuses a key file others may read (ChainFileOptions.daemon).
import Foundation
import SFCCore
import Testing
@testable import SFCConfig

@Suite struct HMACConfigTests {
    /// A directory with `chain.yaml` and `keys.yaml` (mode 0600).
    final class Files {
        let directory: String
        init(chain: String, keys: String?) throws {
            directory = NSTemporaryDirectory() + "sfc-hmac-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try chain.write(toFile: chainPath, atomically: false, encoding: .utf8)
            if let keys {
                try keys.write(toFile: keysPath, atomically: false, encoding: .utf8)
                chmod(keysPath, 0o600)
            }
        }
        var chainPath: String { directory + "/chain.yaml" }
        var keysPath: String { directory + "/keys.yaml" }
        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func chain(node: String = "  hmac-keys: keys.yaml\n", port: String = ", require-hmac: true",
                      chain: String = ", hmac-key: 1001", reduced: String = "", hops: String = "[f1]") -> String {
        """
        node:
          name: n1
          srv6-source: 2001:db8::1
          locator: fc00:1::/48
        \(node)ports:
          - {name: p1, mac: "02:00:00:00:00:01", trusted: true\(port)}
        sids:
          - {sid: "fc00:1::d4", behavior: End.DX4, port: p1, mac: "02:00:00:00:00:09"}
        functions:
          - name: f1
            kind: sr-aware
            instances:
              - {name: i1, sid: "fc00:2::1", port: p1, mac: "02:00:00:00:00:02"}
        chains:
          - {name: c1, spi: 1, encapsulation: srv6, hops: \(hops), end: {sid: "fc00:1::d4"}\(reduced)\(chain)}
        rules:
          - {name: r1, chain: c1, source: 10.0.0.0/8}

        """
    }
    static let keys = "1001: \"the first secret\"\n1002: \"another\"\n"

    func errors(_ d: [Diagnostic]) -> [String] { d.filter { $0.severity == .error }.map(\.rendered) }

    @Test func keysChainsAndPortsCompile() throws {
        let f = try Files(chain: Self.chain(), keys: Self.keys)
        let (config, diagnostics) = ChainFile.load(path: f.chainPath, options: .daemon)
        let c = try #require(config, "\(errors(diagnostics))")
        #expect(c.hmacKeys == [1001: Array("the first secret".utf8), 1002: Array("another".utf8)])
        #expect(c.chains[0].hmacKeyID == 1001)
        #expect(c.ports[0].requireHMAC)
        let tables = ForwardingTables(c)
        #expect(tables.chains[0].hmac?.keyID == 1001 && tables.anyPortRequiresHMAC && tables.hmacKeys.count == 2)
        // The key file's path is relative to the chain file's directory; an absolute one works too.
        let absolute = Self.chain(node: "  hmac-keys: \(f.keysPath)\n")
        #expect(ChainFile.parse(text: absolute, file: "/elsewhere/x.yaml").config != nil)
    }

    @Test func whatNeedsTheKeyFileAndWhatItMustHold() throws {
        let none = try Files(chain: Self.chain(node: ""), keys: nil)
        let e = errors(ChainFile.load(path: none.chainPath).diagnostics)
        #expect(e.contains { $0.hasSuffix("error: chain 'c1' signs with HMAC key 1001 but the node names no 'hmac-keys' file") }, "\(e)")
        #expect(e.contains { $0.hasSuffix("error: port 'p1' requires HMAC but the node names no 'hmac-keys' file") }, "\(e)")

        let unknown = try Files(chain: Self.chain(chain: ", hmac-key: 77"), keys: Self.keys)
        #expect(errors(ChainFile.load(path: unknown.chainPath).diagnostics) == ["\(unknown.chainPath):16:93: error: chain 'c1': no key 77 in the hmac-keys file"])

        let missing = try Files(chain: Self.chain(), keys: nil)
        #expect(errors(ChainFile.load(path: missing.chainPath).diagnostics).first?.contains("hmac-keys 'keys.yaml': no such file") == true)

        let red = try Files(chain: Self.chain(reduced: ", reduced: true", hops: "[]"), keys: Self.keys)
        #expect(errors(ChainFile.load(path: red.chainPath).diagnostics).contains {
            $0.contains("H.Encaps.Red of a single segment writes no SRH to carry an HMAC TLV")
        })

        let untrusted = try Files(chain: Self.chain().replacingOccurrences(of: "trusted: true, require-hmac", with: "require-hmac"),
                                  keys: Self.keys)
        #expect(errors(ChainFile.load(path: untrusted.chainPath).diagnostics).contains {
            $0.contains("port 'p1' requires HMAC but is untrusted")
        })

        let nsh = Self.chain().replacingOccurrences(of: "encapsulation: srv6", with: "encapsulation: nsh")
        #expect(errors(ChainFile.parse(text: nsh, file: "x.yaml").diagnostics).contains {
            $0.contains("'hmac-key' is not allowed") || $0.contains("hmac-key")
        })
    }

    @Test func badKeyFilesArePositionedInTheKeyFileAndNeverQuoteASecret() throws {
        let cases: [(String, String)] = [
            ("0: \"zero\"\n", "keys.yaml:1:1: error: a key id is an integer in 1..4294967295"),
            ("1001: \"\(String(repeating: "s", count: 65))\"\n", "keys.yaml:1:7: error: the secret of key id 1001 must be text of 1 to 64 bytes"),
            ("1001: \"a\"\n1001: \"b\"\n", "error:"),
            ("- \"a list\"\n", "keys.yaml:1:1: error: expected a mapping of key id to secret"),
            ("1001: [\"secret-in-a-list\"]\n", "keys.yaml:1:7: error: the secret of key id 1001"),
        ]
        for (text, expected) in cases {
            let f = try Files(chain: Self.chain(), keys: text)
            let e = errors(ChainFile.load(path: f.chainPath).diagnostics)
            #expect(e.contains { $0.contains(expected) }, "\(text): \(e)")
            #expect(!e.joined().contains("secret-in-a-list") && !e.joined().contains("ssssssss"), "\(e)")
        }
    }

    @Test func theDaemonRefusesAKeyFileOthersMayRead() throws {
        let f = try Files(chain: Self.chain(), keys: Self.keys)
        chmod(f.keysPath, 0o640)
        let refused = errors(ChainFile.load(path: f.chainPath, options: .daemon).diagnostics)
        #expect(refused.first?.contains("may be read or written by its group or others (mode 640)") == true, "\(refused)")
        #expect(ChainFile.load(path: f.chainPath).config != nil)   // chain-trace check does not judge modes
        chmod(f.keysPath, 0o400)
        #expect(ChainFile.load(path: f.chainPath, options: .daemon).config != nil)
        guard geteuid() == 0 else { return }
        chmod(f.keysPath, 0o600)
        chown(f.keysPath, 65534, 65534)
        #expect(errors(ChainFile.load(path: f.chainPath, options: .daemon).diagnostics).first?
            .contains("is owned by uid 65534, not by root") == true)
    }

    @Test func aSignedChainsOverheadCountsTheTLV() {
        #expect(EncapsulationOverhead.srv6(hops: 1, reduced: false, hmac: true) == 40 + 8 + 32 + 40)
        #expect(EncapsulationOverhead.srv6(hops: 1, reduced: true, hmac: true) == 40 + 8 + 16 + 40)
    }
}
