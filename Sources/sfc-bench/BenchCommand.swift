// sfc-bench (--dataplane dpdk): one measurement of the DPDK forwarding loop, run by
// scripts/bench-dpdk.sh (which adds dpdk-testpmd baselines and the table).
//
// One process per measurement (EAL starts once per process). Each lcore
// forwards between its own two devices (net_null or net_ring loopback,
// queue 0), through its own LcoreWorker running the real `run()` loop: the
// devices have no RSS, so one device pair per lcore is how two lcores get
// one RX queue each. The traffic source is an RX callback that writes the
// case's template packet into every mbuf rx_burst returns (shim_bench.c);
// it counts the cycles it spends, which are reported and taken out of the
// forwarder's cycles. Nothing is added to the forwarding loop: the window
// is read from another thread with the TSC, the source's counters and the
// allocation counter, after a warm-up. DPDK is reached through SFCDPDK
// (BenchLoop.swift) only.
import Foundation
import Logging
import SFCCore
import SFCDPDK
import SFCRuntime

public struct BenchOptions: Sendable {
    public var caseName: String
    /// The template's size on the wire (BenchCase.make(_:frameSize:)).
    public var frameSize: Int
    /// net_null or net_ring.
    public var device: String
    public var lcores: Int
    public var warmup: Double
    public var seconds: Double
    /// Self-check: the source also mallocs once per packet.
    public var allocateInSource: Bool
    public init(caseName: String, frameSize: Int = 64, device: String, lcores: Int, warmup: Double = 1, seconds: Double = 2,
                allocateInSource: Bool = false) {
        self.caseName = caseName; self.frameSize = frameSize; self.device = device; self.lcores = lcores; self.warmup = warmup
        self.seconds = seconds; self.allocateInSource = allocateInSource
    }
}

public enum BenchCommand {
    /// Packets per port seeded into a net_ring loopback (one burst, as testpmd --tx-first).
    static let seedPerPort = 32

    public static func run(_ options: BenchOptions, logger: Logger) -> CommandResult {
        jsonResult { try measure(options, logger: logger) }
    }

    /// One run's measurements as a JSON object on stdout, or the error.
    static func jsonResult(_ measure: () throws -> [String: Any]) -> CommandResult {
        do {
            let data = try JSONSerialization.data(withJSONObject: try measure(), options: [.sortedKeys])
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
        } catch {
            return CommandResult(stderr: "bench: \(error)", exitCode: 1)
        }
    }

    /// Counts allocations made on purpose from Swift, with counting on, and with it off.
    public static func selfCheckSwift() -> (counted: UInt64, made: Int, countedWhileOff: UInt64) {
        let made = 1_000
        var keep = 0
        AllocationCounter.count(true)
        let before = AllocationCounter.value
        for i in 0..<made {
            let array = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 64 + i)
            keep &+= array.count
        }
        let counted = AllocationCounter.value - before
        AllocationCounter.count(false)
        let off = AllocationCounter.value
        for i in 0..<made { keep &+= [UInt8](repeating: 1, count: 64 + i).count }
        let countedWhileOff = AllocationCounter.value - off
        if keep == 42 { print("") }  // keeps the arrays observable
        return (counted, made, countedWhileOff)
    }

    /// What the timer thread reads at each window boundary, in buffers
    /// allocated up front (reading must not allocate: the count is running).
    final class Windows: @unchecked Sendable {
        let count: Int
        let lcores: Int
        let sources: [BenchSource]
        let lcoreOfSource: [Int]
        /// Per boundary b (0 ... count): TSC and allocation count; per (b, lcore): packets and source cycles.
        let tsc: UnsafeMutablePointer<UInt64>
        let allocations: UnsafeMutablePointer<UInt64>
        let packets: UnsafeMutablePointer<UInt64>
        let sourceCycles: UnsafeMutablePointer<UInt64>
        let done = DispatchSemaphore(value: 0)

        init(count: Int, lcores: Int, sources: [BenchSource], lcoreOfSource: [Int]) {
            self.count = count; self.lcores = lcores; self.sources = sources; self.lcoreOfSource = lcoreOfSource
            tsc = .allocate(capacity: count + 1); tsc.initialize(repeating: 0, count: count + 1)
            allocations = .allocate(capacity: count + 1); allocations.initialize(repeating: 0, count: count + 1)
            packets = .allocate(capacity: (count + 1) * lcores); packets.initialize(repeating: 0, count: (count + 1) * lcores)
            sourceCycles = .allocate(capacity: (count + 1) * lcores); sourceCycles.initialize(repeating: 0, count: (count + 1) * lcores)
        }

        deinit { tsc.deallocate(); allocations.deallocate(); packets.deallocate(); sourceCycles.deallocate() }

        func read(boundary b: Int) {
            tsc[b] = TSC.now
            for (i, s) in sources.enumerated() {
                let k = b * lcores + lcoreOfSource[i]
                packets[k] &+= s.packets
                sourceCycles[k] &+= s.cycles
            }
            allocations[b] = AllocationCounter.value
        }

        func packets(_ b: Int) -> UInt64 { (0..<lcores).reduce(0) { $0 &+ packets[b * lcores + $1] } }
        func sourceCycles(_ b: Int) -> UInt64 { (0..<lcores).reduce(0) { $0 &+ sourceCycles[b * lcores + $1] } }
    }

    /// Windows measured per run; the one with the median throughput is reported,
    /// so a burst of other activity on the machine moves no figure on its own.
    static let windowCount = 5

    static func measure(_ options: BenchOptions, logger: Logger) throws -> [String: Any] {
        guard options.device == "net_null" || options.device == "net_ring" else {
            throw BenchError("--device \(options.device): net_null or net_ring")
        }
        guard options.lcores >= 1 else { throw BenchError("--lcores must be at least 1") }
        let bench = try BenchCase.make(options.caseName, frameSize: options.frameSize)
        let tables = ForwardingTables(bench.config)
        let portsPerLcore = bench.config.ports.count
        let deviceCount = portsPerLcore * options.lcores
        let devices = (0..<deviceCount).map { DPDKPortConfig(device: "\(options.device)\($0)", rxDescriptors: 1024, txDescriptors: 1024) }
        let dpdk = DPDKConfig(lcores: Array(0..<options.lcores), hugepages: .off, memoryMB: 512,
                              ealArguments: ["--log-level=notice", "--no-telemetry"], ports: devices)
        let maxMTU = bench.config.ports.map(\.mtu).max() ?? 1500
        let plan = DPDKRuntime.plan(descriptors: deviceCount * 2048, lcores: options.lcores, ports: deviceCount, maxFrame: maxMTU + 22)
        let runtime = try DPDKRuntime(config: dpdk, plan: plan, logger: logger)
        defer { runtime.shutdown() }

        // Lcore k forwards between devices k*portsPerLcore ..< (k+1)*portsPerLcore, as logical ports 0 ..< portsPerLcore.
        var ports: [[DPDKPort]] = []
        var sources: [BenchSource] = []
        var handles: [BenchSource.Attachment] = []
        var lcoreOfSource: [Int] = []
        defer {
            for handle in handles { handle.detach() }
            for lcorePorts in ports { for p in lcorePorts { PortSetup.stop(p); PortSetup.close(p) } }
            // The callbacks may still be referenced by the (stopped) ports until they close.
            for s in sources { s.free() }
        }
        for k in 0..<options.lcores {
            var mine: [DPDKPort] = []
            for logical in 0..<portsPerLcore {
                let device = devices[k * portsPerLcore + logical]
                let name = bench.config.ports[logical].name
                let port = try PortSetup.open(logical: logical, logicalName: name, device: device,
                                              lcores: 1, rxDescriptors: 1024, txDescriptors: 1024, pool: runtime.pool)
                mine.append(port)
                guard let source = BenchSource(template: bench.template) else {
                    throw BenchError("the template of \(bench.name) (\(bench.template.count) bytes) does not fit the source")
                }
                sources.append(source)
                lcoreOfSource.append(k)
                source.setAllocate(options.allocateInSource)
                guard source.setFlows(bench.flows, portOffset: bench.flowPortOffset) else {
                    throw BenchError("case \(bench.name): \(bench.flows) flows at byte \(bench.flowPortOffset) do not fit the source")
                }
                do { handles.append(try source.attach(port: port.id, queue: 0)) } catch {
                    throw BenchError("cannot add the traffic source as an RX callback on \(device.name): \(error)")
                }
            }
            ports.append(mine)
        }
        if options.device == "net_ring" {
            do { try PortSetup.seedLoopback(ports.flatMap { $0 }, template: bench.template, count: seedPerPort, pool: runtime.pool) } catch {
                throw BenchError("\(error)")
            }
        }

        let workers = ports.map { LcoreWorker(index: 0, tables: tables, ports: $0) }
        StopSignal.install()
        let windows = Windows(count: windowCount, lcores: options.lcores, sources: sources, lcoreOfSource: lcoreOfSource)
        let warmup = options.warmup, slice = options.seconds / Double(windowCount)
        AllocationCounter.count(true)
        let timer = Thread {
            usleep(UInt32(warmup * 1_000_000))
            for b in 0...windows.count {
                if b > 0 { usleep(UInt32(slice * 1_000_000)) }
                windows.read(boundary: b)
            }
            StopSignal.request()
            windows.done.signal()
        }
        timer.start()
        var launched: [UInt32] = []
        for k in 1..<max(1, options.lcores) where k < workers.count {
            guard workers[k].launch(on: UInt32(k)) else {
                StopSignal.request()
                for lcore in launched { LcoreWorker.wait(lcore: lcore) }
                windows.done.wait()
                throw BenchError("could not launch the forwarding loop on lcore \(k)")
            }
            launched.append(UInt32(k))
        }
        workers[0].run()
        for lcore in launched { LcoreWorker.wait(lcore: lcore) }
        windows.done.wait()
        AllocationCounter.count(false)

        // Every packet of the window must have been forwarded, not dropped.
        var drops: UInt64 = 0, forwarded: UInt64 = 0, refused: UInt64 = 0
        for w in workers {
            let c = w.pipeline.counters
            drops &+= c.totalDrops
            forwarded &+= c.txPackets.reduce(0, &+)
            refused &+= w.stats.txRefused.reduce(0, &+)
        }
        let hz = Double(TSC.hz)
        let n = options.lcores
        struct Measured { var mpps: Double; var perLcore: [Double]; var cycles: Double; var source: Double; var gross: Double; var packets: Double }
        var measured: [Measured] = []
        for w in 0..<windows.count {
            let span = Double(windows.tsc[w + 1] &- windows.tsc[w])
            let packets = Double(windows.packets(w + 1) &- windows.packets(w))
            guard packets > 0, span > 0 else { throw BenchError("no packet was received in window \(w + 1)") }
            let source = Double(windows.sourceCycles(w + 1) &- windows.sourceCycles(w))
            // Throughput without the source: each lcore's packets over its cycles less the source's.
            var perLcore: [Double] = []
            for k in 0..<n {
                let p = Double(windows.packets[(w + 1) * n + k] &- windows.packets[w * n + k])
                let s = Double(windows.sourceCycles[(w + 1) * n + k] &- windows.sourceCycles[w * n + k])
                perLcore.append(span > s ? p * hz / (span - s) / 1e6 : 0)
            }
            measured.append(Measured(mpps: perLcore.reduce(0, +), perLcore: perLcore, cycles: (span * Double(n) - source) / packets,
                                     source: source / packets, gross: packets / (span / hz) / 1e6, packets: packets))
        }
        let median = measured.sorted { $0.mpps < $1.mpps }[windows.count / 2]
        let packets = Double(windows.packets(windows.count) &- windows.packets(0))
        let allocations = windows.allocations[windows.count] &- windows.allocations[0]
        return [
            "case": bench.name, "device": options.device, "lcores": options.lcores,
            "summary": bench.summary, "template_bytes": bench.template.count, "frame_size": options.frameSize,
            "packets": Int(packets), "seconds": Double(windows.tsc[windows.count] &- windows.tsc[0]) / hz, "tsc_hz": Int(hz),
            "mpps": median.mpps, "mpps_per_lcore": median.perLcore, "mpps_windows": measured.map(\.mpps),
            "gross_mpps": median.gross,
            "cycles_per_packet": median.cycles,
            "source_cycles_per_packet": median.source,
            "allocations": Int(allocations), "allocations_per_packet": Double(allocations) / packets,
            "dropped": Int(drops), "forwarded": Int(forwarded), "tx_refused": Int(refused),
            "self_check_allocating_source": options.allocateInSource,
        ]
    }
}
