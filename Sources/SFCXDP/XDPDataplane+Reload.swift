// A reload: the next table generation goes into the idle slot whole, with
// the idle slot's blocks of counters (folded, then zeroed), proxy state
// (carried for attachments that survive) and devmap written before the
// flip; and in live mode, once attached, the port set followed: added
// ports' interfaces attached before the flip, removed ones detached after.
// Anything that fails before the flip leaves the running generation
// forwarding as it was.
import CLibBPF
import Logging
import SFCCore

extension XDPDataplane {
    /// Swaps in `config` as table generation `generation`. Counters carry
    /// on by name, NSH proxy state and End.AD caches of attachments that
    /// still exist are kept (the rest emptied). Interfaces are resolved
    /// again in live mode; once attached, new ports' interfaces are attached
    /// and removed ones detached.
    /// `liveness`: instance states and weights the new generation starts
    /// with (the daemon's; the affinity table carries on regardless).
    public func update(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness = InstanceLiveness()) throws {
        // The seed is in the loaded program's .rodata, fixed for its life.
        guard config.flowHashSeed == object.flowSeed else {
            throw XDPError(.unsupported, "reload to generation \(generation) refused, generation \(tables.generation) goes on "
                           + "forwarding: the flow-hash key changed; it takes a restart (which moves established flows)")
        }
        let new = ForwardingTables(config, generation: generation, liveness: liveness)
        let ifindexes = options.mode == .live ? try Interfaces.resolve(config) : Array(repeating: 0, count: config.ports.count)
        let image = try TableImage(tables: new, ifindexes: ifindexes)
        let links = Self.linkStates(config, mode: options.mode)
        // Attach first: a port that cannot be attached refuses the reload.
        var added: [XDPAttachment] = []
        if following {
            do {
                added = try attachNew(new.ports, ifindexes: ifindexes)
            } catch {
                throw XDPError(.attachFailed, "reload to generation \(generation) refused, generation \(tables.generation) "
                               + "goes on forwarding: \(error)")
            }
        }
        let oldLinks = linkUp
        linkUp = links
        do {
            try install(image, tables: new, old: tables)
        } catch {
            linkUp = oldLinks
            for a in added { _ = a.detach() }
            throw error
        }
        attachments += added
        tables = new
        self.ifindexes = ifindexes
        if following { detachRemoved(keeping: ifindexes) }
    }

    /// The next generation after the current one.
    public func update(_ config: CompiledConfig) throws {
        try update(config, generation: tables.generation &+ 1)
    }

    /// Puts `image` (tables `new`) into the idle generation slot and flips.
    /// `old`: the tables packets use now (nil: the first install).
    func install(_ image: TableImage, tables new: ForwardingTables, old: ForwardingTables?) throws {
        let writer = GenerationWriter(object: object)
        // A fresh object starts on slot 0 with every block empty; afterwards
        // (or when the maps were adopted and packets may be using them) the idle slot.
        let fresh = installed == 0 && !adopted
        let active = try writer.active() & 1
        let target: UInt32 = fresh ? 0 : 1 - active
        // Adopted maps: the earlier run's tables are taken to be these.
        let running = old ?? new
        if !fresh && installed == 0 { ledger.adopt(active: active, tables: new) }
        let reader = CounterReader(object: object)
        try writer.install(image, into: target) {
            try TXPorts(object: object).write(slot: target, image: image, ports: new.ports.count, linkUp: linkUp,
                                              test: options.mode == .test)
            guard !fresh else { return }
            // Kept in self.ledger at once: should the flip fail, the folded
            // counts stay folded and the zeroed slot is not read again.
            try self.ledger.reuse(slot: target, active: running, reader: reader)
            try StateCarry(object: object).write(target: target, new: new, source: active, old: running)
        }
        if !fresh { ledger.flipped(from: running, oldSlot: active, to: new) }
        installed += 1
    }

    /// Attaches to the interfaces of `ports` not attached yet; all or
    /// nothing (what this call attached is detached on failure).
    func attachNew(_ ports: [PortConfig], ifindexes: [UInt32]) throws -> [XDPAttachment] {
        var added: [XDPAttachment] = []
        for (p, port) in ports.enumerated() {
            guard let interface = port.interface, p < ifindexes.count, ifindexes[p] != 0 else { continue }
            if attachments.contains(where: { $0.ifindex == ifindexes[p] }) || added.contains(where: { $0.ifindex == ifindexes[p] }) { continue }
            do {
                added.append(try XDPAttachment.attach(programFD: object.programFD, port: port.name, interface: interface,
                                                      ifindex: ifindexes[p], logger: logger))
            } catch {
                for a in added.reversed() { _ = a.detach() }
                throw error
            }
        }
        return added
    }

    /// Detaches from interfaces no port of the current tables uses.
    private func detachRemoved(keeping ifindexes: [UInt32]) {
        let wanted = Set(ifindexes.filter { $0 != 0 })
        for a in attachments where !wanted.contains(a.ifindex) {
            let err = a.detach()
            if err != 0 {
                logger.warning("port \(a.port) left the configuration: detaching XDP from \(a.interface) failed: \(errnoText(err))")
            } else {
                logger.info("port \(a.port) left the configuration: XDP detached from \(a.interface)")
            }
        }
        attachments.removeAll { !wanted.contains($0.ifindex) }
    }
}
