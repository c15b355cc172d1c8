// Reading a chain file's text, for `load` and the daemon's reload: only a
// regular file of at most `maxBytes`, as UTF-8. A reload request may name
// any path (POST /v1/reload {"config": ...}); /dev/zero or a FIFO must be
// refused with a diagnostic, not read until memory or patience runs out.
import Foundation

public enum ChainFileText: Sendable {
    case text(String)
    /// One error at line 1 of the file, saying why.
    case refused(Diagnostic)
}

extension ChainFile {
    /// Far above any real chain file (100,000 rules are about 8 MiB).
    public static let maxBytes = 64 << 20

    /// The file's text, or why it cannot be a chain file (one positioned error).
    public static func readText(path: String) -> ChainFileText {
        func refuse(_ why: String) -> ChainFileText {
            .refused(Diagnostic(severity: .error, file: path, line: 1, column: 1, message: why))
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            return refuse(errno == ENOENT ? "no such file" : "cannot read file: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return refuse("not a regular file") }
        guard st.st_size <= maxBytes else { return refuse("\(st.st_size) bytes: a chain file has at most \(maxBytes)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { return refuse("cannot read file") }
        defer { try? handle.close() }
        // Read at most one byte over the limit: the file may have grown since stat.
        guard let data = try? handle.read(upToCount: maxBytes + 1) ?? Data() else { return refuse("cannot read file") }
        guard data.count <= maxBytes else { return refuse("more than \(maxBytes) bytes: a chain file has at most that") }
        guard let text = String(data: data, encoding: .utf8) else { return refuse("file is not UTF-8 text") }
        return .text(text)
    }
}
