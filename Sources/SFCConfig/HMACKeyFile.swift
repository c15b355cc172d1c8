// SRv6 HMAC keys (RFC 8754 s2.1.2) live in a file of their own, named by the
// node's `hmac-keys` (relative to the chain file's directory): a chain file
// may be shared or committed, a secret must not be. The file is one YAML
// mapping, key id (1..4294967295) -> secret text of 1 to 64 bytes (Linux's
// SEG6_HMAC_SECRET_LEN, so the same secret works in `ip sr hmac set`):
//     1001: "a long random passphrase"
// The daemon (ChainFileOptions.checkOwnership) refuses a key file that a
// group or others may read or write, or that another user owns.
// Diagnostics name the key file and never quote a secret.
import Foundation
import SFCCore
import Yams

enum HMACKeyFile {
    static let maxBytes = 1 << 20
    static let maxSecretBytes = 64

    /// The keys, or nil after reporting why the file cannot be used (at `at` in the chain file,
    /// or inside the key file).
    static func load(_ written: Located<String>, chainFile: String, checkOwnership: Bool,
                     sink: DiagnosticSink) -> [UInt32: [UInt8]]? {
        guard let (path, text) = SecretFile.read(written, key: "hmac-keys", chainFile: chainFile,
                                                checkOwnership: checkOwnership, sink: sink) else { return nil }
        return SourcePosition.$currentFile.withValue(path) { parse(text, path: path, sink: sink) }
    }

    private static func parse(_ text: String, path: String, sink: DiagnosticSink) -> [UInt32: [UInt8]]? {
        let start = SourcePosition(line: 1, column: 1, file: path)
        if let (position, reason) = NestingLimit.violation(in: text) {
            sink.error("YAML nesting too deep: \(reason)", at: SourcePosition(line: position.line, column: position.column, file: path))
            return nil
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            // Not YAMLSyntaxError.report: its excerpt could quote a secret.
            sink.error("not a YAML mapping of key id to secret", at: start)
            return nil
        }
        guard let root, case .mapping(let mapping) = root else {
            sink.error("expected a mapping of key id to secret, e.g. 1001: \"a long random passphrase\"", at: root?.position ?? start)
            return nil
        }
        var keys: [UInt32: [UInt8]] = [:]
        var ok = true
        for (key, value) in mapping {
            guard case .scalar(let k) = key, let id = ValueParsers.integer(k.string), (1...Int(UInt32.max)).contains(id) else {
                sink.error("a key id is an integer in 1..\(UInt32.max), found \(key.kindDescription)", at: key.position)
                ok = false; continue
            }
            guard keys[UInt32(id)] == nil else {
                sink.error("key id \(id) is given twice", at: key.position)
                ok = false; continue
            }
            guard case .scalar(let v) = value, !ScalarText.isNull(v), (1...maxSecretBytes).contains(v.string.utf8.count) else {
                sink.error("the secret of key id \(id) must be text of 1 to \(maxSecretBytes) bytes", at: value.position)
                ok = false; continue
            }
            keys[UInt32(id)] = Array(v.string.utf8)
        }
        if keys.isEmpty && ok { sink.error("no keys in the file", at: start); ok = false }
        return ok ? keys : nil
    }
}
