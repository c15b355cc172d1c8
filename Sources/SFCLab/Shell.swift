// Running the system tools the lab is made of (ip, nft, sysctl, ethtool,
// nsenter, ping, curl, python3): one-shot commands with a time bound, and
// long-running processes whose output goes to files, never pipes.
import Foundation

public struct LabError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var ok: Bool { status == 0 }
}

/// A process started through /usr/bin/env (PATH lookup), output in `directory`/NAME.out|err.
public final class LabProcess: @unchecked Sendable {
    public let name: String
    public let argv: [String]
    let process = Process()
    let outPath: String
    let errPath: String

    public init(name: String, argv: [String], directory: String, workingDirectory: String? = nil) throws {
        self.name = name
        self.argv = argv
        let base = directory + "/" + name.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "/", with: "-")
        outPath = base + ".out"
        errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw LabError("cannot create the output files of \(name) in \(directory)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        do { try process.run() } catch {
            throw LabError("cannot start \(name) (\(argv.joined(separator: " "))): \(error)")
        }
        try? out.close()
        try? err.close()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var status: Int32 { process.terminationStatus }
    public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits until stdout (or stderr) contains `text`.
    public func waitFor(_ text: String, inStderr: Bool = false, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if (inStderr ? stderr : stdout).contains(text) { return }
            if !isRunning {
                throw LabError("\(name) exited (status \(status)) before saying '\(text)':\n\(stderr.suffix(3000))\(stdout.suffix(1000))")
            }
            if Date() > deadline { throw LabError("\(name) did not say '\(text)' within \(Int(timeout)) s:\n\(stderr.suffix(3000))") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @discardableResult
    public func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return !isRunning
    }

    /// SIGTERM, then SIGKILL after `timeout` seconds. True if it stopped on SIGTERM.
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        guard isRunning else { return true }
        kill(pid, SIGTERM)
        if waitForExit(timeout: timeout) { return true }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return false
    }
}

public enum Shell {
    /// Where one-shot commands keep their output while they run.
    nonisolated(unsafe) static var scratch = NSTemporaryDirectory()

    /// Runs `argv` and waits at most `timeout` seconds (then kills it: status -1).
    @discardableResult
    public static func run(_ argv: [String], timeout: Double = 30) -> CommandOutput {
        let dir = scratch + "/cmd-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p: LabProcess
        do { p = try LabProcess(name: "cmd", argv: argv, directory: dir) } catch {
            return CommandOutput(status: 127, stdout: "", stderr: "\(error)")
        }
        guard p.waitForExit(timeout: timeout) else {
            p.stop(timeout: 1)
            return CommandOutput(status: -1, stdout: p.stdout, stderr: p.stderr + "\n(killed after \(timeout) s)")
        }
        return CommandOutput(status: p.status, stdout: p.stdout, stderr: p.stderr)
    }

    /// Set when a teardown starts: building steps (`check`) stop, cleanup (`run`) goes on.
    nonisolated(unsafe) public static var stopping = false

    /// Runs `argv`; a failure is an error naming the command and what it said.
    @discardableResult
    public static func check(_ argv: [String], timeout: Double = 30) throws -> String {
        if stopping { throw LabError("interrupted") }
        let r = run(argv, timeout: timeout)
        guard r.ok else {
            throw LabError("`\(argv.joined(separator: " "))` failed (status \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return r.stdout
    }

    /// `argv` run inside namespace `ns` (ip netns exec: fine for everything but the forwarder's pins).
    public static func inNamespace(_ ns: String, _ argv: [String]) -> [String] { ["ip", "netns", "exec", ns] + argv }

    /// Feeds `text` to `nft -f` in namespace `ns`.
    public static func nft(_ ns: String, _ text: String) throws {
        let file = scratch + "/nft-\(UUID().uuidString.prefix(8)).nft"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try check(inNamespace(ns, ["nft", "-f", file]))
    }

    public static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
}
