// The listeners' connection bounds (ConnectionLimits), the reload's check
// that a peer could read the file it names (PeerFileAccess), and DPDK's
// refusal of a chain file another user owns or its group may write.
import Foundation
import Logging
import SFCConfig
import SFCControl
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConnectionLimitTests {
    static func connect(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Blocks until the server closes `fd` (read returns 0) or 10 s pass (-1).
    static func closedByServer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }

    static func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 { if condition() { return true }; usleep(20_000) }
        return condition()
    }

    @Test func overTheMaximumIsClosedAtOnceAndAnIdleConnectionAfterItsTimeBothCounted() throws {
        let dir = NSTemporaryDirectory() + "sfc-limits-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.sock"
        let router = ControlRouter([ControlRoute("GET", "/v1/status") { _, _ in .json(["ok": true]) }])
        let server = try ControlServer(address: .unix(path: path, group: nil), router: router,
                                       limits: ConnectionLimits(maxConnections: 2, idleSeconds: 0.5), logger: Logger(label: "t"))
        defer { server.close() }
        let a = Self.connect(path), b = Self.connect(path)
        defer { close(a); close(b) }
        #expect(Self.waitFor { server.ledger.snapshot.open == 2 })
        let c = Self.connect(path)
        defer { close(c) }
        #expect(Self.closedByServer(c), "the third connection must be closed by the server")
        #expect(server.ledger.snapshot.refusedFull == 1)
        // a and b asked nothing: both closed as idle, and their places freed.
        #expect(Self.closedByServer(a) && Self.closedByServer(b))
        #expect(Self.waitFor { server.ledger.snapshot.closedIdle == 2 && server.ledger.snapshot.open == 0 })
        let d = Self.connect(path)
        defer { close(d) }
        let request = Array("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(d, $0.baseAddress, $0.count) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(d, &buffer, buffer.count)
        #expect(n > 0 && String(decoding: buffer[0..<max(n, 0)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }

    @Test func aPeerMayNameForReloadOnlyAFileItCouldReadItself() throws {
        guard getuid() == 0 else { return }
        let dir = NSTemporaryDirectory() + "sfc-peerread-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/closed", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        chmod(dir + "/closed", 0o700)
        for (name, mode) in [("secret.yaml", 0o600), ("open.yaml", 0o644)] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("a: 1\n".utf8))
            chmod(dir + "/" + name, mode_t(mode))
        }
        FileManager.default.createFile(atPath: dir + "/closed/inner.yaml", contents: Data("a: 1\n".utf8))
        chmod(dir + "/closed/inner.yaml", 0o644)
        let nobody = PeerCredentials(pid: 1, uid: 65534, gid: 65534)
        #expect(nobody.readRefusal(path: dir + "/secret.yaml")?.contains("may not read") == true)
        #expect(nobody.readRefusal(path: dir + "/open.yaml") == nil)
        #expect(nobody.readRefusal(path: dir + "/closed/inner.yaml")?.contains("may not search") == true)
        // A symbolic link is judged by its target.
        symlink(dir + "/secret.yaml", dir + "/link.yaml")
        #expect(nobody.readRefusal(path: dir + "/link.yaml") != nil)
        // Root and the forwarder's own user may name any file.
        #expect(PeerCredentials(pid: 1, uid: 0, gid: 0).readRefusal(path: dir + "/secret.yaml") == nil)
        #expect(nobody.readRefusal(path: dir + "/secret.yaml", ownerUID: 65534) == nil)
    }

    @Test func onDPDKAChainFileItsGroupMayWriteOrAnotherUserOwnsIsRefused() throws {
        let path = NSTemporaryDirectory() + "sfc-dpdk-owner-\(getpid()).yaml"
        FileManager.default.createFile(atPath: path, contents: Data("a: 1\n".utf8))
        defer { unlink(path) }
        chmod(path, 0o644)
        #expect(ChainFile.rootEquivalentRefusals(path: path).isEmpty)
        chmod(path, 0o664)
        let refused = ChainFile.rootEquivalentRefusals(path: path)
        #expect(refused.count == 1 && refused[0].severity == .error && refused[0].message.contains("on DPDK"), "\(refused)")
        chmod(path, 0o644)
        if getuid() == 0 {
            chown(path, 65534, 65534)
            #expect(ChainFile.rootEquivalentRefusals(path: path).contains { $0.severity == .error && $0.message.contains("uid 65534") })
        }
    }
}
