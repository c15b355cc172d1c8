// The node's `flow-hash-key` (docs/PIPELINE.md "Flow hash", docs/SECURITY.md):
// a file of its own, like `hmac-keys`, since a chain file may be shared.
// Its text, one trailing newline removed, is the key: 16 to 4096 bytes, e.g.
//     head -c 32 /dev/urandom | base64 > flow-hash.key && chmod 600 flow-hash.key
// Without it every flow hash starts from a public seed, so anyone can work
// out which instance, affinity set or NSH proxy slot a flow of theirs takes.
// Nodes that must pick alike (both directions of a flow through two nodes)
// share the file.
import SFCCore

enum FlowHashKeyFile {
    static let minBytes = 16
    static let maxBytes = 4096

    /// The seed the key gives (FlowHash.seed(key:)), or nil after reporting why not.
    static func load(_ written: Located<String>, chainFile: String, checkOwnership: Bool, sink: DiagnosticSink) -> UInt32? {
        guard let (path, text) = SecretFile.read(written, key: "flow-hash-key", chainFile: chainFile,
                                                checkOwnership: checkOwnership, sink: sink) else { return nil }
        var key = Array(text.utf8)
        if key.last == UInt8(ascii: "\n") { key.removeLast() }
        if key.last == UInt8(ascii: "\r") { key.removeLast() }
        guard (minBytes...maxBytes).contains(key.count) else {
            sink.error("flow-hash-key '\(ScalarText.shortened(written.value))': the key in \(path) must be \(minBytes) to "
                       + "\(maxBytes) bytes (it has \(key.count)); e.g. `head -c 32 /dev/urandom | base64`", at: written.position)
            return nil
        }
        return FlowHash.seed(key: key)
    }
}
