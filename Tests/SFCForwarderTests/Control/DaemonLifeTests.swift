// Daemon life: readiness and stopping reported to systemd over
// $NOTIFY_SOCKET (a path or an abstract name), and the unit file in
// contrib/systemd verified by systemd itself.
import Foundation
import SFCRuntime
@testable import SFCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct DaemonLifeTests {
    /// A datagram socket bound at `path` ("@name": abstract); returns its fd.
    func listen(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(ok == 0, "bind \(path): errno \(errno)")
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    @Test func readinessAndStoppingReachNotifySocketAtAPathAndAnAbstractName() throws {
        let path = NSTemporaryDirectory() + "sfc-notify-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        for name in [path, "@sfc-notify-\(getpid())"] {
            let fd = try listen(name)
            defer { Glibc.close(fd) }
            setenv("NOTIFY_SOCKET", name, 1)
            defer { unsetenv("NOTIFY_SOCKET") }
            SystemdNotify.ready(status: "forwarding")
            let ready = receive(fd)
            #expect(ready.contains("READY=1") && ready.contains("STATUS=forwarding") && ready.contains("MAINPID=\(getpid())"), "\(ready)")
            SystemdNotify.stopping()
            #expect(receive(fd) == "STOPPING=1")
        }
        #expect(!SystemdNotify.send("READY=1"), "nothing is sent without NOTIFY_SOCKET")
    }

    @Test func theUnitFileVerifiesWithSystemd() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), let forwarder = Forwarder.binary else { return }
        let unit = try String(contentsOfFile: Forwarder.repositoryRoot + "/contrib/systemd/sfc-forwarder@.service", encoding: .utf8)
        let bin = (forwarder as NSString).deletingLastPathComponent
        let dir = Forwarder.temporaryDirectory("unit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The built binaries stand in for the installed ones.
        let local = unit.replacingOccurrences(of: "/usr/bin/sfc-forwarder", with: bin + "/sfc-forwarder")
            .replacingOccurrences(of: "/usr/bin/chain-trace", with: bin + "/chain-trace")
        try local.write(toFile: dir + "/sfc-forwarder@edge.service", atomically: true, encoding: .utf8)
        let r = E2ECommand.run(["/usr/bin/systemd-analyze", "verify", dir + "/sfc-forwarder@edge.service"], timeout: 60)
        let problems = (r.stdout + r.stderr).split(separator: "\n").filter { $0.contains("sfc-forwarder@edge") }
        #expect(r.status == 0 && problems.isEmpty, "\(r.stdout)\(r.stderr)")
        #expect(unit.contains("Type=notify") && unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
    }
}
