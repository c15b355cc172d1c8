// What a command produced: text for stdout, text for stderr,
// and the exit status. The CLIs only print these; tests call the libraries.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct CommandResult: Sendable {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32
    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout; self.stderr = stderr; self.exitCode = exitCode
    }
}

public enum OutputWriter {
    /// Writes every UTF-8 byte of `text` to `fd` (unbuffered), looping over
    /// partial writes and EINTR. A NUL inside the text is written like any
    /// other byte: nothing goes through C strings. False if the descriptor
    /// stopped taking bytes (closed pipe, full disk).
    @discardableResult
    public static func writeAll(_ text: String, to fd: Int32) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let n = write(fd, base + offset, raw.count - offset)
                if n > 0 { offset += n; continue }
                if n < 0 && errno == EINTR { continue }
                return false
            }
            return true
        }
    }
}
