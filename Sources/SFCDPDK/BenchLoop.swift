// What sfc-bench needs of DPDK and the forwarder does not (shim_bench.c,
// cdpdk_bench.h): a synthetic traffic source on an RX queue, a count of
// heap allocations, the TSC, loopback seeding and launching a worker on an
// lcore. Thin wrappers, so the benchmark reaches C only through SFCDPDK.
import CDPDK
import Foundation
import SFCCore

/// Every malloc / calloc / realloc / aligned allocation in the process, on any thread, while on.
public enum AllocationCounter {
    public static func count(_ on: Bool) { sfc_bench_count_allocations(on ? 1 : 0) }
    /// Does not allocate: safe to read while counting.
    public static var value: UInt64 { sfc_bench_allocations() }
}

public enum TSC {
    public static var now: UInt64 { sfc_dpdk_tsc() }
    public static var hz: UInt64 { sfc_dpdk_tsc_hz() }
}

/// A source that writes one template packet into every mbuf an RX queue
/// returns (an RX callback), counting the packets and the TSC cycles it
/// spends. Freed explicitly, after the ports it was attached to are closed.
public final class BenchSource: @unchecked Sendable {
    let pointer: OpaquePointer

    /// nil when the template is longer than the source can hold.
    public init?(template: [UInt8]) {
        guard let p = template.withUnsafeBufferPointer({ sfc_bench_source_create($0.baseAddress, UInt16($0.count)) }) else { return nil }
        pointer = p
    }

    /// Self-check only: also malloc and free once per packet.
    public func setAllocate(_ on: Bool) { sfc_bench_source_set_allocate(pointer, on ? 1 : 0) }

    /// Packet k gets source port 1024 + k % `flows` at byte `portOffset`. False when that does not fit.
    public func setFlows(_ flows: Int, portOffset: Int) -> Bool {
        guard flows >= 1, flows <= 65_536 - 1024, portOffset >= 0, portOffset <= Int(UInt16.max) else { return false }
        return sfc_bench_source_set_flows(pointer, UInt32(flows), UInt16(portOffset)) == 0
    }

    /// Installs the source on (port, queue); the handle detaches it. The error is DPDK's errno, as text.
    public func attach(port: UInt16, queue: UInt16) throws -> Attachment {
        guard let handle = sfc_bench_source_attach(port, queue, pointer) else {
            throw DPDKError(.portSetup, String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))
        }
        return Attachment(port: port, queue: queue, handle: handle)
    }

    public struct Attachment: @unchecked Sendable {
        let port: UInt16, queue: UInt16, handle: UnsafeRawPointer
        public func detach() { _ = sfc_bench_source_detach(port, queue, handle) }
    }

    public var packets: UInt64 { sfc_bench_source_packets(pointer) }
    public var cycles: UInt64 { sfc_bench_source_cycles(pointer) }

    public func free() { sfc_bench_source_free(pointer) }
}

extension PortSetup {
    /// lookup, then configure with `lcores` queue pairs.
    public static func open(logical: Int, logicalName: String, device: DPDKPortConfig, lcores: Int,
                            rxDescriptors: Int, txDescriptors: Int, pool: Mempool) throws -> DPDKPort {
        let (id, info) = try lookup(logical: logical, logicalName: logicalName, device: device)
        return try configure(logical: logical, logicalName: logicalName, deviceName: device.name, id: id, info: info,
                             lcores: lcores, rxDescriptors: rxDescriptors, txDescriptors: txDescriptors, pool: pool)
    }

    /// Sends `count` copies of `template` on queue 0 of each loopback port
    /// (they come back on its RX queue), as testpmd's --tx-first does.
    public static func seedLoopback(_ ports: [DPDKPort], template: [UInt8], count: Int, pool: Mempool) throws {
        let burst = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: count)
        defer { burst.deallocate() }
        for p in ports {
            for i in 0..<count {
                guard let m = sfc_dpdk_pktmbuf_alloc(pool.pointer),
                      let data = sfc_dpdk_pktmbuf_append(m, UInt16(template.count)) else {
                    throw DPDKError(.mempool, "mbuf pool exhausted while seeding \(p.deviceName)")
                }
                template.withUnsafeBytes { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: template.count) }
                burst[i] = m
            }
            let sent = Int(sfc_dpdk_tx_burst(p.id, 0, burst, UInt16(count)))
            if sent < count { sfc_dpdk_pktmbuf_free_bulk(burst + sent, UInt32(count - sent)) }
        }
    }
}

extension LcoreWorker {
    /// Runs `run()` on a worker lcore; false if EAL could not launch it.
    public func launch(on lcore: UInt32) -> Bool {
        let entry: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { arg in
            Unmanaged<LcoreWorker>.fromOpaque(arg!).takeUnretainedValue().run()
            return 0
        }
        return sfc_dpdk_lcore_launch(entry, Unmanaged.passUnretained(self).toOpaque(), lcore) == 0
    }

    /// Waits for what `launch(on:)` started on `lcore`.
    public static func wait(lcore: UInt32) { _ = sfc_dpdk_lcore_wait(lcore) }
}

/// A test hook: holds the lcore polling (port, queue) inside rx_burst, in
/// the middle of a poll, from `hold()` until `release()` (shim_bench.c).
public final class RXGate: @unchecked Sendable {
    let cell: UnsafeMutablePointer<Int32>
    let port: UInt16, queue: UInt16
    let handle: UnsafeRawPointer

    public init(port: DPDKPort, queue: UInt16 = 0) throws {
        cell = .allocate(capacity: 16)
        cell.initialize(repeating: 0, count: 16)
        guard let handle = sfc_bench_gate_attach(port.id, queue, cell) else {
            cell.deallocate()
            throw DPDKError(.portSetup, String(cString: sfc_dpdk_strerror(sfc_dpdk_errno())))
        }
        self.port = port.id; self.queue = queue; self.handle = handle
    }

    /// Returns once the lcore is held (false if it was not within `seconds`).
    public func hold(within seconds: Double = 30) -> Bool {
        sfc_atomic_store_i32_release(cell, 1)
        let deadline = Date().addingTimeInterval(seconds)
        while sfc_atomic_load_i32_acquire(cell) != 2 {
            if Date() > deadline { return false }
            usleep(100)
        }
        return true
    }

    public func release() { sfc_atomic_store_i32_release(cell, 0) }

    /// Detaches the callback; the cell stays allocated, since DPDK does not
    /// say when an lcore last ran a removed callback.
    public func remove() {
        release()
        _ = sfc_bench_gate_detach(port, queue, handle)
    }
}
