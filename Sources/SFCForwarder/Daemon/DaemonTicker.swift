// The daemon's clock on the DPDK dataplane, whose main thread forwards: a
// plain thread (not an lcore) ticking every 50 ms until the stop flag.
import Foundation
import SFCRuntime

final class DaemonTicker: @unchecked Sendable {
    static let interval: useconds_t = 50_000
    let daemon: NodeDaemon
    private let done = DispatchSemaphore(value: 0)

    init(_ daemon: NodeDaemon) { self.daemon = daemon }

    func start() {
        let thread = Thread { [self] in
            while !StopSignal.requested {
                usleep(Self.interval)
                daemon.tick()
            }
            done.signal()
        }
        thread.name = "sfc-daemon"
        thread.start()
    }

    func join() { done.wait() }
}
