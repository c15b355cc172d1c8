// SIGHUP as a flag: `sfc-forwarder run` re-reads its chain file when it
// takes the flag (systemd's ExecReload sends SIGHUP).
import CSFCRuntime
#if canImport(Glibc)
import Glibc
#endif

public enum ReloadSignal {
    public static func install() {
        signal(SIGHUP) { _ in sfc_request_reload() }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// True once per SIGHUP received (several before a take count as one).
    public static func take() -> Bool { sfc_take_reload() != 0 }
}
