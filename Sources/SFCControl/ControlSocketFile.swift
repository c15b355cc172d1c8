// The control socket's file, bound mode 0600 from the start without
// touching the umask: the umask belongs to the whole process, and while it
// was narrowed for the bind every other thread's new files and directories
// got it too (a directory created then had no search bit for its owner).
// Linux creates a Unix socket's file with the mode of the socket's inode
// less the umask (net/unix/af_unix.c, unix_bind), so fchmod before bind
// sets it: the file never exists with more than owner read and write.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum ControlSocketFile {
    /// A stream socket bound to `path`, its file mode 0600 (less the umask),
    /// not yet listening; a stale socket file at `path` is replaced. The
    /// caller owns the descriptor.
    static func bindOwnerOnly(_ path: String) throws -> CInt {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            throw ControlError(500, "cannot listen on \(path): a Unix socket path holds 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ControlError(500, "cannot listen on \(path): socket: \(String(cString: strerror(errno)))") }
        func fail(_ what: String) -> ControlError {
            let why = String(cString: strerror(errno))
            close(fd)
            return ControlError(500, "cannot listen on \(path): \(what): \(why)")
        }
        guard fchmod(fd, 0o600) == 0 else { throw fail("fchmod") }
        // A socket file left by a forwarder of this node that died (the node
        // lock proves none runs): replaced. Anything else at the path stays.
        var st = stat()
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw fail("bind") }
        return fd
    }
}
