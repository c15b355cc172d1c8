// Link state of the DPDK ports that sit on a kernel interface
// (net_af_packet, net_af_xdp: `iface=`): such a device takes every burst
// even when its interface is down or has no carrier, and the kernel then
// drops it. A thread beside the lcores reads the links every 50 ms (the
// lcores never wait for it) and marks a port down, so its bursts are
// dropped `egress-down` and not counted as sent; changes are logged.
import Foundation
import Logging
import SFCDaemon
import SFCCore
import SFCDPDK
import SFCRuntime
import SFCXDP

final class DPDKLinkWatch: @unchecked Sendable {
    /// Logical port -> its kernel interface (ports on other devices are not watched).
    let interfaces: [Int: String]
    let names: [String]
    let logger: Logger
    private let lock = NSLock()
    private var up: [Int: Bool] = [:]
    private var changes = 0
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(config: CompiledConfig, devices: [DPDKPortConfig?], logger: Logger) {
        var interfaces: [Int: String] = [:]
        for (p, device) in devices.enumerated() {
            if let name = device?.kernelInterface { interfaces[p] = name }
        }
        self.interfaces = interfaces
        names = config.ports.map(\.name)
        self.logger = logger
    }

    /// Reads the links once, marks the down ones and warns about them; then
    /// (when there is anything to watch) keeps watching until the stop flag is set.
    func start(_ dataplane: DPDKDataplane) {
        guard !interfaces.isEmpty else { return }
        let states = LinkState.current()
        for (p, interface) in interfaces.sorted(by: { $0.key < $1.key }) {
            let isUp = states[interface] ?? false
            up[p] = isUp
            dataplane.setLinkDown(logical: p, !isUp)
            if !isUp {
                logger.warning("port \(names[p]): interface \(interface) is down (not up, or no carrier): what the chains send there is dropped as egress-down until its link comes up")
            }
        }
        var ids: [Int: [UInt16]] = [:]
        for port in dataplane.ports { ids[port.logical, default: []].append(port.id) }
        let portIDs = ids
        let setDown: @Sendable (Int, Bool) -> Void = { p, down in DPDKDataplane.setLinkDown(portIDs: portIDs[p] ?? [], down) }
        let t = Thread { [self] in
            while !StopSignal.requested {
                usleep(50_000)
                poll(setDown)
            }
            done.signal()
        }
        t.name = "sfc-link-watch"
        thread = t
        t.start()
    }

    private func poll(_ setDown: (Int, Bool) -> Void) {
        let states = LinkState.current()
        for (p, interface) in interfaces {
            let isUp = states[interface] ?? false
            lock.lock()
            let was = up[p]
            if was != isUp { up[p] = isUp; changes += 1 }
            lock.unlock()
            guard was != isUp else { continue }
            setDown(p, !isUp)
            let change = LinkChange(port: names[p], interface: interface, up: isUp)
            if isUp { logger.notice("\(change): forwarding to it again") } else {
                logger.warning("\(change): what the chains send there is dropped as egress-down")
            }
        }
    }

    /// Waits for the watch to end (after the stop flag is set).
    func join() { if thread != nil { done.wait() } }

    /// Port name -> "up" / "down", and the number of changes seen.
    var report: (links: [String: String], changes: Int) {
        lock.lock(); defer { lock.unlock() }
        return (Dictionary(uniqueKeysWithValues: up.map { (names[$0.key], $0.value ? "up" : "down") }), changes)
    }
}
