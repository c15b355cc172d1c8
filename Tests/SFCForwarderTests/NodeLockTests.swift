// One running forwarder per node and per interface: the second is refused
// with a message naming the first, a refusal leaves nothing locked, and a
// holder that dies in any way (SIGKILL included) leaves no stale lock.
import Foundation
import SFCCore
import SFCForwarder
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct NodeLockTests {
    func directory(_ tag: String) -> String {
        let dir = NSTemporaryDirectory() + "sfc-node-lock-\(getpid())-\(tag)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    /// A lock just released can stay held for a moment by a child process
    /// another test's thread is spawning: until the child execs (when
    /// O_CLOEXEC closes it) it holds a copy of the descriptor, and so the
    /// flock. Seen under ThreadSanitizer, whose spawns are slow. So a lock
    /// that must be free again gets up to 10 s to become free.
    func takeOnceFree(node: String, interfaces: [String], config: String, directory: String) throws -> NodeLock {
        var attempt = 0
        while true {
            do { return try NodeLock(node: node, interfaces: interfaces, config: config, dataplane: "xdp", directory: directory) } catch {
                attempt += 1
                if attempt >= 200 { throw error }
                usleep(50_000)
            }
        }
    }

    @Test func aSecondForwarderOfTheNodeOrOnItsInterfaceIsRefusedNamingTheFirst() throws {
        let dir = directory("refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try NodeLock(node: "edge-1", interfaces: ["eth9", "eth8"], config: "/etc/sfc/edge.yaml", dataplane: "xdp", directory: dir)
        do {
            _ = try NodeLock(node: "edge-1", interfaces: [], config: "other.yaml", dataplane: "dpdk", directory: dir)
            Issue.record("a second edge-1 was allowed")
        } catch let error as NodeLockError {
            #expect(error.description.hasPrefix("node edge-1 is already running (pid \(getpid()), node edge-1, config /etc/sfc/edge.yaml, xdp, since 20"),
                    "\(error)")
        }
        do {
            _ = try NodeLock(node: "edge-2", interfaces: ["eth7", "eth8"], config: "b.yaml", dataplane: "xdp", directory: dir)
            Issue.record("a second node on eth8 was allowed")
        } catch let error as NodeLockError {
            #expect(error.description.hasPrefix("interface eth8 is already in use by another forwarder (pid \(getpid()), node edge-1"), "\(error)")
        }
        // The refused edge-2 released what it had taken (its node lock, eth7).
        let third = try takeOnceFree(node: "edge-2", interfaces: ["eth7"], config: "b.yaml", directory: dir)
        third.release()
        // Once the first is gone, its node and interfaces are free.
        first.release()
        let again = try takeOnceFree(node: "edge-1", interfaces: ["eth9", "eth8"], config: "c.yaml", directory: dir)
        again.release()
    }

    @Test func aHolderKilledWithSIGKILLLeavesNoStaleLock() throws {
        let dir = directory("kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setUp = try NodeLock(node: "edge-9", interfaces: [], config: "x.yaml", dataplane: "xdp", directory: dir)
        setUp.release()
        // Another process takes the very lock file (util-linux flock), then dies by SIGKILL.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", "--no-fork", dir + "/edge-9.lock", "sleep", "60"]  // one process holds it
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        var refused = false
        for _ in 0..<200 where !refused {  // until the holder has it (bounded: 20 s)
            do { try NodeLock(node: "edge-9", interfaces: [], config: "x.yaml", dataplane: "xdp", directory: dir).release() } catch {
                refused = true
            }
            if !refused { usleep(100_000) }
        }
        #expect(refused, "the holder never took the lock")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let after = try takeOnceFree(node: "edge-9", interfaces: [], config: "x.yaml", directory: dir)
        after.release()
    }

    @Test func theKernelInterfaceOfADPDKDevice() {
        let devices = ["net_af_packet0,iface=client,blocksz=4096", "net_null0", "net_af_xdp1,iface=eth2", "0000:01:00.0"]
        #expect(devices.map { DPDKPortConfig(device: $0).kernelInterface } == ["client", nil, "eth2", nil])
    }
}
