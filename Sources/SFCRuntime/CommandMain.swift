// What the daemon-style executables (sfc-forwarder, sfc-bench) share around
// a command: the logger on stderr, and printing a CommandResult on exit.
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum CommandMain {
    /// Bootstraps swift-log to stderr (once per process) and returns `label`'s logger.
    public static func makeLogger(label: String, verbose: Bool) -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .info : .notice
        return logger
    }

    /// Prints a command's result (stdout as is, stderr ending in a newline) and exits with its status.
    public static func finish(_ result: CommandResult) -> Never {
        if !result.stdout.isEmpty { print(result.stdout, terminator: "") }
        fflush(nil)  // all streams; print() went through stdout
        if !result.stderr.isEmpty {
            OutputWriter.writeAll(result.stderr.hasSuffix("\n") ? result.stderr : result.stderr + "\n", to: 2)
        }
        exit(result.exitCode)
    }
}
