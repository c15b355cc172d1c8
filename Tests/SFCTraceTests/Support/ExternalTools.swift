// Running external programs from tests: tshark, scapy's Python, ip, ovs...
// A missing tool FAILS the test with a pointer to `make deps`, unless
// SFC_ALLOW_MISSING_TOOLS=1 is set, in which case the test passes quietly.
import Foundation
import Testing

/// What a finished process left behind.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var succeeded: Bool { status == 0 }
}

/// Runs `argv` (argv[0] is a path, or a name looked up in PATH) and waits for it.
/// Output goes through temporary files, so a chatty program cannot block on a full pipe.
/// A program that cannot be started gives status 127 and the reason in stderr.
func runProcess(_ argv: [String], environment: [String: String] = [:], currentDirectory: String? = nil) -> ProcessResult {
    guard let program = argv.first else { return ProcessResult(status: 127, stdout: "", stderr: "empty argv") }
    guard let path = program.contains("/") ? program : ExternalTools.which(program) else {
        return ProcessResult(status: 127, stdout: "", stderr: "\(program): not found in PATH")
    }
    let dir = ExternalTools.temporaryDirectory(prefix: "proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/stdout", errPath = dir + "/stderr"
    guard FileManager.default.createFile(atPath: outPath, contents: nil),
          FileManager.default.createFile(atPath: errPath, contents: nil),
          let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
        return ProcessResult(status: 127, stdout: "", stderr: "cannot create output files in \(dir)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = Array(argv.dropFirst())
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    do {
        try process.run()
    } catch {
        return ProcessResult(status: 127, stdout: "", stderr: "\(path): \(error)")
    }
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ProcessResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
}

/// An external program a test depends on, and how to tell that it works.
struct ExternalTool: Sendable {
    var name: String
    /// Command whose success means the tool is usable.
    var probe: [String]
    /// Debian package that provides it (for the failure message).
    var package: String

    /// tshark (Wireshark 4.x), the packet-dissection oracle.
    static let tshark = ExternalTool(name: "tshark", probe: ["tshark", "--version"], package: "tshark")
    /// Debian's Python with scapy; a pyenv `python3` earlier in PATH has no scapy, hence the absolute path.
    static let scapy = ExternalTool(name: "scapy", probe: [ExternalTools.systemPython, "-c", "import scapy.all, scapy.contrib.nsh"],
                                    package: "python3-scapy")

    var isAvailable: Bool { runProcess(probe).succeeded }
}

enum ExternalTools {
    static let systemPython = "/usr/bin/python3"

    /// True when SFC_ALLOW_MISSING_TOOLS=1: missing tools make tests pass without running.
    static var missingToolsAllowed: Bool { ProcessInfo.processInfo.environment["SFC_ALLOW_MISSING_TOOLS"] == "1" }

    /// Returns true when `tool` works. Otherwise records a test failure saying to
    /// run `make deps` (unless SFC_ALLOW_MISSING_TOOLS=1) and returns false, so the
    /// caller can `guard ExternalTools.require(.tshark) else { return }`.
    static func require(_ tool: ExternalTool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if tool.isAvailable { return true }
        if !missingToolsAllowed {
            let message = "\(tool.name) is missing (`\(tool.probe.joined(separator: " "))` failed): run `make deps` "
                + "(Debian package \(tool.package)), or set SFC_ALLOW_MISSING_TOOLS=1 to skip tests that need it"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        return false
    }

    /// The first executable called `name` in PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A fresh directory under the system temporary directory; the caller removes it.
    static func temporaryDirectory(prefix: String = "sfc-test") -> String {
        let dir: String = NSTemporaryDirectory() + "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The repository root, found from this file's location (Tests/SFCTraceTests/Support/).
    static func repositoryRoot(file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    /// A script under Tests/oracles/.
    static func oracleScript(_ name: String) -> String { repositoryRoot() + "/Tests/oracles/" + name }
}
