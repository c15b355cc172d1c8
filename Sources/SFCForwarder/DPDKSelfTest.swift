// sfc-forwarder dpdk-selftest (hidden): the DPDK dataplane's reload and live
// trace, proven in-process on net_ring ports. forward() runs on the main
// lcore (this thread); a plain pthread (not an EAL lcore, like the daemon's
// control thread) injects known packets onto the ports' RX rings, calls
// apply / armTrace / drainTrace while the lcore forwards, drains the TX rings
// and reads the counters. Prints one JSON object; the tests in
// Tests/SFCDPDKTests judge it (this command checks nothing itself beyond
// its own ability to run).
//
//   reload --config A --config-b B [--config-ports P] --generations N
//     applies B, A, B, ... N times between bursts of traffic; with P, tries a
//     port change in the middle (must be refused) and sends traffic after it.
//   trace --config A --filter SPEC --count K --packets M
//     arms a trace, sends M packets of each of three kinds (matching and
//     forwarded, matching and dropped, not matching), drains the records.
import Foundation
import Logging
import SFCDaemon
import SFCConfig
import SFCCore
import SFCDPDK
import SFCRuntime
import SFCTrace

public struct DPDKSelfTestOptions: Sendable {
    public enum Mode: String, Sendable { case reload, trace }
    public var mode: Mode
    public var config: String
    public var configB: String?
    public var configPorts: String?
    public var generations: Int
    public var packetsPerStep: Int
    public var filter: String?
    public var count: Int
    /// reload: also hold the lcore inside a poll during an apply (it must time out and roll back).
    public var stall: Bool
    public init(mode: Mode, config: String, configB: String? = nil, configPorts: String? = nil, generations: Int = 6,
                packetsPerStep: Int = 300, filter: String? = nil, count: Int = 10, stall: Bool = false) {
        self.mode = mode; self.config = config; self.configB = configB; self.configPorts = configPorts; self.stall = stall
        self.generations = generations; self.packetsPerStep = packetsPerStep; self.filter = filter; self.count = count
    }
}

public enum DPDKSelfTest {
    public static func run(_ options: DPDKSelfTestOptions, logger: Logger) -> CommandResult {
        do {
            let object = try Harness(options, logger: logger).run()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
        } catch {
            return CommandResult(stderr: "dpdk-selftest: \(error)", exitCode: 2)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func load(_ path: String) throws -> CompiledConfig {
        let (config, diagnostics) = ChainFile.load(path: path)
        guard let config else { throw Failure(description: "\(path): " + diagnostics.map { "\($0)" }.joined(separator: "\n")) }
        return config
    }

    /// One kind of test packet: a TCP SYN from `source`, from port `users`
    /// (port 0 of the reload configurations), to `destinationPort`.
    struct Kind {
        let name: String
        let source: (UInt8, UInt8)
        let destinationPort: UInt16
        func frame(_ n: Int, to mac: MACAddress) -> [UInt8] {
            PacketBuilder.frame(destination: mac, endpoints: .v4(IPv4Address(raw: 10 << 24 | UInt32(source.0) << 16 | UInt32(source.1) << 8 | UInt32(n % 200 + 1)),
                                                                 IPv4Address(raw: 0xCB00_710A)),
                                transport: .tcp(sourcePort: UInt16(1024 + n % 50000), destinationPort: destinationPort))
        }
    }

    final class Harness: @unchecked Sendable {
        let options: DPDKSelfTestOptions
        let logger: Logger
        let configA: CompiledConfig
        var runtime: DPDKRuntime!
        var rings: [RingPort] = []
        var dataplane: DPDKDataplane!
        var received: [Int] = []
        var sent = 0
        var sentByKind: [String: Int] = [:]
        var output: [String: Any] = [:]
        var failure: Error?

        init(_ options: DPDKSelfTestOptions, logger: Logger) throws {
            self.options = options
            self.logger = logger
            configA = try DPDKSelfTest.load(options.config)
        }

        func run() throws -> [String: Any] {
            let dpdk = DPDKConfig(lcores: [0], hugepages: .off, memoryMB: 256,
                                  ealArguments: ["--log-level=notice", "--no-telemetry"], ports: [])
            let plan = DPDKRuntime.plan(descriptors: 4 * 4096, lcores: 1, ports: configA.ports.count, maxFrame: 1600)
            runtime = try DPDKRuntime(config: dpdk, plan: plan, logger: logger)
            defer { runtime.shutdown() }
            rings = try configA.ports.indices.map { try RingPort(name: "sfcst\($0)", slots: 4096) }
            defer { for ring in rings { ring.free() } }
            // Generation 0 (b.yaml for reload), replaced by a.yaml as
            // generation 1 before forward() starts: an apply with no lcore
            // online swaps at once, and the first poll adopts it.
            let first = try options.configB.map { try DPDKSelfTest.load($0) } ?? configA
            dataplane = try DPDKDataplane(runtime: runtime, tables: ForwardingTables(first, generation: 0),
                                          devices: rings.map { DPDKPortConfig(device: $0.deviceName, rxDescriptors: 64, txDescriptors: 64) },
                                          lcores: [0], logger: logger)
            defer { dataplane.close() }
            // Generous: a loaded machine may deschedule the lcore for a while; only --stall means to time out.
            dataplane.quiescenceTimeout = 60
            try dataplane.apply(ForwardingTables(configA, generation: 1))
            output["generationAtStart"] = Int(dataplane.tables.generation)
            received = Array(repeating: 0, count: configA.ports.count)

            // The control thread; this thread becomes the forwarding lcore.
            let thread = Thread { [self] in
                defer { StopSignal.request() }
                do {
                    switch options.mode {
                    case .reload: try reload()
                    case .trace: try traceSession()
                    }
                } catch {
                    failure = error
                }
            }
            thread.stackSize = 1 << 22
            thread.start()
            dataplane.forward()
            if let failure { throw failure }
            drain()
            output["sent"] = sent
            output["sentByKind"] = sentByKind
            output["received"] = Dictionary(uniqueKeysWithValues: configA.ports.indices.map { (configA.ports[$0].name, received[$0]) })
            let counters = dataplane.counters
            output["drops"] = Dictionary(uniqueKeysWithValues: DropReason.allCases.filter { counters.drops($0) > 0 }
                .map { ($0.name, Int(counters.drops($0))) })
            output["txRefused"] = Int(dataplane.stats.txRefused.reduce(0, +))
            output["after"] = Self.describe(counters, dataplane.tables)
            let receivedTotal = received.reduce(0, +)
            output["lost"] = sent - receivedTotal - Int(counters.totalDrops) - Int(dataplane.stats.txRefused.reduce(0, +))
            output["generation"] = Int(dataplane.tables.generation)
            let w = dataplane.workerStats
            output["workers"] = w.map { ["lcore": $0.lcore, "rxPackets": Int($0.rxPackets), "polls": Int($0.polls), "busyPolls": Int($0.busyPolls)] }
            dataplane.close()
            for ring in rings { _ = ring.drain() }
            output["mbufsInUse"] = Int(runtime.pool.inUse)
            return output
        }

        // MARK: traffic

        func inject(_ kind: Kind, count: Int, mac: MACAddress) throws {
            for n in 0..<count {
                let frame = kind.frame(sent + n, to: mac)
                var tries = 0
                // A full RX ring (or pool) is back-pressure, not loss: wait for the lcore.
                while !rings[0].inject(frame, pool: runtime.pool) {
                    drain()
                    tries += 1
                    if tries > 200_000 { throw Failure(description: "the RX ring stayed full: the lcore does not poll") }
                    usleep(50)
                }
            }
            sent += count
            sentByKind[kind.name, default: 0] += count
        }

        func drain() {
            for (p, ring) in rings.enumerated() { received[p] += ring.drain().count }
        }

        /// Waits until the lcore has received everything sent and finished
        /// the poll after (so its TX buffers are flushed), then drains.
        func settle() throws {
            var tries = 0
            while dataplane.stats.rxPackets < UInt64(sent) {
                drain()
                tries += 1
                if tries > 600_000 { throw Failure(description: "the lcore received \(dataplane.stats.rxPackets) of \(sent) packets") }
                usleep(100)
            }
            let polls = dataplane.workerStats[0].polls
            while dataplane.workerStats[0].polls < polls + 2 { usleep(50) }
            drain()
        }

        static func describe(_ c: Counters, _ t: ForwardingTables) -> [String: Any] {
            var chains: [String: Int] = [:], hops: [String: Int] = [:], instances: [String: Int] = [:]
            for (i, chain) in t.chains.enumerated() {
                chains[chain.config.name] = Int(c.chainPackets[i])
                for k in 0...chain.config.hops.count {
                    let name = k < chain.config.hops.count ? t.functions[chain.config.hops[k]].config.name : "end"
                    hops["\(chain.config.name)/\(k)/\(name)"] = Int(c.hopPackets[t.hopCounterBase[i] + k])
                }
            }
            for (f, function) in t.functions.enumerated() {
                for (i, instance) in function.config.instances.enumerated() {
                    instances["\(function.config.name)/\(instance.name)"] = Int(c.instancePackets[t.instanceCounterBase[f] + i])
                }
            }
            return ["generation": Int(t.generation), "chainPackets": chains, "hopPackets": hops, "instancePackets": instances,
                    "rxPackets": c.rxPackets.map { Int($0) }, "txPackets": c.txPackets.map { Int($0) }, "drops": Int(c.totalDrops)]
        }

        // MARK: reload

        func reload() throws {
            guard let pathB = options.configB else { throw Failure(description: "reload needs --config-b") }
            let configB = try DPDKSelfTest.load(pathB)
            let mac = configA.ports[0].mac
            let kinds = [Kind(name: "stable", source: (1, 0), destinationPort: 443),
                         Kind(name: "web80", source: (2, 0), destinationPort: 80),
                         Kind(name: "web8080", source: (2, 1), destinationPort: 8080)]
            var samples: [[String: Any]] = []
            var generation: UInt64 = 1
            output["before"] = Self.describe(dataplane.counters, dataplane.tables)
            // A second plain thread is the rings' only user while this one
            // applies: packets arrive before, during and after every swap.
            let progress = Progress()
            let injector = Thread { [self] in
                var n = 0
                do {
                    while !progress.stopRequested {
                        try inject(kinds[n % kinds.count], count: 1, mac: mac)
                        n += 1
                        if n % 16 == 0 { drain(); progress.sent = sent }
                    }
                } catch {
                    progress.fail(error)
                }
                drain()
                progress.sent = sent
                progress.finish()
            }
            injector.start()
            defer { progress.stop(); progress.waitFinished() }
            for step in 0..<options.generations {
                // Each generation forwards a share of the stream before the next swap.
                let target = progress.sent + options.packetsPerStep
                while progress.sent < target && progress.error == nil { usleep(200) }
                if let error = progress.error { throw error }
                let config = step % 2 == 0 ? configB : configA
                generation += 1
                let before = dataplane.counters, beforeTables = dataplane.tables
                try dataplane.apply(ForwardingTables(config, generation: generation))
                let after = dataplane.counters, afterTables = dataplane.tables
                samples.append(["step": step, "generation": Int(afterTables.generation),
                                "stableBefore": Int(Self.chain("stable", before, beforeTables)),
                                "stableAfter": Int(Self.chain("stable", after, afterTables)),
                                "rxBefore": Int(before.rxPackets.reduce(0, +)), "rxAfter": Int(after.rxPackets.reduce(0, +))])
            }
            let target = progress.sent + options.packetsPerStep
            while progress.sent < target && progress.error == nil { usleep(200) }
            progress.stop()
            progress.waitFinished()
            if let error = progress.error { throw error }
            try settle()
            // Which tables forward now shows in what they do with each web kind.
            var probes: [[String: Any]] = [try probe(kinds, mac: mac)]
            if let portsPath = options.configPorts { try refusePortChange(portsPath, mac: mac, stable: kinds[0]) }
            if options.stall {
                generation += 1
                try stalledApply(ForwardingTables(options.generations % 2 == 0 ? configB : configA, generation: generation),
                                 mac: mac, web80: kinds[1])
                generation += 1
                // A later apply succeeds and retires the generation the stalled one left published.
                try dataplane.apply(ForwardingTables(options.generations % 2 == 0 ? configB : configA, generation: generation))
                probes.append(try probe(kinds, mac: mac))
            }
            output["probes"] = probes
            output["samples"] = samples
            output["applied"] = options.generations
        }

        /// What the injector and the applying thread share.
        final class Progress: @unchecked Sendable {
            let lock = NSCondition()
            private var _sent = 0, _stop = false, _finished = false, _error: Error?
            var sent: Int {
                get { lock.lock(); defer { lock.unlock() }; return _sent }
                set { lock.lock(); _sent = newValue; lock.unlock() }
            }
            var stopRequested: Bool { lock.lock(); defer { lock.unlock() }; return _stop }
            var error: Error? { lock.lock(); defer { lock.unlock() }; return _error }
            func stop() { lock.lock(); _stop = true; lock.unlock() }
            func fail(_ e: Error) { lock.lock(); _error = e; lock.unlock() }
            func finish() { lock.lock(); _finished = true; lock.broadcast(); lock.unlock() }
            func waitFinished() { lock.lock(); while !_finished { lock.wait() }; lock.unlock() }
        }

        /// Sends 30 packets of each kind, one kind at a time, and says how
        /// many of each the current tables forwarded.
        func probe(_ kinds: [Kind], mac: MACAddress) throws -> [String: Any] {
            var out: [String: Any] = ["generation": Int(dataplane.tables.generation)]
            for kind in kinds {
                try settle()
                let before = received.reduce(0, +)
                try inject(kind, count: 30, mac: mac)
                try settle()
                out[kind.name] = received.reduce(0, +) - before
            }
            return out
        }

        static func chain(_ name: String, _ c: Counters, _ t: ForwardingTables) -> UInt64 {
            guard let i = t.chains.firstIndex(where: { $0.config.name == name }) else { return 0 }
            return c.chainPackets[i]
        }

        /// Applies a configuration whose ports differ: it must be refused,
        /// and what is sent afterwards must be forwarded as before.
        func refusePortChange(_ path: String, mac: MACAddress, stable: Kind) throws {
            let config = try DPDKSelfTest.load(path)
            try settle()
            let generation = dataplane.tables.generation
            let servicesBefore = received[1]
            var message = ""
            do {
                try dataplane.apply(ForwardingTables(config, generation: generation + 100))
            } catch {
                message = "\(error)"
            }
            try inject(stable, count: 50, mac: mac)
            try settle()
            output["refusal"] = ["error": message, "generationBefore": Int(generation), "generationAfter": Int(dataplane.tables.generation),
                                 "sentAfter": 50, "forwardedAfter": received[1] - servicesBefore]
        }

        /// Holds the lcore inside a poll while applying `next`: the apply
        /// must time out and leave the current tables forwarding.
        func stalledApply(_ next: ForwardingTables, mac: MACAddress, web80: Kind) throws {
            try settle()
            let gate = try RXGate(port: dataplane.ports[0])
            defer { gate.remove() }
            guard gate.hold() else { throw Failure(description: "the lcore never entered rx_burst") }
            let generation = dataplane.tables.generation
            let timeout = dataplane.quiescenceTimeout
            dataplane.quiescenceTimeout = 0.5
            var message = ""
            do {
                try dataplane.apply(next)
            } catch {
                message = "\(error)"
            }
            dataplane.quiescenceTimeout = timeout
            gate.release()
            // web80 is classified by the running tables (a.yaml) and not by b.yaml.
            let servicesBefore = received[1]
            try inject(web80, count: 40, mac: mac)
            try settle()
            output["stall"] = ["error": message, "generationBefore": Int(generation), "generationAfter": Int(dataplane.tables.generation),
                               "sentAfter": 40, "forwardedAfter": received[1] - servicesBefore]
        }

        // MARK: trace

        func traceSession() throws {
            let tables = dataplane.tables
            let filter = try TraceFilter.parse(options.filter ?? "", ports: tables.ports.map(\.name))
            let mac = configA.ports[0].mac
            let kinds = [Kind(name: "match-forward", source: (1, 0), destinationPort: 443),
                         Kind(name: "match-drop", source: (9, 0), destinationPort: 443),
                         Kind(name: "other", source: (2, 0), destinationPort: 80)]
            // Before arming: nothing is recorded.
            for kind in kinds { try inject(kind, count: 5, mac: mac) }
            try settle()
            let before = dataplane.drainTrace()
            try dataplane.armTrace(filter: filter, count: options.count)
            var frames: [[String: Any]] = []
            for n in 0..<options.packetsPerStep {
                for kind in kinds {
                    let frame = kind.frame(sent, to: mac)
                    frames.append(["kind": kind.name, "frame": hexBytes(frame),
                                   "matches": frame.withUnsafeBytes { filter.matches($0, ingress: 0) }])
                    try inject(kind, count: 1, mac: mac)
                    _ = n
                }
            }
            try settle()
            let records = dataplane.drainTrace()
            let armedAfter = dataplane.traceArmed
            // Disarmed (by the count, or here): more matching packets leave no record.
            dataplane.disarmTrace()
            try inject(kinds[0], count: 20, mac: mac)
            try settle()
            let late = dataplane.drainTrace()
            output["trace"] = [
                "count": options.count, "recordsBeforeArming": before.count, "armedAfterCount": armedAfter,
                "recordsAfterDisarm": late.count, "dropped": Int(dataplane.traceRecordsDropped), "frames": frames,
                "ports": tables.ports.map(\.name),
                "records": records.map { r in
                    ["sequence": Int(r.sequence), "generation": Int(r.generation), "ingress": r.ingress,
                     "ingressFrame": hexBytes(r.ingressFrame), "ingressLength": r.ingressLength, "verdict": r.verdict.rawValue,
                     "dropReason": r.dropReason?.name ?? NSNull(), "chain": r.chain ?? -1, "function": r.function ?? -1,
                     "instance": r.instance ?? -1, "egress": r.egress ?? -1, "egressFrame": hexBytes(r.egressFrame),
                     "egressLength": r.egressLength] as [String: Any]
                },
            ] as [String: Any]
        }

    }
}
