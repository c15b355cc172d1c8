// SIGINT / SIGTERM as a flag: what every long-running command (DPDK lcore
// loops, the XDP daemon, the benchmarks) polls to know it should stop.
import CSFCRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT / SIGTERM set the flag the forwarding loops poll.
public enum StopSignal {
    /// Call before EAL starts: lcore threads inherit the signal mask.
    public static func install() {
        sfc_clear_stop()
        signal(SIGINT) { _ in sfc_request_stop() }
        signal(SIGTERM) { _ in sfc_request_stop() }
        // A parent may start us with these blocked (Foundation's Process
        // does); blocked, they would never reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public static func request() { sfc_request_stop() }

    /// Inlinable: the lcore loops read it once per poll.
    @inlinable
    public static var requested: Bool { sfc_stop_requested() != 0 }
}
