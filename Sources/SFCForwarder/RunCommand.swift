// sfc-forwarder run: forwards on the DPDK dataplane (or XDP, XDPRun.swift)
// until SIGINT/SIGTERM, then stops the ports and prints the counters.
import Foundation
import Logging
import SFCDaemon
import SFCConfig
import SFCCore
import SFCDPDK
import SFCRuntime
import SFCTrace

public struct RunOptions: Sendable {
    public var config: String
    public var dataplane: DataplaneKind
    /// `PORT=DEVICE` overrides of the dpdk section (or the whole of it when the file has none).
    public var devices: [String]
    public var lcores: [Int]?
    public var hugepages: DPDKConfig.Hugepages?
    public var memoryMB: Int?
    public var json: Bool
    /// XDP: on stop, leave the program attached and pinned (forwarding goes on).
    public var leaveRunning: Bool
    /// XDP: the BPF object (--bpf-object); nil: beside the binary (ObjectLocator).
    public var bpfObject: String?
    /// The control socket (--control); nil: /run/sfc/<node>.sock.
    public var control: String?
    /// --control-group: this group may use the control socket too (mode 0660).
    public var controlGroup: String?
    /// --metrics ADDRESS:PORT: serve Prometheus metrics there.
    public var metrics: String?
    public init(config: String, dataplane: DataplaneKind, devices: [String] = [], lcores: [Int]? = nil,
                hugepages: DPDKConfig.Hugepages? = nil, memoryMB: Int? = nil, json: Bool = false, leaveRunning: Bool = false,
                bpfObject: String? = nil, control: String? = nil, controlGroup: String? = nil, metrics: String? = nil) {
        self.config = config; self.dataplane = dataplane; self.devices = devices; self.lcores = lcores
        self.hugepages = hugepages; self.memoryMB = memoryMB; self.json = json; self.leaveRunning = leaveRunning
        self.bpfObject = bpfObject; self.control = control; self.controlGroup = controlGroup; self.metrics = metrics
    }
}

public enum RunCommand {
    /// The dpdk section with the command line's overrides applied.
    public static func dpdkConfig(_ options: RunOptions, config: CompiledConfig) throws -> DPDKConfig {
        var dpdk = config.dpdk ?? DPDKConfig()
        if dpdk.ports.count < config.ports.count {
            dpdk.ports += Array(repeating: nil, count: config.ports.count - dpdk.ports.count)
        }
        for spec in options.devices {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else {
                throw DPDKError(.portWithoutDevice, "--device \(spec): expected PORT=DEVICE, e.g. --device uplink=net_af_packet0,iface=eth1")
            }
            let name = String(spec[..<eq]), device = String(spec[spec.index(after: eq)...])
            guard let p = config.portIndex(named: name) else {
                throw DPDKError(.portWithoutDevice, "--device \(spec): no port named '\(name)' in \(options.config) "
                                + "(ports: \(config.ports.map(\.name).joined(separator: ", ")))")
            }
            guard !device.isEmpty else { throw DPDKError(.portWithoutDevice, "--device \(spec): the device is empty") }
            dpdk.ports[p] = DPDKPortConfig(device: device, rxDescriptors: dpdk.ports[p]?.rxDescriptors ?? 1024,
                                           txDescriptors: dpdk.ports[p]?.txDescriptors ?? 1024)
        }
        if let lcores = options.lcores { dpdk.lcores = lcores }
        if let hugepages = options.hugepages { dpdk.hugepages = hugepages }
        if let memory = options.memoryMB { dpdk.memoryMB = memory }
        try PortSetup.checkDevices(portNames: config.ports.map(\.name), dpdk: dpdk)
        return dpdk
    }

    /// Only the sfc-forwarder binary may call this with dpdk (EAL starts once per process).
    public static func run(_ options: RunOptions, logger base: Logger) -> CommandResult {
        var logger = base
        // SIGHUP's default action ends the process: from the first moment on it
        // asks for a reload instead (one asked for while starting runs once the daemon ticks).
        ReloadSignal.install()
        guard options.dataplane != .reference else {
            return CommandResult(stderr: "run forwards on a dataplane with ports: use --dataplane dpdk, xdp or auto "
                                 + "(the reference dataplane has no I/O; try `replay`)", exitCode: 2)
        }
        let (loaded, diagnostics) = ChainFile.load(path: options.config, options: .daemon)
        guard let config = loaded else {
            return CommandResult(stderr: diagnostics.map(\.rendered).joined(separator: "\n"), exitCode: 1)
        }
        logger[metadataKey: "node"] = "\(config.node.name)"
        // The file's warnings (an MTU too small, a TTL that runs out...) go to the log.
        for warning in diagnostics { logger.warning("\(warning.rendered)") }
        let kind = options.dataplane == .auto ? XDPRun.choose(options, config: config, logger: logger) : options.dataplane
        if kind == .xdp {
            do {
                let lock = try NodeLock(node: config.node.name, interfaces: config.ports.compactMap(\.interface),
                                        config: options.config, dataplane: kind.rawValue)
                defer { lock.release() }
                return try XDPRun.run(options, config: config, logger: logger)
            } catch {
                return CommandResult(stderr: "\(error)", exitCode: 1)
            }
        }
        let refusals = ChainFile.rootEquivalentRefusals(path: options.config)
        guard refusals.isEmpty else { return CommandResult(stderr: refusals.map(\.rendered).joined(separator: "\n"), exitCode: 1) }
        do {
            let dpdk = try dpdkConfig(options, config: config)
            let lock = try NodeLock(node: config.node.name, interfaces: dpdk.ports.compactMap { $0?.kernelInterface },
                                    config: options.config, dataplane: kind.rawValue)
            defer { lock.release() }
            let tables = ForwardingTables(config)
            StopSignal.install()
            let runtime = try DPDKRuntime(config: dpdk, plan: DPDKRuntime.plan(for: dpdk, tables: tables),
                                          portNames: config.ports.map(\.name), logger: logger)
            defer { runtime.shutdown() }
            let dataplane = try DPDKDataplane(runtime: runtime, tables: tables, devices: dpdk.ports, lcores: dpdk.lcores, logger: logger)
            let links = DPDKLinkWatch(config: config, devices: dpdk.ports, logger: logger)
            links.start(dataplane)
            let driver = DPDKDriver(dataplane, devices: dpdk.ports, links: links)
            let host = try DaemonHost(options: options, config: config, driver: driver, logger: logger)
            defer { host.close() }
            // The daemon's ticks (SIGHUP, steering expiry) run beside the lcores, never on one.
            let ticker = DaemonTicker(host.daemon)
            ticker.start()
            logger.notice("forwarding on \(dataplane.ports.count) port(s) with \(dpdk.lcores.count) lcore(s); control \(host.daemon.controlPath ?? "-"); SIGINT or SIGTERM stops, SIGHUP reloads")
            SystemdNotify.ready(status: "forwarding on \(dataplane.ports.count) port(s), generation \(tables.generation)")
            dataplane.forward()
            SystemdNotify.stopping()
            ticker.join()
            links.join()
            logger.notice("stopping")
            dataplane.stopPorts()
            let report = CountersReport(tables: dataplane.tables, counters: dataplane.counters)
            let stats = dataplane.stats
            dataplane.close()
            if options.json {
                var object = report.dictionary
                object["dpdk"] = ["rx_packets": stats.rxPackets, "multi_segment_linearized": stats.multiSegmentLinearized,
                                  "multi_segment_dropped": stats.multiSegmentDropped,
                                  "links": links.report.links, "link_changes": links.report.changes,
                                  "tx_refused": Dictionary(uniqueKeysWithValues: zip(dataplane.tables.ports.map(\.name), stats.txRefused))]
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
                return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
            }
            var text = report.text
            text += "dpdk: rx \(stats.rxPackets), multi-segment linearized \(stats.multiSegmentLinearized), "
                + "dropped \(stats.multiSegmentDropped)\n"
            for (p, n) in stats.txRefused.enumerated() where n > 0 && p < dataplane.tables.ports.count {
                text += "  tx refused on \(dataplane.tables.ports[p].name): \(n)\n"
            }
            let down = links.report.links.filter { $0.value == "down" }.keys.sorted()
            if !links.report.links.isEmpty {
                text += "links: " + (down.isEmpty ? "all up" : "down: " + down.joined(separator: ", ")) + " (\(links.report.changes) change(s) while running)\n"
            }
            return CommandResult(stdout: text)
        } catch {
            return CommandResult(stderr: "\(error)", exitCode: 1)
        }
    }
}
