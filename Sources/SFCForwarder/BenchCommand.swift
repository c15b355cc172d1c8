// sfc-forwarder bench: one measurement of the DPDK forwarding loop, run by
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
// allocation counter, after a warm-up.
import CDPDK
import Foundation
import Logging
import SFCCore
import SFCDPDK
import SFCTrace

public struct BenchOptions: Sendable {
    public var caseName: String
    /// net_null or net_ring.
    public var device: String
    public var lcores: Int
    public var warmup: Double
    public var seconds: Double
    /// Self-check: the source also mallocs once per packet.
    public var allocateInSource: Bool
    public init(caseName: String, device: String, lcores: Int, warmup: Double = 0.5, seconds: Double = 2,
                allocateInSource: Bool = false) {
        self.caseName = caseName; self.device = device; self.lcores = lcores; self.warmup = warmup
        self.seconds = seconds; self.allocateInSource = allocateInSource
    }
}

public enum BenchCommand {
    /// Packets per port seeded into a net_ring loopback (one burst, as testpmd --tx-first).
    static let seedPerPort = 32

    public static func run(_ options: BenchOptions, logger: Logger) -> CommandResult {
        do {
            let object = try measure(options, logger: logger)
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
        } catch {
            return CommandResult(stderr: "bench: \(error)", exitCode: 1)
        }
    }

    /// Counts allocations made on purpose from Swift, with counting on, and with it off.
    public static func selfCheckSwift() -> (counted: UInt64, made: Int, countedWhileOff: UInt64) {
        let made = 1_000
        var keep = 0
        sfc_bench_count_allocations(1)
        let before = sfc_bench_allocations()
        for i in 0..<made {
            let array = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 64 + i)
            keep &+= array.count
        }
        let counted = sfc_bench_allocations() - before
        sfc_bench_count_allocations(0)
        let off = sfc_bench_allocations()
        for i in 0..<made { keep &+= [UInt8](repeating: 1, count: 64 + i).count }
        let countedWhileOff = sfc_bench_allocations() - off
        if keep == 42 { print("") }  // keeps the arrays observable
        return (counted, made, countedWhileOff)
    }

    /// What the timer thread reads at each end of the window.
    struct Snapshot {
        var tsc: UInt64 = 0
        var packets: UInt64 = 0
        var sourceCycles: UInt64 = 0
        var allocations: UInt64 = 0
    }

    final class Window: @unchecked Sendable {
        var sources: [OpaquePointer] = []
        var start = Snapshot()
        var end = Snapshot()
        var perLcoreStart: [UInt64] = []
        var perLcoreEnd: [UInt64] = []
        var perLcoreSourceStart: [UInt64] = []
        var perLcoreSourceEnd: [UInt64] = []
        let done = DispatchSemaphore(value: 0)
        var lcoreOfSource: [Int] = []
        var lcores = 1

        /// Reads everything without allocating (the allocation count is read last at
        /// the start of the window and first at its end, so this thread's own work
        /// falls outside it).
        func read(into snapshot: inout Snapshot, packets: inout [UInt64], cycles: inout [UInt64], allocationsFirst: Bool) {
            if allocationsFirst { snapshot.allocations = sfc_bench_allocations() }
            snapshot.tsc = sfc_dpdk_tsc()
            var p: UInt64 = 0, c: UInt64 = 0
            for k in 0..<lcores { packets[k] = 0; cycles[k] = 0 }
            for (i, s) in sources.enumerated() {
                let sp = sfc_bench_source_packets(s), sc = sfc_bench_source_cycles(s)
                p &+= sp; c &+= sc
                packets[lcoreOfSource[i]] &+= sp; cycles[lcoreOfSource[i]] &+= sc
            }
            snapshot.packets = p
            snapshot.sourceCycles = c
            if !allocationsFirst { snapshot.allocations = sfc_bench_allocations() }
        }
    }

    static func measure(_ options: BenchOptions, logger: Logger) throws -> [String: Any] {
        guard options.device == "net_null" || options.device == "net_ring" else {
            throw BenchError("--device \(options.device): net_null or net_ring")
        }
        guard options.lcores >= 1 else { throw BenchError("--lcores must be at least 1") }
        let bench = try BenchCase.make(options.caseName)
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
        var sources: [OpaquePointer] = []
        var handles: [(UInt16, UnsafeRawPointer)] = []
        let window = Window()
        window.lcores = options.lcores
        defer {
            for (port, handle) in handles { _ = sfc_bench_source_detach(port, 0, handle) }
            for lcorePorts in ports { for p in lcorePorts { PortSetup.stop(p); PortSetup.close(p) } }
            // The callbacks may still be referenced by the (stopped) ports until they close.
            for s in sources { sfc_bench_source_free(s) }
        }
        for k in 0..<options.lcores {
            var mine: [DPDKPort] = []
            for logical in 0..<portsPerLcore {
                let device = devices[k * portsPerLcore + logical]
                let name = bench.config.ports[logical].name
                let (id, info) = try PortSetup.lookup(logical: logical, logicalName: name, device: device)
                let port = try PortSetup.configure(logical: logical, logicalName: name, deviceName: device.name, id: id, info: info,
                                                   lcores: 1, rxDescriptors: 1024, txDescriptors: 1024, pool: runtime.pool)
                mine.append(port)
                guard let source = bench.template.withUnsafeBufferPointer({ sfc_bench_source_create($0.baseAddress, UInt16($0.count)) }) else {
                    throw BenchError("the template of \(bench.name) (\(bench.template.count) bytes) does not fit the source")
                }
                sources.append(source)
                window.lcoreOfSource.append(k)
                sfc_bench_source_set_allocate(source, options.allocateInSource ? 1 : 0)
                guard let handle = sfc_bench_source_attach(port.id, 0, source) else {
                    throw BenchError("cannot add the traffic source as an RX callback on \(device.name): "
                                     + String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))
                }
                handles.append((port.id, handle))
            }
            ports.append(mine)
        }
        window.sources = sources
        if options.device == "net_ring" { try seed(ports: ports.flatMap { $0 }, template: bench.template, pool: runtime.pool) }

        let workers = ports.map { LcoreWorker(index: 0, tables: tables, ports: $0) }
        StopSignal.install()
        // Four distinct buffers: a shared one would be copied (allocated) on first write, inside the window.
        window.perLcoreStart = Array(repeating: 0, count: options.lcores)
        window.perLcoreEnd = Array(repeating: 0, count: options.lcores)
        window.perLcoreSourceStart = Array(repeating: 0, count: options.lcores)
        window.perLcoreSourceEnd = Array(repeating: 0, count: options.lcores)
        let warmup = options.warmup, seconds = options.seconds
        sfc_bench_count_allocations(1)
        let timer = Thread {
            usleep(UInt32(warmup * 1_000_000))
            window.read(into: &window.start, packets: &window.perLcoreStart, cycles: &window.perLcoreSourceStart, allocationsFirst: false)
            usleep(UInt32(seconds * 1_000_000))
            window.read(into: &window.end, packets: &window.perLcoreEnd, cycles: &window.perLcoreSourceEnd, allocationsFirst: true)
            StopSignal.request()
            window.done.signal()
        }
        timer.start()
        let entry: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { arg in
            Unmanaged<LcoreWorker>.fromOpaque(arg!).takeUnretainedValue().run()
            return 0
        }
        var launched: [UInt32] = []
        for k in 1..<max(1, options.lcores) where k < workers.count {
            guard sfc_dpdk_lcore_launch(entry, Unmanaged.passUnretained(workers[k]).toOpaque(), UInt32(k)) == 0 else {
                StopSignal.request()
                for lcore in launched { _ = sfc_dpdk_lcore_wait(lcore) }
                window.done.wait()
                throw BenchError("could not launch the forwarding loop on lcore \(k)")
            }
            launched.append(UInt32(k))
        }
        workers[0].run()
        for lcore in launched { _ = sfc_dpdk_lcore_wait(lcore) }
        window.done.wait()
        sfc_bench_count_allocations(0)

        // Every packet of the window must have been forwarded, not dropped.
        var drops: UInt64 = 0, forwarded: UInt64 = 0, refused: UInt64 = 0
        for w in workers {
            let c = w.pipeline.counters
            drops &+= c.totalDrops
            forwarded &+= c.txPackets.reduce(0, &+)
            refused &+= w.stats.txRefused.reduce(0, &+)
        }
        let hz = Double(sfc_dpdk_tsc_hz())
        let packets = Double(window.end.packets &- window.start.packets)
        guard packets > 0 else { throw BenchError("no packet was received in the window") }
        let windowCycles = Double(window.end.tsc &- window.start.tsc)
        let sourceCycles = Double(window.end.sourceCycles &- window.start.sourceCycles)
        let lcoreCycles = windowCycles * Double(options.lcores)
        let forwarderCycles = lcoreCycles - sourceCycles
        // Throughput without the source: each lcore's packets over its cycles less the source's.
        var mpps = 0.0
        var perLcore: [Double] = []
        for k in 0..<options.lcores {
            let p = Double(window.perLcoreEnd[k] &- window.perLcoreStart[k])
            let s = Double(window.perLcoreSourceEnd[k] &- window.perLcoreSourceStart[k])
            let rate = windowCycles > s ? p * hz / (windowCycles - s) / 1e6 : 0
            perLcore.append(rate)
            mpps += rate
        }
        let allocations = window.end.allocations &- window.start.allocations
        return [
            "case": bench.name, "device": options.device, "lcores": options.lcores,
            "summary": bench.summary, "template_bytes": bench.template.count,
            "packets": Int(packets), "seconds": windowCycles / hz, "tsc_hz": Int(hz),
            "mpps": mpps, "mpps_per_lcore": perLcore,
            "gross_mpps": packets / (windowCycles / hz) / 1e6,
            "cycles_per_packet": forwarderCycles / packets,
            "source_cycles_per_packet": sourceCycles / packets,
            "allocations": Int(allocations), "allocations_per_packet": Double(allocations) / packets,
            "dropped": Int(drops), "forwarded": Int(forwarded), "tx_refused": Int(refused),
            "self_check_allocating_source": options.allocateInSource,
        ]
    }

    /// Puts one burst of template packets on each loopback port (they come back
    /// on its RX queue), as testpmd's --tx-first does.
    static func seed(ports: [DPDKPort], template: [UInt8], pool: Mempool) throws {
        let burst = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: seedPerPort)
        defer { burst.deallocate() }
        for p in ports {
            for i in 0..<seedPerPort {
                guard let m = sfc_dpdk_pktmbuf_alloc(pool.pointer),
                      let data = sfc_dpdk_pktmbuf_append(m, UInt16(template.count)) else {
                    throw BenchError("mbuf pool exhausted while seeding \(p.deviceName)")
                }
                template.withUnsafeBytes { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: template.count) }
                burst[i] = m
            }
            let sent = Int(sfc_dpdk_tx_burst(p.id, 0, burst, UInt16(seedPerPort)))
            if sent < seedPerPort { sfc_dpdk_pktmbuf_free_bulk(burst + sent, UInt32(seedPerPort - sent)) }
        }
    }
}
