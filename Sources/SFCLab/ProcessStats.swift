// What a process holds, from /proc: resident memory (VmRSS), threads
// (Threads, both in /proc/PID/status) and open file descriptors (the
// entries of /proc/PID/fd). The soak reads the forwarder's every minute.
import Foundation

public struct ProcessStats: Codable, Sendable, Equatable {
    public var rssKiB: Int
    public var threads: Int
    public var fds: Int

    public init(rssKiB: Int, threads: Int, fds: Int) {
        self.rssKiB = rssKiB; self.threads = threads; self.fds = fds
    }

    /// Nil when the process is gone (or not readable).
    public static func read(pid: Int32) -> ProcessStats? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let (rss, threads) = parse(status: status),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        return ProcessStats(rssKiB: rss, threads: threads, fds: fds.count)
    }

    /// The least of `reads` reads `interval` seconds apart, each figure on its own:
    /// a control connection the server is just closing is not a leak.
    public static func settled(pid: Int32, reads: Int = 3, interval: Double = 0.1) -> ProcessStats? {
        var all: [ProcessStats] = []
        for i in 0..<reads {
            if i > 0 { Thread.sleep(forTimeInterval: interval) }
            guard let s = read(pid: pid) else { return nil }
            all.append(s)
        }
        return least(all)
    }

    public static func least(_ all: [ProcessStats]) -> ProcessStats? {
        guard let first = all.first else { return nil }
        return all.dropFirst().reduce(first) {
            ProcessStats(rssKiB: min($0.rssKiB, $1.rssKiB), threads: min($0.threads, $1.threads), fds: min($0.fds, $1.fds))
        }
    }

    /// VmRSS (kB) and Threads of a /proc/PID/status text.
    public static func parse(status text: String) -> (rssKiB: Int, threads: Int)? {
        var rss: Int?, threads: Int?
        for line in text.split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 2 else { continue }
            if f[0] == "VmRSS:" { rss = Int(f[1]) }
            if f[0] == "Threads:" { threads = Int(f[1]) }
        }
        guard let rss, let threads else { return nil }
        return (rss, threads)
    }
}
