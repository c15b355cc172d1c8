// Processes of the end-to-end test: commands that must finish within a time
// bound, and long-running ones (the forwarder, the functions, captures)
// that are waited on for a line of output and stopped with SIGTERM, then
// SIGKILL. Output always goes through files, never pipes.
import Foundation
import Testing

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum E2ECommand {
    /// Runs `argv` (argv[0] a path or a name in PATH) and waits at most
    /// `timeout` seconds; a command still running then is killed and gets
    /// status -1, with the reason appended to its stderr.
    static func run(_ argv: [String], timeout: Double = 30) -> ProcessResult {
        let process: E2EProcess
        do {
            process = try E2EProcess(name: argv.first ?? "", argv: argv)
        } catch {
            return ProcessResult(status: 127, stdout: "", stderr: "\(error)", pid: 0)
        }
        defer { process.removeFiles() }
        guard process.waitForExit(timeout: timeout) else {
            process.kill()
            return ProcessResult(status: -1, stdout: process.stdout,
                                 stderr: process.stderr + "\n(killed: still running after \(timeout) s)", pid: process.pid)
        }
        return ProcessResult(status: process.status, stdout: process.stdout, stderr: process.stderr, pid: process.pid)
    }
}

final class E2EProcess {
    let name: String
    let argv: [String]
    let process = Process()
    let directory: String
    private let out: FileHandle
    private let err: FileHandle

    /// Starts `argv` through /usr/bin/env (PATH lookup; env execs, so the pid is the program's).
    init(name: String, argv: [String]) throws {
        self.name = name
        self.argv = argv
        directory = Forwarder.temporaryDirectory("e2e-proc")
        _ = FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        guard let out = FileHandle(forWritingAtPath: directory + "/out"),
              let err = FileHandle(forWritingAtPath: directory + "/err") else {
            throw E2EError("cannot create the output files of \(name) in \(directory)")
        }
        self.out = out
        self.err = err
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        process.currentDirectoryURL = URL(fileURLWithPath: Forwarder.repositoryRoot)
        do {
            try process.run()
        } catch {
            throw E2EError("cannot start \(name) (\(argv.joined(separator: " "))): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var status: Int32 { process.terminationStatus }
    var stdout: String { (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "" }

    /// Waits until stdout (or stderr) contains `text`; throws with what the
    /// process said when it exits first or `timeout` seconds pass.
    func waitFor(_ text: String, inStderr: Bool = false, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (inStderr ? stderr : stdout).contains(text) { return }
            if !isRunning {
                if (inStderr ? stderr : stdout).contains(text) { return }
                throw E2EError("\(name) exited with status \(status) before saying \"\(text)\"\n"
                               + "command: \(argv.joined(separator: " "))\nstdout: \(stdout.suffix(2000))\nstderr: \(stderr.suffix(4000))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2EError("\(name) did not say \"\(text)\" within \(timeout) s\ncommand: \(argv.joined(separator: " "))\n"
                       + "stdout: \(stdout.suffix(2000))\nstderr: \(stderr.suffix(4000))")
    }

    /// True when the process exited within `timeout` seconds.
    func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if isRunning { return false }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return true
    }

    /// SIGTERM, then SIGKILL after `timeout` seconds. True when SIGTERM was enough.
    @discardableResult
    func stop(timeout: Double = 10) -> Bool {
        guard isRunning else { _ = waitForExit(timeout: 0); return true }
        process.terminate()
        if waitForExit(timeout: timeout) { return true }
        kill()
        return false
    }

    func kill() {
        if isRunning { Foundation.kill(pid, SIGKILL) }
        _ = waitForExit(timeout: 10)
    }

    func removeFiles() { try? FileManager.default.removeItem(atPath: directory) }
}
