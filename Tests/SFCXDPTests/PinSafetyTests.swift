// The pin directory is where root's forwarder keeps program and maps: a node
// name cannot lead out of /sys/fs/bpf/sfc, a directory another user could
// have planted or can write is refused, and bpffs is mounted 0700.
import Foundation
import SFCXDP
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct PinSafetyTests {
    @Test func aNodeNameIsOneComponentBelowSFC() {
        for name in [".", "..", "../etc", "a/b", "..hidden", "", "edge-1"] {
            let path = PinDirectory.forNode(name).path
            #expect(path.hasPrefix(PinDirectory.root + "/sfc/"), "\(name) -> \(path)")
            let last = String(path.dropFirst(PinDirectory.root.count + 5))
            #expect(!last.isEmpty && !last.contains("/") && !last.hasPrefix("."), "\(name) -> \(path)")
        }
        #expect(PinDirectory.forNode("edge-1").path == "/sys/fs/bpf/sfc/edge-1")
    }

    @Test func aPinDirectoryOthersCanWriteOrThatAnotherUserOwnsIsRefused() throws {
        guard XDPTest.requireRoot() else { return }
        let parent = PinDirectory.root + "/sfc-pin-safety-\(getpid())"
        let pins = PinDirectory(path: parent + "/node")
        defer { rmdir(parent + "/node"); rmdir(parent) }
        #expect(mkdir(parent, 0o700) == 0, "mkdir \(parent): \(errno)")
        chmod(parent, 0o777)
        do {
            _ = try pins.prepare()
            Issue.record("prepared pins below a world-writable directory")
        } catch let error as XDPError {
            #expect(error.kind == .pin && error.message.contains("writable by group or others"), "\(error)")
        }
        chmod(parent, 0o700)
        chown(parent, 65534, 65534)
        do {
            _ = try pins.prepare()
            Issue.record("prepared pins below a directory uid 65534 owns")
        } catch let error as XDPError {
            #expect(error.message.contains("owned by uid 65534"), "\(error)")
        }
        chown(parent, 0, 0)
        let ready = try pins.prepare()
        var st = stat()
        #expect(lstat(ready.effectivePath, &st) == 0 && st.st_mode & 0o777 == 0o700 && st.st_uid == 0,
                "mode \(String(st.st_mode & 0o777, radix: 8)) uid \(st.st_uid)")
    }

    /// The kernel always adds the sticky bit to a bpffs root: 1700.
    @Test func mountBPFFSMountsItMode0700() throws {
        guard XDPTest.requireRoot() else { return }
        // In a mount namespace of its own, without the machine's bpffs.
        let script = XDPTest.repositoryRoot + "/scripts/mount-bpffs.sh"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--mount", "--propagation", "private", "sh", "-c",
                       "while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf || exit 9; done; \(script) >/dev/null && stat -f -c %T /sys/fs/bpf && stat -c %a /sys/fs/bpf"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0 && text.split(separator: "\n") == ["bpf_fs", "1700"], "\(p.terminationStatus): \(text)")
    }
}
