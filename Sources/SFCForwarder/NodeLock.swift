// One running forwarder per node name and per interface. Two forwarders of
// one node would share its pins (the second "adopts" the first's live
// maps) and the one that stops first would detach XDP from interfaces the
// other still serves; two nodes on one interface replace each other's
// program. So `run` holds an exclusive flock on /run/sfc/<node>.lock and on
// one lock file per interface (named after its network namespace, since
// names repeat across namespaces) for its whole life. The kernel releases
// a flock when the process exits in any way, kill -9 included, so a lock is
// never left stale; the files stay and only say who held them last.
import Foundation
import SFCDaemon
import SFCXDP
#if canImport(Glibc)
import Glibc
#endif

public struct NodeLockError: Error, CustomStringConvertible {
    public var description: String
}

public final class NodeLock {
    /// Where the locks live (tmpfs: empty after a reboot).
    public static let defaultDirectory = "/run/sfc"

    public let directory: String
    private var fds: [Int32] = []

    /// Locks `node` and then each interface; throws naming the holder when
    /// one is taken, releasing what it had already locked.
    public init(node: String, interfaces: [String], config: String, dataplane: String,
                directory: String = NodeLock.defaultDirectory) throws {
        self.directory = directory
        try SafeDirectory.ensure(directory, mode: 0o755)
        let owner = "pid=\(getpid())\nnode=\(node)\nconfig=\(config)\ndataplane=\(dataplane)\nstarted=\(Date().ISO8601Format())\n"
        let netns = Self.networkNamespace()
        do {
            try take(directory + "/" + node + ".lock", owner: owner) { holder in
                "node \(node) is already running (\(holder)); stop it first (SIGTERM), or give this chain file another `node: name:`"
            }
            for interface in Set(interfaces).sorted() {
                try take(directory + "/if-\(netns)-\(interface).lock", owner: owner) { holder in
                    "interface \(interface) is already in use by another forwarder (\(holder)); one forwarder per interface"
                }
            }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// Unlocks and closes everything (also done by any exit).
    public func release() {
        for fd in fds { close(fd) }
        fds.removeAll()
    }

    private func take(_ path: String, owner: String, refused: (String) -> String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw NodeLockError(description: "cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.describeHolder(fd)
            close(fd)
            if code == EWOULDBLOCK { throw NodeLockError(description: refused(holder)) }
            throw NodeLockError(description: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        _ = ftruncate(fd, 0)
        _ = owner.withCString { pwrite(fd, $0, strlen($0), 0) }
        fds.append(fd)
    }

    /// "pid 1234, config /etc/sfc/edge.yaml, xdp, since 2026-12-02T10:00:00Z" from the lock file.
    static func describeHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return "holder unknown" }
        var fields: [String: String] = [:]
        for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        var parts = ["pid \(fields["pid"] ?? "?")"]
        if let node = fields["node"] { parts.append("node \(node)") }
        if let config = fields["config"] { parts.append("config \(config)") }
        if let dataplane = fields["dataplane"] { parts.append(dataplane) }
        if let started = fields["started"] { parts.append("since \(started)") }
        return parts.joined(separator: ", ")
    }

    /// The inode of this process's network namespace ("4026531840").
    static func networkNamespace() -> String {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? "net:[0]"
        return String(link.filter(\.isNumber))
    }
}
