// DPDK's Environment Abstraction Layer: started once per process (DPDK
// cannot start it twice, even after rte_eal_cleanup), stopped at exit.
import CDPDK
import Foundation
import Logging

public enum EAL {
    nonisolated(unsafe) private static var started = false
    nonisolated(unsafe) private static var runtimeDirectory: String?

    /// Starts EAL with `arguments` (argv[0] first). DPDK's own log lines go to stderr.
    public static func start(_ arguments: EALArguments, logger: Logger) throws {
        guard !started else {
            throw DPDKError(.alreadyStarted, "DPDK's EAL is already running in this process; it can start only once per process")
        }
        for notice in arguments.notices { logger.notice("\(notice)") }
        logger.info("starting EAL: \(arguments.arguments.dropFirst().joined(separator: " "))")
        sfc_dpdk_log_to_stderr()
        // rte_eal_init may keep pointers into argv: the strings stay allocated for the process.
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.arguments.count + 1)
        for (i, arg) in arguments.arguments.enumerated() { argv[i] = strdup(arg) }
        argv[arguments.arguments.count] = nil
        if let i = arguments.arguments.firstIndex(of: "--file-prefix"), i + 1 < arguments.arguments.count {
            runtimeDirectory = runtimeRoot() + "/" + arguments.arguments[i + 1]
        }
        let parsed = sfc_dpdk_eal_init(Int32(arguments.arguments.count), argv)
        guard parsed >= 0 else {
            let code = sfc_dpdk_errno()
            removeRuntimeDirectory()
            throw DPDKError(.ealFailed, "DPDK's EAL did not start (\(String(cString: sfc_dpdk_strerror(code)))) with "
                            + "`\(arguments.arguments.dropFirst().joined(separator: " "))`. " + hint(code: code, arguments: arguments.arguments))
        }
        started = true
    }

    /// Releases EAL's memory. The process should exit soon after: EAL cannot start again.
    public static func stop() {
        guard started else { return }
        _ = sfc_dpdk_eal_cleanup()
        removeRuntimeDirectory()
    }

    /// EAL creates <runtime>/dpdk/<prefix> even without shared config; the
    /// prefix is this process's own, so the directory goes with it.
    static func removeRuntimeDirectory() {
        if let dir = runtimeDirectory { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Where EAL puts runtime directories: /var/run for root, else $XDG_RUNTIME_DIR or /tmp.
    static func runtimeRoot() -> String {
        if getuid() == 0 { return "/var/run/dpdk" }
        return (ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] ?? "/tmp") + "/dpdk"
    }

    static func hint(code: Int32, arguments: [String]) -> String {
        var hints: [String] = []
        if getuid() != 0 { hints.append("DPDK needs root (or CAP_SYS_ADMIN and CAP_IPC_LOCK): run as root") }
        if !arguments.contains("--no-huge") {
            hints.append("without free hugepages use `hugepages: off` (or auto) to run with --no-huge")
        }
        if arguments.contains(where: { $0.hasPrefix("net_") }) {
            hints.append("a --vdev that no driver accepts also stops EAL: check each device string (driver name, "
                         + "its arguments, files it reads); DPDK's log lines above name it")
        }
        hints.append("DPDK's log lines above say which step failed")
        return hints.joined(separator: "; ")
    }
}
