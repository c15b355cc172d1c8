// libbpf's own messages, captured by the shim instead of printed: a failed
// load quotes the end of the verifier log, which says why the program was
// rejected (the start is the whole program's trace and rarely helps).
import CLibBPF

enum BPFLog {
    /// Installs the capture (idempotent) and forgets what was logged so far.
    static func start() {
        sfc_bpf_log_capture()
        sfc_bpf_log_clear()
    }

    /// Everything captured since `start`, up to the newest megabyte.
    static var text: String {
        var buffer = [CChar](repeating: 0, count: 1 << 20)
        let n = sfc_bpf_log_copy(&buffer, buffer.count)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The last `lines` lines of the verifier's log when libbpf printed one,
    /// else the last lines of whatever libbpf said.
    static func tail(lines: Int = 30) -> String {
        let all = text
        var relevant = Substring(all)
        if let begin = all.range(of: "-- BEGIN PROG LOAD LOG --", options: .backwards) {
            relevant = all[begin.upperBound...]
            if let end = relevant.range(of: "-- END PROG LOAD LOG --") { relevant = relevant[..<end.lowerBound] }
        }
        let kept = relevant.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines)
        return kept.joined(separator: "\n")
    }

    /// libbpf's own last lines (after the verifier log), e.g. "failed to load object".
    static func lastLines(_ count: Int = 6) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).joined(separator: "\n")
    }
}
