// What a chain-trace subcommand produced: text for stdout, text for stderr,
// and the exit status. The CLI only prints these; tests call the library.

public struct CommandResult: Sendable {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32
    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout; self.stderr = stderr; self.exitCode = exitCode
    }
}
