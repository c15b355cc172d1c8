// The XDP dataplane: the loaded program, its tables filled from one
// CompiledConfig, and (when live) its attachments. Test mode runs packets
// through BPF_PROG_RUN only; live mode resolves each port's interface,
// attaches, and can pin everything so forwarding outlives the process.
import CLibBPF
import Glibc
import Logging
import SFCCore

// Reloads (update), the port set following a reload, and the live trace
// are in XDPDataplane+Reload.swift and XDPDataplane+Trace.swift.

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
    public internal(set) var tables: ForwardingTables
    public internal(set) var ifindexes: [UInt32]
    public internal(set) var attachments: [XDPAttachment] = []
    /// Per port: its interface is up and running (always true in test mode
    /// and for ports without an interface). A port that is not has no
    /// sfc_tx_ports entry, so what is sent to it is dropped `egress-down`
    /// instead of being counted as sent and lost by the kernel.
    public internal(set) var linkUp: [Bool]
    /// The maps came from an earlier run's pins (counters and state carried on).
    public var adopted: Bool { object.reusedPins }
    let logger: Logger
    /// Table generations installed so far by this process.
    var installed = 0
    /// Counts of retired generation slots, carried across reloads.
    var ledger: CounterLedger
    /// attach() was called: a reload attaches to added ports' interfaces and
    /// detaches from removed ones.
    var following = false
    /// The live trace, when armed (XDPDataplane+Trace.swift).
    var trace: TraceSession?
    /// The AF_PACKET socket liveness probes leave by (opened on first use;
    /// XDPDataplane+Instances.swift).
    var probeSocket: Int32 = -1

    deinit { if probeSocket >= 0 { close(probeSocket) } }

    /// - Parameter generation: the number of the first table set (`generation`).
    /// - Parameter liveness: instance states and weights that differ from
    ///   the chain file's (the bucket tables and states are built from it).
    public init(config: CompiledConfig, generation: UInt64 = 0, liveness: InstanceLiveness = InstanceLiveness(),
                options: Options = Options(), logger: Logger = Logger(label: "sfc-xdp")) throws {
        self.options = options
        self.logger = logger
        let tables = ForwardingTables(config, generation: generation, liveness: liveness)
        let ifindexes = options.mode == .live ? try Interfaces.resolve(config) : Array(repeating: 0, count: config.ports.count)
        let image = try TableImage(tables: tables, ifindexes: ifindexes)  // refuse before loading anything
        ledger = CounterLedger(tables: tables)
        linkUp = Self.linkStates(config, mode: options.mode)
        let path = try ObjectLocator.locate(explicit: options.objectPath)
        let pins = try options.pins?.prepare(logger: logger)
        object = try BPFObject(path: path, pinDirectory: pins?.effectivePath, flowSeed: config.flowHashSeed)
        self.pins = pins
        self.tables = tables
        self.ifindexes = ifindexes
        try install(image, tables: tables, old: nil)
        // A trace an earlier run armed has no reader any more.
        if adopted { try? disarmTrace() }
        if let pins {
            let path = pins.effectivePath + "/" + BPFObject.programName
            // Only a program bound to these very maps may be adopted.
            if object.reusedPins { adoptedProgramID = try object.adoptOrPinProgram(at: path) } else { try object.pinProgram(at: path) }
        }
    }

    /// Set when a pinned program with the same code was adopted (its id).
    public private(set) var adoptedProgramID: UInt32?

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
        let slot = try activeGeneration & 1
        for (p, port) in tables.ports.enumerated() where p < now.count && p < linkUp.count && now[p] != linkUp[p] {
            var key = TXPorts.key(slot: slot, port: p)
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

    /// The flow hash seed the running program reads (its .rodata), nil when
    /// it cannot be read.
    public var programFlowSeed: UInt32? {
        var seed: UInt32 = 0
        return sfc_bpf_prog_rodata_u32(object.programFD, &seed) == 0 ? seed : nil
    }

    /// The generation packets use now (sfc_active[0]).
    public var activeGeneration: UInt32 { get throws { try GenerationWriter(object: object).active() } }

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

    /// The per-CPU counters summed, in the reference pipeline's layout of
    /// the current tables: what earlier generations counted is carried by
    /// name (CounterLedger), so counts survive any number of reloads.
    public func counters() throws -> Counters {
        try ledger.total(active: try activeGeneration & 1, tables: tables, reader: CounterReader(object: object))
    }

    /// Packets received per CPU (every port, every generation since this
    /// dataplane opened its maps), indexed by CPU number.
    public var perCPUPackets: [UInt64] { get throws { try ledger.perCPU(reader: CounterReader(object: object)) } }

    /// The number of the table set packets use now (`tables.generation`).
    public var generation: UInt64 { tables.generation }

    /// Attaches to every port that has an interface (live mode).
    @discardableResult
    public func attach() throws -> [XDPAttachment] {
        guard options.mode == .live else {
            throw XDPError(.attachFailed, "this XDP dataplane was opened in test mode: open it in live mode to attach")
        }
        do {
            attachments += try attachNew(tables.ports, ifindexes: ifindexes)
        } catch {
            detach(removePins: false)  // all or nothing
            throw error
        }
        following = true
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
        following = false
        if removePins, let pins { pins.remove() }
    }
}
