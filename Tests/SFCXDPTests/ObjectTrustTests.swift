// Root loads the XDP object into the kernel: it comes only from beside the
// binary (or the build tree's .build/bpf) or an explicit --bpf-object, never
// from the working directory or /tmp, and only when no other user could
// have written it or swapped it.
import Foundation
import SFCXDP
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ObjectTrustTests {
    /// A scratch directory with an object-shaped file in it (its content does not matter here).
    func scratch(_ name: String, mode: mode_t = 0o755) throws -> String {
        let dir = "/tmp/sfc-object-trust-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/.build/bpf", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/.build/bpf/sfc_xdp.o", contents: Data([0x7F, 0x45, 0x4C, 0x46]))
        chmod(dir + "/.build/bpf/sfc_xdp.o", 0o644)
        chmod(dir + "/.build/bpf", mode)
        return dir
    }

    @Test func theWorkingDirectoryAndTmpAreNeverSearched() throws {
        // The working directory (the repository, which has .build/bpf/sfc_xdp.o)
        // is not a place looked in; nor is /tmp, where an object is planted.
        // (The test does not chdir: other tests run in this process at the same time.)
        let planted = try scratch("cwd")
        defer { try? FileManager.default.removeItem(atPath: planted) }
        let cwd = FileManager.default.currentDirectoryPath
        do {
            let found = try ObjectLocator.locate(executable: "/nonexistent/sfc/bin/sfc-forwarder")
            Issue.record("found \(found) for a binary with no object beside it")
        } catch let error as XDPError {
            #expect(error.kind == .objectNotFound)
            #expect(error.message.contains("/nonexistent/sfc/bin/sfc_xdp.o") && error.message.contains("/nonexistent/bpf/sfc_xdp.o")
                    && error.message.contains("/nonexistent/sfc/lib/sfc/sfc_xdp.o"), "\(error)")
            #expect(!error.message.contains(planted) && !error.message.contains("/tmp/") && !error.message.contains(cwd + "/"), "\(error)")
            #expect(error.message.contains("make bpf") && error.message.contains("--bpf-object"), "\(error)")
        }
        #expect(ObjectLocator.candidates(executable: "/opt/sfc/bin/sfc-forwarder").allSatisfy { $0.hasPrefix("/opt/") })
    }

    @Test func theBuildTreeObjectIsFoundBesideTheTestBinary() throws {
        let found = try ObjectLocator.locate()
        #expect(found == XDPTest.repositoryRoot + "/.build/bpf/sfc_xdp.o", "\(found)")
    }

    @Test func anObjectInADirectoryOthersCanWriteIsRefused() throws {
        let dir = try scratch("writable", mode: 0o777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let object = dir + "/.build/bpf/sfc_xdp.o"
        do {
            try ObjectLocator.checkTrusted(object)
            Issue.record("trusted an object in a world-writable directory")
        } catch let error as XDPError {
            #expect(error.message.contains("writable by group or others") && error.message.contains(dir + "/.build/bpf"), "\(error)")
        }
        // The same through locate, found beside a binary there.
        #expect(throws: XDPError.self) { try ObjectLocator.locate(executable: dir + "/.build/x86_64-unknown-linux-gnu/debug/sfc-forwarder") }
        // And an explicit --bpf-object.
        #expect(throws: XDPError.self) { try ObjectLocator.locate(explicit: object) }
        chmod(dir + "/.build/bpf", 0o755)
        #expect(try ObjectLocator.locate(explicit: object) == object)
        #expect(try ObjectLocator.locate(executable: dir + "/.build/x86_64-unknown-linux-gnu/debug/sfc-forwarder") == object)
    }

    @Test func anObjectOthersCanWriteOrThatAnotherUserOwnsIsRefused() throws {
        guard geteuid() == 0 else { return }  // chown needs root
        let dir = try scratch("owner")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let object = dir + "/.build/bpf/sfc_xdp.o"
        chmod(object, 0o666)
        #expect(throws: XDPError.self) { try ObjectLocator.checkTrusted(object) }
        chmod(object, 0o644)
        try ObjectLocator.checkTrusted(object)
        chown(object, 65534, 65534)
        do {
            try ObjectLocator.checkTrusted(object)
            Issue.record("trusted an object owned by uid 65534")
        } catch let error as XDPError {
            #expect(error.message.contains("owned by uid 65534"), "\(error)")
        }
        // A symbolic link is judged by what it points to.
        chown(object, 0, 0)
        symlink(object, dir + "/link.o")
        try ObjectLocator.checkTrusted(dir + "/link.o")
        chown(object, 65534, 65534)
        #expect(throws: XDPError.self) { try ObjectLocator.checkTrusted(dir + "/link.o") }
    }
}
