// Counters across reloads on XDP: 50 updates alternating
// Tests/Fixtures/reload/xdp-a.yaml and xdp-b.yaml (they differ in a rule, a
// chain's hops and an instance's weight, and B lacks a chain and two
// functions), with packets run between updates and, from another thread,
// during them. After every update the XDP counters equal the reference
// pipeline's counts of the same packets, generation by generation, carried
// by name the same way (Counters.carried); the packets run during updates
// (unclassified, so they only touch the ingress port's rx and one drop
// reason, whichever generation they meet) are added exactly.
import Foundation
import SFCConfig
import SFCCore
@testable import SFCFixtures
import SFCXDP
import Testing

@Suite(.serialized) struct ReloadCounterTests {
    static let users = 0

    static func flow(_ config: CompiledConfig, proto: String, sport: UInt16, dport: UInt16, source: String = "10.1.0.5") -> [UInt8] {
        let endpoints = IPEndpoints.v4(IPv4Address(source)!, IPv4Address("198.51.100.7")!)
        let transport: TransportSpec = proto == "udp" ? .udp(sourcePort: sport, destinationPort: dport)
                                                      : .tcp(sourcePort: sport, destinationPort: dport)
        return PacketBuilder.frame(destination: config.ports[users].mac, endpoints: endpoints, transport: transport)
    }

    /// Traffic for every rule of both configurations (web, web-alt on 8080
    /// and 8081, video, mail) over several flows, and unclassified packets.
    static func packets(_ config: CompiledConfig) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for n in 0..<12 {
            let sport = UInt16(40000 + n * 7)
            out.append(flow(config, proto: "tcp", sport: sport, dport: 80))
            out.append(flow(config, proto: "tcp", sport: sport, dport: n % 2 == 0 ? 8080 : 8081))
            out.append(flow(config, proto: "udp", sport: sport, dport: 5004))
            if n % 3 == 0 { out.append(flow(config, proto: "tcp", sport: sport, dport: 25)) }
            if n % 4 == 0 { out.append(flow(config, proto: "udp", sport: sport, dport: 53)) }
        }
        return out
    }

    /// Runs one packet over and over through BPF_PROG_RUN on another
    /// thread, from `start` (which returns once the first one has run)
    /// until `finish`.
    final class Background: @unchecked Sendable {
        private let lock = NSLock()
        private var stop = false
        private var sent = 0
        private var failures: [String] = []
        private let first = DispatchSemaphore(value: 0)
        private let done = DispatchSemaphore(value: 0)

        func start(_ dataplane: XDPDataplane, frame: [UInt8], ingress: Int) {
            nonisolated(unsafe) let dataplane = dataplane
            lock.withLock { stop = false; sent = 0; failures = [] }
            Thread.detachNewThread { [self] in
                var signalled = false
                while !(lock.withLock { stop }) {
                    do {
                        let r = try dataplane.run(frame, ingress: ingress)
                        lock.withLock {
                            sent += 1
                            if r.dropReason != .unclassified { failures.append("\(r)") }
                        }
                    } catch {
                        lock.withLock { failures.append("\(error)") }
                    }
                    if !signalled { signalled = true; first.signal() }
                }
                done.signal()
            }
            first.wait()
        }

        func finish() -> (sent: Int, failures: [String]) {
            lock.withLock { stop = true }
            done.wait()
            return lock.withLock { (sent, failures) }
        }
    }

    @Test func fiftyReloadsAlternatingTwoConfigurationsLoseAndDoubleCountNothing() throws {
        guard XDPTest.requireRoot() else { return }
        let a = try XDPTest.config("Tests/Fixtures/reload/xdp-a.yaml")
        let b = try XDPTest.config("Tests/Fixtures/reload/xdp-b.yaml")
        let dataplane = try XDPDataplane(config: a, generation: 1, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        #expect(dataplane.generation == 1)

        var tables = ForwardingTables(a, generation: 1)
        var pipeline = Pipeline(tables: tables)
        var expected = Counters(tables: tables)  // earlier generations, carried
        // Unclassified in both configurations: counts rx on users and one
        // drop in whichever generation it meets, run during every update.
        let background = Background(), unclassified = Self.flow(a, proto: "udp", sport: 1, dport: 9)
        var duringUpdates: UInt64 = 0

        for round in 0...50 {
            for (i, frame) in Self.packets(tables.config).enumerated() {
                let ref = DifferentialTests.reference(pipeline, CorpusPacket(ingress: Self.users, frame: frame, origin: "\(i)"))
                let got = DifferentialTests.xdp(dataplane, CorpusPacket(ingress: Self.users, frame: frame, origin: "\(i)"))
                #expect(ref == got, "round \(round) packet \(i): reference \(ref), XDP \(got)")
            }
            var now = expected
            now.merge(pipeline.counters)
            var want = now  // and the packets run during updates
            want.rxPackets[Self.users] += duringUpdates
            want.drops[Int(DropReason.unclassified.rawValue)] += duringUpdates
            let got = try dataplane.counters()
            #expect(want == got, "round \(round) (generation \(dataplane.generation)):\n\(Differential.counterDifference(want, got))")
            guard round < 50 else { break }

            let next = round % 2 == 0 ? b : a
            let generation = tables.generation + 1
            background.start(dataplane, frame: unclassified, ingress: Self.users)
            try dataplane.update(next, generation: generation)
            let (sent, failures) = background.finish()
            #expect(failures.isEmpty, "packets during update \(round): \(failures.prefix(3))")
            duringUpdates += UInt64(sent)
            #expect(dataplane.generation == generation)
            let newTables = ForwardingTables(next, generation: generation)
            expected = now.carried(from: tables, to: newTables)
            // The proxy state goes on as on every dataplane's reload (XDP's
            // StateCarry, DPDK's lcores): the NSH proxy's eviction counts
            // depend on what the slots held before.
            let next_ = Pipeline(tables: newTables)
            next_.carryState(from: pipeline, plan: PipelineStateCarry(from: tables, to: newTables))
            tables = newTables
            pipeline = next_
        }
        #expect(duringUpdates >= 50, "at least one packet ran during each update")
        // Packets per CPU: every packet received, whatever its port or generation.
        let final = try dataplane.counters()
        let perCPU = try dataplane.perCPUPackets
        #expect(perCPU.reduce(0, +) == final.rxPackets.reduce(0, +), "per CPU \(perCPU), rx \(final.rxPackets)")
    }
}
