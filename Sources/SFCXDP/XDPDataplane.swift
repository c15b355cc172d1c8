// The XDP dataplane: the loaded program, its tables filled from one
// CompiledConfig, and (when live) its attachments. Test mode runs packets
// through BPF_PROG_RUN only; live mode resolves each port's interface,
// attaches, and can pin everything so forwarding outlives the process.
import CLibBPF
import Logging
import SFCCore

public final class XDPDataplane {
    public enum Mode: Sendable {
        /// BPF_PROG_RUN only: interfaces are not looked up (ifindex 0).
        case test
        /// Ports' interfaces are resolved (a missing one is an error) and can be attached.
        case live
    }

    public struct Options: Sendable {
        public var mode: Mode
        /// nil: locate sfc_xdp.o (ObjectLocator).
        public var objectPath: String?
        /// Pin the program and maps here, reusing pins already there (adopt).
        public var pins: PinDirectory?
        public init(mode: Mode = .test, objectPath: String? = nil, pins: PinDirectory? = nil) {
            self.mode = mode; self.objectPath = objectPath; self.pins = pins
        }
    }

    public let object: BPFObject
    public let options: Options
    /// Where the pins are (resolved by PinDirectory.prepare), nil without pins.
    public let pins: PinDirectory?
    public private(set) var tables: ForwardingTables
    public private(set) var ifindexes: [UInt32]
    public private(set) var attachments: [XDPAttachment] = []
    /// Per port: its interface is up and running (always true in test mode
    /// and for ports without an interface). A port that is not has no
    /// sfc_tx_ports entry, so what is sent to it is dropped `egress-down`
    /// instead of being counted as sent and lost by the kernel.
    public private(set) var linkUp: [Bool]
    /// The maps came from an earlier run's pins (counters and state carried on).
    public var adopted: Bool { object.reusedPins }
    let logger: Logger
    private var installed = 0

    public init(config: CompiledConfig, options: Options = Options(), logger: Logger = Logger(label: "sfc-xdp")) throws {
        self.options = options
        self.logger = logger
        let tables = ForwardingTables(config)
        let ifindexes = options.mode == .live ? try Interfaces.resolve(config) : Array(repeating: 0, count: config.ports.count)
        let image = try TableImage(tables: tables, ifindexes: ifindexes)  // refuse before loading anything
        linkUp = Self.linkStates(config, mode: options.mode)
        let path = try ObjectLocator.locate(explicit: options.objectPath)
        let pins = try options.pins?.prepare(logger: logger)
        object = try BPFObject(path: path, pinDirectory: pins?.effectivePath)
        self.pins = pins
        self.tables = tables
        self.ifindexes = ifindexes
        try install(image)
        if let pins {
            let path = pins.effectivePath + "/" + BPFObject.programName
            // Only a program bound to these very maps may be adopted.
            if object.reusedPins { adoptedProgramID = try object.adoptOrPinProgram(at: path) } else { try object.pinProgram(at: path) }
        }
    }

    /// Set when a pinned program with the same code was adopted (its id).
    public private(set) var adoptedProgramID: UInt32?

    /// Swaps in a new configuration as the next table generation; counters
    /// and the End.AD cache carry on, the NSH proxy state is emptied. Interfaces are resolved again in live mode.
    public func update(_ config: CompiledConfig) throws {
        let tables = ForwardingTables(config)
        let ifindexes = options.mode == .live ? try Interfaces.resolve(config) : Array(repeating: 0, count: config.ports.count)
        let image = try TableImage(tables: tables, ifindexes: ifindexes)
        linkUp = Self.linkStates(config, mode: options.mode)
        try install(image)
        self.tables = tables
        self.ifindexes = ifindexes
    }

    static func linkStates(_ config: CompiledConfig, mode: Mode) -> [Bool] {
        guard mode == .live else { return Array(repeating: true, count: config.ports.count) }
        let states = LinkState.current()
        return config.ports.map { port in port.interface.map { states[$0] ?? false } ?? true }
    }

    /// Reads every port's link state again; a port whose link went down
    /// loses its sfc_tx_ports entry, one that came back gets it again.
    /// Returns what changed (nothing in test mode).
    public func refreshLinks() throws -> [LinkChange] {
        guard options.mode == .live else { return [] }
        let now = Self.linkStates(tables.config, mode: options.mode)
        var changes: [LinkChange] = []
        let fd = try object.mapFD("sfc_tx_ports")
        for (p, port) in tables.ports.enumerated() where p < now.count && p < linkUp.count && now[p] != linkUp[p] {
            var key = UInt32(p)
            if now[p], ifindexes[p] != 0 {
                try MapIO.update(fd, key, ifindexes[p], map: "sfc_tx_ports")
            } else {
                _ = bpf_map_delete_elem(fd, &key)
            }
            linkUp[p] = now[p]
            changes.append(LinkChange(port: port.name, interface: port.interface ?? "?", up: now[p]))
        }
        return changes
    }

    /// The generation packets use now (sfc_active[0]).
    public var activeGeneration: UInt32 { get throws { try GenerationWriter(object: object).active() } }

    private func install(_ image: TableImage) throws {
        let writer = GenerationWriter(object: object)
        // A fresh object starts on generation 0; afterwards (or when the
        // maps were adopted and packets may be using them) the idle slot.
        let target: UInt32 = installed == 0 && !adopted ? 0 : 1 - (try writer.active() & 1)
        try writeTXPorts(image)
        try writer.install(image, into: target)
        // A fresh object's NSH proxy state is empty; after that, what the
        // old configuration saved may name paths or blocks it no longer has.
        if installed > 0 || adopted { try clearNSHProxyState() }
        installed += 1
    }

    /// Empties sfc_nsh_proxy_state: returns fall back to the configured
    /// header until their flow has left through the proxy again.
    private func clearNSHProxyState() throws {
        let fd = try object.mapFD("sfc_nsh_proxy_state")
        let count = try object.maxEntries("sfc_nsh_proxy_state")
        let empty = sfc_nsh_state()
        for slot in 0..<count { try MapIO.update(fd, slot, empty, map: "sfc_nsh_proxy_state") }
    }

    /// sfc_tx_ports: each port's interface; in test mode the loopback for
    /// every port, so redirects resolve (BPF_PROG_RUN sends nothing).
    private func writeTXPorts(_ image: TableImage) throws {
        let fd = try object.mapFD("sfc_tx_ports")
        let count = Int(try object.maxEntries("sfc_tx_ports"))
        var wanted = [UInt32](repeating: 0, count: count)
        if options.mode == .test {
            let lo = Interfaces.loopback
            for p in 0..<min(count, tables.ports.count) { wanted[p] = lo }
        } else {
            for entry in image.txPorts where Int(entry.port) < count && linkUp.indices.contains(Int(entry.port)) && linkUp[Int(entry.port)] {
                wanted[Int(entry.port)] = entry.ifindex
            }
        }
        for (port, ifindex) in wanted.enumerated() {
            var key = UInt32(port)
            if ifindex == 0 {
                _ = bpf_map_delete_elem(fd, &key)  // absent already is fine
            } else {
                try MapIO.update(fd, key, ifindex, map: "sfc_tx_ports")
            }
        }
    }

    /// One packet through BPF_PROG_RUN, entering on port `ingress`.
    public func run(_ frame: [UInt8], ingress: Int) throws -> XDPRunResult {
        try ProgramRunner(programFD: object.programFD).run(frame, ingress: ingress)
    }

    /// Mean nanoseconds per run of one packet repeated `count` times in the
    /// kernel. The kernel does not restore the frame between repetitions:
    /// run 2 sees what run 1 wrote (an encapsulated packet, a lower SI), so
    /// only the first run is the case asked for. `sfc-bench --dataplane
    /// xdp` measures with a fresh copy per run instead.
    public func benchmark(_ frame: [UInt8], ingress: Int, repeat count: UInt32) throws -> (nanoseconds: UInt32, action: XDPAction?) {
        let r = try ProgramRunner(programFD: object.programFD).benchmark(frame, ingress: ingress, repeat: count)
        return (r.nanoseconds, XDPAction(rawValue: r.action))
    }

    /// The per-CPU counters summed, in the reference pipeline's layout.
    public func counters() throws -> Counters { try CounterReader(object: object).read(tables: tables) }

    /// Attaches to every port that has an interface (live mode).
    @discardableResult
    public func attach() throws -> [XDPAttachment] {
        guard options.mode == .live else {
            throw XDPError(.attachFailed, "this XDP dataplane was opened in test mode: open it in live mode to attach")
        }
        for (p, port) in tables.ports.enumerated() {
            guard let interface = port.interface, ifindexes[p] != 0 else { continue }
            if attachments.contains(where: { $0.ifindex == ifindexes[p] }) { continue }
            do {
                let a = try XDPAttachment.attach(programFD: object.programFD, port: port.name, interface: interface,
                                                 ifindex: ifindexes[p], logger: logger)
                attachments.append(a)
            } catch {
                detach(removePins: false)  // all or nothing
                throw error
            }
        }
        return attachments
    }

    /// Detaches from every interface this dataplane attached to, and with
    /// `removePins` removes the pins (the maps go when the last user closes).
    public func detach(removePins: Bool) {
        for a in attachments.reversed() {
            let err = a.detach()
            if err != 0 { logger.warning("port \(a.port): detaching XDP from \(a.interface) failed: \(errnoText(err))") }
        }
        attachments.removeAll()
        if removePins, let pins { pins.remove() }
    }
}
