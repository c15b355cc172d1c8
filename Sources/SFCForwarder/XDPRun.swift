// run --dataplane xdp: load the program (adopting what an earlier run left
// pinned under /sys/fs/bpf/sfc/<node>), fill its tables as a new
// generation, attach to every port's interface, forward until SIGINT or
// SIGTERM, then detach and unpin (or, with --leave-running, leave the
// program attached and pinned so forwarding goes on without the daemon).
import Foundation
import Logging
import SFCDaemon
import SFCCore
import SFCRuntime
import SFCTrace
import SFCXDP

enum XDPRun {
    /// How often the counters are logged while forwarding (--verbose).
    static let logInterval = 10.0

    static func run(_ options: RunOptions, config: CompiledConfig, logger: Logger) throws -> CommandResult {
        guard config.ports.contains(where: { $0.interface != nil }) else {
            throw XDPError(.interfaceMissing, "no port of \(options.config) has an `interface:`: the XDP dataplane attaches "
                           + "to kernel interfaces (set `interface:` on each port, or use --dataplane dpdk)")
        }
        StopSignal.install()
        let pins = PinDirectory.forNode(config.node.name)
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .live, objectPath: options.bpfObject, pins: pins), logger: logger)
        if dataplane.adopted {
            let program = dataplane.adoptedProgramID.map { "program id \($0) (same build) and " } ?? "the maps (a new program build) and "
            logger.notice("adopted \(program)counters pinned in \(pins.path) by an earlier run; tables swapped in as generation \((try? dataplane.activeGeneration) ?? 0)")
        } else {
            logger.info("loaded \(dataplane.object.path); program and maps pinned in \(pins.path)")
        }
        let attachments: [XDPAttachment]
        do { attachments = try dataplane.attach() } catch {
            if !dataplane.adopted { dataplane.detach(removePins: true) }
            throw error
        }
        for a in attachments {
            logger.info("port \(a.port): XDP attached to \(a.interface) (ifindex \(a.ifindex)) in \(a.mode.rawValue) mode")
        }
        let modes = Dictionary(grouping: attachments, by: \.mode.rawValue).map { "\($0.value.count) \($0.key)" }.sorted()
        for (p, port) in config.ports.enumerated() where !dataplane.linkUp[p] {
            logger.warning("port \(port.name): interface \(port.interface ?? "?") is down (not up, or no carrier): what the chains send there is dropped as egress-down until its link comes up")
        }
        let driver = XDPDriver(dataplane)
        let host: DaemonHost
        do { host = try DaemonHost(options: options, config: config, driver: driver, logger: logger) } catch {
            if !dataplane.adopted { dataplane.detach(removePins: true) }
            throw error
        }
        defer { host.close() }
        logger.notice("forwarding on \(attachments.count) port(s) with XDP (\(modes.joined(separator: ", "))), program id \(dataplane.object.programID); control \(host.daemon.controlPath ?? "-"); SIGINT or SIGTERM stops, SIGHUP reloads")
        SystemdNotify.ready(status: "forwarding on \(attachments.count) port(s), generation \(dataplane.tables.generation)")

        var lastLog = Date()
        while !StopSignal.requested {
            usleep(50_000)
            // SIGHUP, steering expiry, and link state: a port whose link went
            // down stops being a redirect target (no frame counted as sent that the kernel drops).
            host.daemon.tick()
            if Date().timeIntervalSince(lastLog) >= logInterval {
                lastLog = Date()
                if let c = try? host.daemon.withDriver({ try $0.counters() }) {
                    logger.info("rx \(c.rxPackets.reduce(0, +)), tx \(c.txPackets.reduce(0, +)), drops \(c.totalDrops)")
                }
            }
        }
        SystemdNotify.stopping()
        let linkChanges = driver.linkChanges
        logger.notice("stopping")
        let counters = try host.daemon.withDriver { try $0.counters() }
        if options.leaveRunning {
            logger.notice("leaving the XDP program attached and pinned in \(pins.path); the next run adopts it, a run stopped without --leave-running detaches it")
        } else {
            dataplane.detach(removePins: true)
            logger.info("detached from \(attachments.count) interface(s) and removed \(pins.path)")
        }
        let report = CountersReport(tables: dataplane.tables, counters: counters)
        let config = dataplane.tables.config
        if options.json {
            var object = report.dictionary
            let links = Dictionary(uniqueKeysWithValues: config.ports.enumerated().filter { $0.element.interface != nil }
                .map { ($0.element.name, dataplane.linkUp[$0.offset] ? "up" : "down") })
            object["xdp"] = ["attachments": Dictionary(uniqueKeysWithValues: attachments.map { ($0.port, "\($0.interface) \($0.mode.rawValue)") }),
                             "adopted": dataplane.adopted, "left_running": options.leaveRunning,
                             "links": links, "link_changes": linkChanges]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
        }
        var text = report.text
        text += "xdp: " + attachments.map { "\($0.port) on \($0.interface) (\($0.mode.rawValue))" }.joined(separator: ", ") + "\n"
        let down = config.ports.enumerated().filter { $0.element.interface != nil && !dataplane.linkUp[$0.offset] }.map(\.element.name)
        text += "links: " + (down.isEmpty ? "all up" : "down: " + down.joined(separator: ", ")) + " (\(linkChanges) change(s) while running)\n"
        return CommandResult(stdout: text)
    }

    /// --dataplane auto: DPDK when the chain file's dpdk section (or
    /// --device) gives ports devices, otherwise XDP.
    static func choose(_ options: RunOptions, config: CompiledConfig, logger: Logger) -> DataplaneKind {
        let dpdkPorts = (config.dpdk?.ports.compactMap { $0 }.count ?? 0) + options.devices.count
        if dpdkPorts > 0 {
            logger.notice("dataplane auto: dpdk, because \(dpdkPorts) port(s) have a DPDK device (dpdk section or --device)")
            return .dpdk
        }
        logger.notice("dataplane auto: xdp, because no port has a DPDK device; attaching to the ports' kernel interfaces")
        return .xdp
    }
}
