// The daemon's clock on the DPDK dataplane, whose main thread forwards: a
// plain thread (not an lcore) ticking every 50 ms until the stop flag.
import Foundation
import SFCRuntime

package final class DaemonTicker: @unchecked Sendable {
    package static let interval: useconds_t = 50_000
    package let daemon: NodeDaemon
    private let done = DispatchSemaphore(value: 0)

    package init(_ daemon: NodeDaemon) { self.daemon = daemon }

    package func start() {
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

    package func join() { done.wait() }
}
