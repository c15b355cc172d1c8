// A file a chain file names for a secret (`hmac-keys`, `flow-hash-key`):
// resolved against the chain file's directory, a regular file of at most
// 1 MiB of UTF-8 text. With checkOwnership (the daemon) it must be 0600 or
// 0400 and owned by root or by the daemon's user: a secret another user can
// read is no secret, and one another user can write is theirs to choose.
// Diagnostics name the file and never quote what is in it.
import Foundation
import SFCCore

enum SecretFile {
    static let maxBytes = 1 << 20

    /// `path` as written in the chain file `chainFile`, resolved against its directory.
    static func resolve(_ path: String, chainFile: String) -> String {
        if path.hasPrefix("/") { return path }
        return ((chainFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
    }

    /// The resolved path and the file's text, or nil after reporting (at
    /// `written`, under the chain file's `key`) why it cannot be used.
    static func read(_ written: Located<String>, key: String, chainFile: String, checkOwnership: Bool,
                     sink: DiagnosticSink) -> (path: String, text: String)? {
        let path = resolve(written.value, chainFile: chainFile)
        func refuse(_ why: String) -> (path: String, text: String)? {
            sink.error("\(key) '\(ScalarText.shortened(written.value))': \(why)", at: written.position)
            return nil
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            return refuse(errno == ENOENT ? "no such file (\(path))" : "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return refuse("\(path) is not a regular file") }
        if checkOwnership {
            let mode = String(st.st_mode & 0o7777, radix: 8)
            if st.st_mode & 0o077 != 0 {
                return refuse("\(path) may be read or written by its group or others (mode \(mode)); a key file "
                              + "must be 0600 or 0400: run `chmod 600 \(path)`")
            }
            if st.st_uid != 0 && st.st_uid != geteuid() {
                return refuse("\(path) is owned by uid \(st.st_uid), not by root: that user can read and change the keys")
            }
        }
        guard st.st_size <= maxBytes else { return refuse("\(path) is over \(maxBytes) bytes") }
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxBytes else {
            return refuse("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { return refuse("\(path) is not UTF-8 text") }
        return (path, text)
    }
}
