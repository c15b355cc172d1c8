// The daemon's liveness decisions with probes that really cross the
// reference pipeline: a driver whose "function" sends a probe back (when the
// instance is alive) onto the port it left on, where the pipeline must
// recognise and consume it. Misses in a row take an instance down, rise
// good probes bring it back, a negative heartbeat seen back takes it down,
// an operator's state holds until set up, and every change reaches the
// dataplane in place (setInstances), not as a reload.
import Foundation
import Logging
import SFCConfig
import SFCControl
import SFCCore
import Testing
@testable import SFCDaemon

final class ProbeLoopDriver: DataplaneDriver, @unchecked Sendable {
    private(set) var tables: ForwardingTables
    let pipeline: Pipeline
    /// Does the function pass probes? Does it also pass what it must drop?
    var passes = true
    var failedOpen = false
    /// The dataplane refuses probes (no buffer, no interface).
    var refusesProbes = false
    private(set) var updates: [(Int, [InstanceState])] = []
    private(set) var applied = 0

    init(_ config: CompiledConfig) {
        tables = ForwardingTables(config)
        pipeline = Pipeline(tables: tables)
    }
    var kind: String { "reference" }
    func apply(_ config: CompiledConfig, generation: UInt64, liveness: InstanceLiveness) throws {
        tables = ForwardingTables(config, generation: generation, liveness: liveness)
        applied += 1
    }
    func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        updates.append((f, states))
        pipeline.live.set(function: f, selector: selector, states: states)
    }
    func sendProbe(port: Int, frame: [UInt8]) -> Bool {
        if refusesProbes { return false }
        // The negative heartbeat is TCP (see the chain below).
        let isNegative = frame.count > 23 && frame[23] == IPProtocolNumber.tcp
        if passes && (!isNegative || failedOpen) { _ = pipeline.process(frame, ingress: port) }
        return true
    }
    func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) { pipeline.shared.probes.reply(token: token) }
    func counters() throws -> Counters { pipeline.counters }
    func ports() -> [PortStatus] { [] }
    func workers() -> [WorkerStatus] { [] }
    func tick(logger: Logger) {}
    func armTrace(_ filter: TraceFilter, count: Int) throws {}
    func drainTrace() -> [TraceRecord] { [] }
    func disarmTrace() {}
    var traceRecordsDropped: UInt64 { 0 }
}

@Suite struct LivenessTests {
    static let chain = """
        node: {name: live-test}
        ports:
          - {name: client, mac: "02:00:00:00:00:01", mtu: 1500}
          - {name: server, mac: "02:00:00:00:00:02", mtu: 1500}
          - {name: fw-a, mac: "02:00:00:00:00:03", mtu: 1500}
          - {name: fw-b, mac: "02:00:00:00:00:04", mtu: 1500}
        functions:
          - name: firewall
            kind: nsh-unaware
            health:
              interval: 10ms
              misses: 3
              rise: 2
              probe: {protocol: icmp, source: 10.0.1.250, destination: 10.0.2.250}
              negative: {protocol: tcp, source: 10.0.1.250, destination: 10.0.2.250, destination-port: 23}
            instances:
              - {name: fw-1, port: fw-a, mac: "02:00:00:00:03:01"}
              - {name: fw-2, port: fw-b, mac: "02:00:00:00:04:01"}
        chains:
          - {name: c2s, spi: 10, encapsulation: nsh, hops: [firewall], end: {port: server, mac: "02:00:00:00:02:01"}}
        rules:
          - {name: c2s, chain: c2s, ingress: client}
        """

    func daemon() throws -> (NodeDaemon, ProbeLoopDriver) {
        let (config, diagnostics) = ChainFile.parse(text: Self.chain, file: "live.yaml")
        let compiled = try #require(config, "\(diagnostics.map(\.rendered))")
        let driver = ProbeLoopDriver(compiled)
        let d = NodeDaemon(configPath: "/nonexistent/live.yaml", text: Self.chain, config: compiled, driver: driver,
                           logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return (d, driver)
    }

    /// `n` probe rounds, 10 ms apart in the daemon's clock.
    func rounds(_ d: NodeDaemon, _ driver: ProbeLoopDriver, _ n: Int, from start: inout Date) -> Int {
        let before = driver.updates.count
        for _ in 0..<n {
            start = start.addingTimeInterval(0.0101)
            d.probeOnce(now: start)
        }
        return driver.updates.count - before
    }

    func state(_ d: NodeDaemon, _ instance: String) -> InstanceState? {
        d.liveness.trackers[.init(function: "firewall", instance: instance)]?.effective
    }

    @Test func missesTakeItDownAndRiseBringsItBack() throws {
        let (d, driver) = try daemon()
        var now = Date()
        _ = rounds(d, driver, 5, from: &now)
        #expect(state(d, "fw-1") == .up && state(d, "fw-2") == .up)
        #expect(driver.pipeline.counters.events(.probeReply) >= 8)
        driver.passes = false
        // The probe of round 1 is judged in round 2: misses 3 -> down at the
        // 4th round after the failure (misses x interval + one interval).
        _ = rounds(d, driver, 3, from: &now)
        #expect(state(d, "fw-1") == .up)
        #expect(rounds(d, driver, 1, from: &now) == 1)
        #expect(state(d, "fw-1") == .down && state(d, "fw-2") == .down)
        driver.passes = true
        _ = rounds(d, driver, 2, from: &now)
        #expect(state(d, "fw-1") == .down)
        _ = rounds(d, driver, 1, from: &now)
        #expect(state(d, "fw-1") == .up)
        // Every change went in place; none was a reload.
        #expect(driver.applied == 0)
        #expect(driver.updates.map(\.1) == [[.down, .down], [.up, .up]])
        // The dataplane then sends the flows of both again to both.
        #expect(Set(driver.pipeline.live.bucketTable(function: 0)) == [0, 1])
    }

    @Test func negativeHeartbeatTakesItDown() throws {
        let (d, driver) = try daemon()
        var now = Date()
        _ = rounds(d, driver, 3, from: &now)
        driver.failedOpen = true
        _ = rounds(d, driver, 2, from: &now)
        #expect(state(d, "fw-1") == .down)
        #expect(d.liveness.trackers[.init(function: "firewall", instance: "fw-1")]?.reason.contains("negative") == true)
    }

    /// On XDP the replies map may be pinned from an earlier run: what it
    /// holds (a sequence this run will send again, a negative heartbeat's
    /// count) is not taken as this run's replies.
    @Test func repliesLeftByAnEarlierRunAreNotThisRunsReplies() throws {
        let (d, driver) = try daemon()
        let t = try #require(d.liveness.trackers[.init(function: "firewall", instance: "fw-1")])
        let negative = try #require(t.negativeToken)
        let tables = driver.tables
        for (token, tuple) in [(t.token, tables.functions[0].config.health!.probe), (negative, tables.functions[0].config.health!.negative!)] {
            for sequence in 1...3 as ClosedRange<UInt32> {
                let frame = try #require(ProbeFrames.frame(tables, function: 0, instance: 0, tuple: tuple, token: token, sequence: sequence))
                _ = driver.pipeline.process(frame.bytes, ingress: frame.port)
            }
        }
        #expect(driver.probeReply(token: Int(negative)).count == 3)
        driver.passes = false  // the instance is dead in this run
        var now = Date()
        _ = rounds(d, driver, 4, from: &now)
        let after = try #require(d.liveness.trackers[.init(function: "firewall", instance: "fw-1")])
        #expect(after.effective == .down)
        #expect(after.reason.hasPrefix("3 probes missed; none has come back since the daemon started: does the function pass icmp 10.0.1.250 -> 10.0.2.250"), "\(after.reason)")
    }

    /// A probe the dataplane cannot send proves nothing: it counts as missed.
    @Test func probesThatCannotBeSentCountAsMissed() throws {
        let (d, driver) = try daemon()
        var now = Date()
        _ = rounds(d, driver, 3, from: &now)
        driver.refusesProbes = true
        _ = rounds(d, driver, 4, from: &now)
        let t = try #require(d.liveness.trackers[.init(function: "firewall", instance: "fw-1")])
        #expect(t.effective == .down && t.reason == "3 probes missed", "\(t.effective) \(t.reason)")
        #expect(t.sendFailures == 4)
    }

    @Test func operatorStatesHoldAndBadRequestsAreRefused() throws {
        let (d, driver) = try daemon()
        var now = Date()
        _ = rounds(d, driver, 3, from: &now)
        let o = try d.setInstance(function: "firewall", instance: "fw-2", state: .drain, weight: nil)
        #expect(o["state"] as? String == "drain")
        #expect(driver.updates.last?.1 == [.up, .drain])
        _ = rounds(d, driver, 5, from: &now)
        #expect(state(d, "fw-2") == .drain)
        _ = try d.setInstance(function: "firewall", instance: "fw-2", state: .up, weight: 4)
        #expect(state(d, "fw-2") == .up)
        #expect(d.liveness.liveness.entry(function: "firewall", instance: "fw-2").weight == 4)
        #expect(throws: ControlError.self) { _ = try d.setInstance(function: "nope", instance: "fw-2", state: .down, weight: nil) }
        #expect(throws: ControlError.self) { _ = try d.setInstance(function: "firewall", instance: "fw-9", state: .down, weight: nil) }
        #expect(throws: ControlError.self) { _ = try d.setInstance(function: "firewall", instance: "fw-1", state: nil, weight: 0) }
        #expect(throws: ControlError.self) { _ = try d.setInstance(function: "firewall", instance: "fw-1", state: nil, weight: nil) }
        // The instances answer shows the state, reason and probes.
        let functions = d.instances()["functions"] as? [[String: Any]] ?? []
        let fw2 = (functions.first?["instances"] as? [[String: Any]])?.first { $0["name"] as? String == "fw-2" }
        #expect(fw2?["weight"] as? Int == 4)
        #expect(fw2?["probed"] as? Bool == true)
    }
}
