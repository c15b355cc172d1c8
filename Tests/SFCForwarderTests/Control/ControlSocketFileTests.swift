// The control socket is bound 0600 without narrowing the process's umask
// (which every other thread's new files would get meanwhile: a test's
// capture directory once came out without its owner's search bit), a stale
// socket file is replaced, and anything else at the path is left alone.
import Foundation
import Logging
import SFCControl
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ControlSocketFileTests {
    static func directory(_ tag: String) -> String {
        let dir = NSTemporaryDirectory() + "sfc-control-socket-\(getpid())-\(tag)"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The process's umask as the kernel reports it (read-only: no umask(2) call).
    static func processUmask() -> String? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("Umask:") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
    }

    @Test func bindingNeverChangesTheProcessUmaskAndTheSocketIsTheOwners() throws {
        let dir = Self.directory("umask")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try #require(Self.processUmask())
        // A thread watches the umask while servers start and stop.
        final class Watch: @unchecked Sendable {
            let lock = NSLock()
            var done = false, reads = 0, changed = 0
        }
        let watch = Watch()
        let watcher = Thread {
            while true {
                let m = Self.processUmask()
                watch.lock.lock()
                if let m { watch.reads += 1; if m != before { watch.changed += 1 } }
                let stop = watch.done
                watch.lock.unlock()
                if stop { return }
            }
        }
        watcher.start()
        for i in 0..<20 {
            let path = dir + "/c\(i).sock"
            let server = try ControlServer(address: .unix(path: path, group: nil), router: ControlRouter([]), logger: Logger(label: "t"))
            var st = stat()
            #expect(stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK && st.st_mode & 0o777 == 0o600 & ~Self.octal(before))
            server.close()
        }
        watch.lock.lock(); watch.done = true; watch.lock.unlock()
        while !watcher.isFinished { usleep(1000) }
        watch.lock.lock()
        let (reads, changed) = (watch.reads, watch.changed)
        watch.lock.unlock()
        #expect(reads > 0, "the watcher never read the umask")
        #expect(changed == 0, "the umask changed in \(changed) of \(reads) reads while servers bound")
        #expect(Self.processUmask() == before)
    }

    static func octal(_ text: String) -> mode_t { mode_t(text, radix: 8) ?? 0 }

    @Test func aStaleSocketIsReplacedAndAnythingElseIsLeftAlone() throws {
        let dir = Self.directory("stale")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.sock"
        // A socket file whose server is gone: bound, then closed without unlinking.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        try #require(bound == 0)
        var st = stat()
        #expect(lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK)
        let second = try ControlServer(address: .unix(path: path, group: nil), router: ControlRouter([]), logger: Logger(label: "t"))
        second.close()
        // A regular file is nobody's socket: refused, and kept.
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ControlError.self) {
            _ = try ControlServer(address: .unix(path: path, group: nil), router: ControlRouter([]), logger: Logger(label: "t"))
        }
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "keep me")
    }
}
