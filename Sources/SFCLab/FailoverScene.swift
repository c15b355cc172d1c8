// The firewall failover scene (`sfc-lab demo --scene failover`, lab
// failover:, docs/DEMO.md): a stateful nftables pair (strict TCP tracking),
// one paced TCP transfer through the active one, whose links go down in the
// middle of it. The forwarder's probes take it out; the flow moves to the
// standby. Twice: with conntrackd (FTFW over a sync veth between the two
// namespaces) the standby has the connection and the transfer completes
// with its checksum; without it the standby drops the flow as invalid.
// Outage: the last sample in which the active instance's counters moved to
// the first in which the standby's did (the forwarder's per-instance
// counters, sampled as fast as the control API answers).
import Foundation
import SFCLabConfig

public struct FailoverSceneResult: Codable, Sendable {
    public struct Round: Codable, Sendable {
        public var conntrackd: Bool
        public var flowOK: Bool
        public var flowError: String?
        public var sent: Int
        public var startedOnActive: Bool
        public var killedAt: Double
        /// The active instances seen down by the forwarder (GET /v1/instances).
        public var detectedAt: Double?
        public var lastOnActive: Double?
        public var firstOnStandby: Double?
        /// Median time between two samples (the resolution of the outage).
        public var sampleStep: Double
        public var standbyInvalid: Int
        public var standbyStates: Int?
        /// The longest wait between two reads at the receiver (a completed transfer only).
        public var receiverMaxGap: Double?
        public var chart: String
        public var svg: String
        /// Links down to the first packet the forwarder sent the standby: packets sent to the
        /// active one after its links went down were lost (its counter still moved: the forwarder sent them).
        public var outage: Double? { firstOnStandby.map { $0 - killedAt } }
    }
    public var active: String
    public var standby: String
    public var rounds: [Round]
    public var blocked: String
    public var checks: [LabReport.Check]
    public var ok: Bool { checks.allSatisfy(\.ok) }

    public var text: String {
        var out = "sfc-lab scene: failover (\(active) killed mid-transfer, \(standby) takes over)\n"
        for r in rounds {
            out += "\n== \(r.conntrackd ? "with conntrackd (FTFW)" : "without conntrackd") ==\n" + r.chart + "chart as SVG: \(r.svg)\n"
            func ms(_ v: Double?) -> String { v.map { String(format: "%.0f ms", $0 * 1000) } ?? "-" }
            out += "  transfer: " + (r.flowOK ? "completed, SHA-256 checked (\(r.sent) bytes)" : "failed: \(r.flowError ?? "?")") + "\n"
            out += "  detection (links down -> \(active) down in the forwarder): \(ms(r.detectedAt.map { $0 - r.killedAt }))\n"
            out += "  outage (links down -> first packet via \(standby)): \(ms(r.outage)) (counters sampled every \(ms(r.sampleStep)); "
                + "the forwarder last sent to \(active) \(ms(r.lastOnActive.map { $0 - r.killedAt })) after its links went down)\n"
            if let gap = r.receiverMaxGap { out += "  the server's longest wait between two reads: \(ms(gap)) (TCP retransmission included)\n" }
            out += "  \(standby): \(r.standbyInvalid) packets dropped as ct state invalid"
                + (r.standbyStates.map { ", \($0) connections in its table before the kill" } ?? "") + "\n"
        }
        out += "\nafter the failover: \(blocked)\n\nchecks:\n"
        for c in checks { out += "  [\(c.ok ? "ok" : "FAIL")] \(c.name): \(c.detail)\n" }
        out += ok ? "result: PASS\n" : "result: FAIL\n"
        return out
    }
}

struct FailoverScene {
    let plan: LabPlan
    let failover: LabDescription.Failover
    let dataplane: Dataplane
    let repositoryRoot: String
    let directory: String
    let reportDirectory: String
    let register: (LabProcess) -> Void
    let log: @Sendable (String) -> Void

    struct Pair { var c2s: [String]; var all: Set<String> }

    func run() throws -> FailoverSceneResult {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: reportDirectory, withIntermediateDirectories: true)
        guard let traffic = plan.lab.traffic, let from = plan.host(traffic.from), let to = plan.host(traffic.to),
              let active = plan.vnf(failover.active), let standby = plan.vnf(failover.standby) else {
            throw LabError("the failover scene needs lab traffic from/to and the pair's vnfs")
        }
        // The sync link, for conntrackd only.
        try Shell.check(["ip", "-n", active.namespace, "link", "add", "sync", "type", "veth", "peer", "name", "sync",
                         "netns", standby.namespace])
        for (vnf, address) in [(active, "192.168.79.1/24"), (standby, "192.168.79.2/24")] {
            try Shell.check(["ip", "-n", vnf.namespace, "addr", "add", address, "dev", "sync"])
            try Shell.check(["ip", "-n", vnf.namespace, "link", "set", "sync", "up"])
        }
        let control = directory + "/control.sock"
        let runner = ForwarderRunner(plan: plan, dataplane: dataplane, repositoryRoot: repositoryRoot, directory: directory, control: control)
        log("starting sfc-forwarder (\(dataplane.rawValue)) with its probes")
        let forwarder = try runner.start()
        register(forwarder)
        defer { _ = forwarder.stop(timeout: 30) }
        let api = ControlClient(socket: control)
        // (function, instance) of each vnf's links.
        func keys(_ vnf: LabPlan.VNFPlan) -> [(String, String)] { vnf.links.map { ($0.link.function, $0.link.instance) } }
        let activeKeys = keys(active), standbyKeys = keys(standby)
        try api.waitForStates(activeKeys + standbyKeys, "up", timeout: 20, what: "every firewall instance up (probes)")

        let script = directory + "/lab_ramp.py"
        try RampScript.source.write(toFile: script, atomically: true, encoding: .utf8)
        let server = to.host.address.address.description
        let listener = try LabProcess(name: "transfer-server", argv: Shell.inNamespace(to.namespace,
            [Locations.python, "-u", script, "server", server, "\(failover.port)"]), directory: directory)
        register(listener)
        defer { listener.stop(timeout: 5) }
        try listener.waitFor("listening", timeout: 15)

        var rounds: [FailoverSceneResult.Round] = []
        for (n, synced) in [true, false].enumerated() {
            var daemons: [LabProcess] = []
            if synced {
                for (vnf, me, peer) in [(active, 1, 2), (standby, 2, 1)] {
                    let config = directory + "/conntrackd-\(vnf.vnf.name).conf"
                    try ConntrackdConfig.ftfw(directory: directory, name: vnf.vnf.name, address: "192.168.79.\(me)",
                                              peer: "192.168.79.\(peer)", syncSubnet: "192.168.79.0/24")
                        .write(toFile: config, atomically: true, encoding: .utf8)
                    let d = try LabProcess(name: "conntrackd-\(vnf.vnf.name)", argv: Shell.inNamespace(vnf.namespace,
                        ["conntrackd", "-C", config]), directory: directory)
                    register(d)
                    daemons.append(d)
                }
                for (d, vnf) in zip(daemons, [active, standby]) {
                    let config = directory + "/conntrackd-\(vnf.vnf.name).conf"
                    try Self.wait(timeout: 15, what: "conntrackd in \(vnf.namespace) answering") {
                        guard d.isRunning else { throw LabError("conntrackd in \(vnf.namespace) exited: \(d.stderr.suffix(800))\(d.stdout.suffix(800))") }
                        return Shell.run(Shell.inNamespace(vnf.namespace, ["conntrackd", "-C", config, "-s"]), timeout: 5).ok
                    }
                }
                log("conntrackd (FTFW) running in \(active.namespace) and \(standby.namespace)")
            }
            // The flow hash decides: a flow one of whose directions the weights (64 to 1)
            // gave to the standby is not the scene; another connection (another source port) is tried.
            var round: FailoverSceneResult.Round?
            for attempt in 1...4 where round == nil {
                round = try transfer(n: n * 10 + attempt, synced: synced, api: api, script: script, from: from, server: server,
                                     active: active, standby: standby, activeKeys: activeKeys, standbyKeys: standbyKeys,
                                     lastAttempt: attempt == 4)
                if round == nil { log("the transfer's flow did not start on \(active.vnf.name) in both directions: another one") }
            }
            guard let round else { throw LabError("no attempt") }
            rounds.append(round)
            for d in daemons { d.stop(timeout: 5) }
            // fwa back for the next round; both tables emptied.
            try VNFSetup.linksUp(active)
            for vnf in [active, standby] { _ = Shell.run(Shell.inNamespace(vnf.namespace, ["conntrack", "-F"])) }
            try api.waitForStates(activeKeys, "up", timeout: 20, what: "\(active.vnf.name) up again (probes)")
        }
        // The firewall still blocks what it blocked.
        let probe = Shell.run(Shell.inNamespace(from.namespace, [Locations.python, repositoryRoot + "/Tests/e2e/tcp_transfer.py", "probe",
                                                                 server, "23", "2"]), timeout: 15)
        let verdict = (Shell.json(String(probe.stdout.split(separator: "\n").last ?? "")) as? [String: Any])?["result"] as? String ?? "error"
        let with = rounds[0], without = rounds[1]
        let checks: [LabReport.Check] = [
            .init(name: "failover: the transfer started on \(active.vnf.name), both directions", ok: rounds.allSatisfy(\.startedOnActive),
                  detail: rounds.map { "\($0.conntrackd ? "with" : "without"): \($0.startedOnActive)" }.joined(separator: ", ")),
            .init(name: "failover: the forwarder took \(active.vnf.name) out", ok: rounds.allSatisfy { $0.detectedAt != nil },
                  detail: rounds.map { r in r.detectedAt.map { String(format: "%.0f ms", ($0 - r.killedAt) * 1000) } ?? "not seen" }
                    .joined(separator: ", ")),
            .init(name: "failover: with conntrackd, the transfer completed through \(standby.vnf.name) with its checksum",
                  ok: with.flowOK && with.firstOnStandby != nil,
                  detail: with.flowOK ? "ok, \(with.sent) bytes" : (with.flowError ?? "failed")),
            .init(name: "failover: without conntrackd, \(standby.vnf.name) dropped the established flow",
                  ok: !without.flowOK && without.standbyInvalid > 0,
                  detail: "transfer \(without.flowOK ? "completed (unexpected)" : "failed: \(without.flowError ?? "?")"), "
                    + "\(without.standbyInvalid) invalid drops"),
            .init(name: "failover: port 23 still blocked", ok: verdict != "connected", detail: verdict),
        ]
        return FailoverSceneResult(active: active.vnf.name, standby: standby.vnf.name, rounds: rounds,
                                   blocked: "a connection to port 23: \(verdict)", checks: checks)
    }

    private func transfer(n: Int, synced: Bool, api: ControlClient, script: String, from: LabPlan.HostPlan, server: String,
                          active: LabPlan.VNFPlan, standby: LabPlan.VNFPlan,
                          activeKeys: [(String, String)], standbyKeys: [(String, String)],
                          lastAttempt: Bool) throws -> FailoverSceneResult.Round? {
        let label = synced ? "with" : "without"
        let invalidBefore = (try? Readout.nftCounters(standby.namespace, table: VNFSetup.firewallTable)["invalid"]?.packets ?? 0) ?? 0
        let client = try LabProcess(name: "transfer-client-\(n)", argv: Shell.inNamespace(from.namespace,
            [Locations.python, "-u", script, "client", server, "\(failover.port)", "1x5s", "3"]), directory: directory)
        register(client)
        defer { client.stop(timeout: 5) }
        let start = Date()
        func now() -> Double { Date().timeIntervalSince(start) }
        var samples: [(t: Double, active: Int, standby: Int, activeDown: Bool)] = []
        var killedAt: Double?, states: Int?
        while client.isRunning && now() < 30 {
            let o = try api.instances()
            let t = now()
            let a = activeKeys.map { o[$0]?.packets ?? 0 }.reduce(0, +), b = standbyKeys.map { o[$0]?.packets ?? 0 }.reduce(0, +)
            samples.append((t, a, b, activeKeys.allSatisfy { o[$0]?.state == "down" }))
            if killedAt == nil && t > 1.5 {
                if !lastAttempt, let first = samples.first, samples.count > 2, !(a > first.active && b == first.standby) {
                    client.stop(timeout: 5)
                    Thread.sleep(forTimeInterval: 0.5)
                    return nil
                }
                if synced {
                    let list = Shell.run(Shell.inNamespace(standby.namespace, ["conntrack", "-L", "-p", "tcp", "--dport", "\(failover.port)"]))
                    states = list.stdout.split(separator: "\n").filter { $0.contains("ESTABLISHED") }.count
                }
                for l in active.links { try Shell.check(["ip", "-n", active.namespace, "link", "set", l.interface, "down"]) }
                killedAt = now()
                log("failover \(label) conntrackd: \(active.vnf.name)'s links down at \(String(format: "%.2f", killedAt!)) s")
            }
        }
        guard client.waitForExit(timeout: 30) else { throw LabError("the transfer did not end within 30 s: \(client.stderr.suffix(1000))") }
        let result = client.stdout.split(separator: "\n").compactMap { Shell.json(String($0)) as? [String: Any] }.first { $0["flow"] != nil }
        let killed = killedAt ?? 0
        let before = samples.filter { $0.t < killed }
        let startedOnActive = (before.last?.active ?? 0) > (before.first?.active ?? 0) && before.last?.standby == before.first?.standby
        var lastOnActive: Double?, firstOnStandby: Double?
        for (x, y) in zip(samples, samples.dropFirst()) {
            if y.active > x.active { lastOnActive = y.t }
            if y.standby > x.standby, firstOnStandby == nil, y.t > killed { firstOnStandby = y.t }
        }
        let detected = samples.first { $0.t > killed && $0.activeDown }?.t
        let steps = zip(samples, samples.dropFirst()).map { $1.t - $0.t }.sorted()
        let invalid = ((try? Readout.nftCounters(standby.namespace, table: VNFSetup.firewallTable)["invalid"]?.packets ?? 0) ?? 0) - invalidBefore
        var events = [Timeline.Event(t: killed, label: "\(active.vnf.name)'s links down")]
        if let d = detected { events.append(.init(t: d, label: "\(active.vnf.name) down in the forwarder (probes)")) }
        if let f = firstOnStandby { events.append(.init(t: f, label: "first packet via \(standby.vnf.name)")) }
        if let end = samples.last?.t { events.append(.init(t: end, label: result?["ok"] as? Bool == true ? "transfer complete" : "transfer failed")) }
        let series = [Timeline.Series(name: active.vnf.name, points: Timeline.rates(samples.map { (t: $0.t, count: $0.active) })),
                      Timeline.Series(name: standby.vnf.name, points: Timeline.rates(samples.map { (t: $0.t, count: $0.standby) }))]
        let timeline = Timeline(title: "packets per second per firewall, \(label) conntrackd (forwarder counters)", series: series,
                                events: events.sorted { $0.t < $1.t })
        let svg = reportDirectory + "/failover-\(label)-conntrackd-\(dataplane.rawValue).svg"
        try timeline.svg().write(toFile: svg, atomically: true, encoding: .utf8)
        return .init(conntrackd: synced, flowOK: result?["ok"] as? Bool == true, flowError: result?["error"] as? String,
                     sent: result?["sent"] as? Int ?? 0, startedOnActive: startedOnActive, killedAt: killed, detectedAt: detected,
                     lastOnActive: lastOnActive, firstOnStandby: firstOnStandby, sampleStep: steps.isEmpty ? 0 : steps[steps.count / 2],
                     standbyInvalid: invalid, standbyStates: states,
                     receiverMaxGap: (result?["server_max_gap_ms"] as? Double).map { $0 / 1000 }, chart: timeline.text(), svg: svg)
    }

    static func wait(timeout: Double, what: String, _ ready: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try ready() { return }
            if Date() > deadline { throw LabError("timed out after \(Int(timeout)) s waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

}

extension Dictionary where Key == String, Value == [String: ControlClient.Instance] {
    subscript(_ key: (String, String)) -> ControlClient.Instance? { self[key.0]?[key.1] }
}
