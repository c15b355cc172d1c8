// The sfc-forwarder binary as a subprocess: DPDK's EAL starts once per
// process, so every DPDK test runs the real binary, never EAL in here.
import Foundation
import Testing

struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var pid: Int32
}

enum Forwarder {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/Support/Forwarder.swift
        return url.path
    }()

    /// sfc-forwarder in the .build/<config>/ directory this test bundle runs from.
    static var binary: String? {
        var dirs: [URL] = []
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        dirs.append(URL(fileURLWithPath: Bundle.main.bundlePath).deletingLastPathComponent())
        dirs.append(URL(fileURLWithPath: Bundle.main.bundlePath))
        for dir in dirs {
            var d = dir
            // An .xctest bundle directory (macOS layout) sits inside the build directory too.
            for _ in 0..<3 {
                let candidate = d.appendingPathComponent("sfc-forwarder").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                d.deleteLastPathComponent()
            }
        }
        return nil
    }

    /// True when DPDK tests can run here (root, binary built). Otherwise records
    /// why, unless SFC_ALLOW_MISSING_TOOLS=1, and returns false.
    static func ready(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let allowed = ProcessInfo.processInfo.environment["SFC_ALLOW_MISSING_TOOLS"] == "1"
        if getuid() != 0 {
            if !allowed {
                let message = "DPDK tests need root (EAL maps memory and creates devices): run them as root, "
                    + "or set SFC_ALLOW_MISSING_TOOLS=1 to skip them"
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            }
            return false
        }
        if binary == nil {
            let message = "sfc-forwarder is not next to the test bundle (\(CommandLine.arguments[0])): build it with "
                + "`swift build` in the same scratch path"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// Runs sfc-forwarder with `arguments` and waits. `signalAfter`: send
    /// SIGTERM that many seconds after it says it is forwarding (not after
    /// it started: EAL start-up on a loaded machine can take seconds of its own).
    static func run(_ arguments: [String], signalAfter: Double? = nil) throws -> ProcessResult {
        let dir = temporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try #require(FileHandle(forWritingAtPath: dir + "/out"))
        let err = try #require(FileHandle(forWritingAtPath: dir + "/err"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary))
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        try process.run()
        if let signalAfter {
            let ready = Date().addingTimeInterval(60)
            while process.isRunning && Date() < ready
                    && !((try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "").contains("forwarding on") {
                Thread.sleep(forTimeInterval: 0.05)
            }
            Thread.sleep(forTimeInterval: signalAfter)
            process.terminate()  // SIGTERM
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            if process.isRunning {
                Issue.record("sfc-forwarder ignored SIGTERM for 30 s; killed")
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                try? FileManager.default.removeItem(atPath: "/var/run/dpdk/sfc-\(process.processIdentifier)")
            }
        }
        process.waitUntilExit()
        try? out.close(); try? err.close()
        let result = ProcessResult(status: process.terminationStatus,
                                   stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                                   stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "",
                                   pid: process.processIdentifier)
        // EAL's runtime directory is per process; the forwarder removes its own.
        let leftover = "/var/run/dpdk/sfc-\(result.pid)"
        #expect(!FileManager.default.fileExists(atPath: leftover), "sfc-forwarder left \(leftover) behind")
        return result
    }

    static func temporaryDirectory(_ prefix: String) -> String {
        let dir = NSTemporaryDirectory() + "sfc-dpdk-\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text.prefix(400))")
    }
}
