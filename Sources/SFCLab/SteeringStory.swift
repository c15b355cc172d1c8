// The demo's steering story (lab traffic: steering), after the report: a
// forwarder started again on the same lab, with its control socket; a UDP
// feed (the building's camera) on its usual chain; `chain-trace steer` with
// an expiry (a badge swipe in a restricted zone) sends the same feed through
// the steered chain and its DPI instance at once; the rule expires and the
// feed is back on its chain. Each phase is counted by the forwarder
// (chain-trace counters) and checked.
import Foundation
import SFCLabConfig

public struct SteeringResult: Codable, Sendable {
    public struct Phase: Codable, Sendable {
        public var name: String
        public var sent: Int
        /// Packets classified per chain during the phase.
        public var chains: [String: Int]
        /// Packets the forwarder handed the watched instance during the phase.
        public var watched: Int
    }
    public var rule: String
    public var seconds: Double
    public var watch: String
    public var steerOutput: String
    public var phases: [Phase]
    /// `chain-trace live` on the steered feed, and `chain-trace simulate` for the same flow.
    public var live: [String]
    public var simulated: String
}

struct SteeringStory {
    let plan: LabPlan
    let steering: LabDescription.Steering
    let traffic: LabDescription.Traffic
    let dataplane: Dataplane
    let repositoryRoot: String
    let directory: String
    let register: (LabProcess) -> Void
    let log: @Sendable (String) -> Void

    func run() throws -> (SteeringResult, [LabReport.Check]) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let aware = try VNFSetup.startNSHAware(plan, repositoryRoot: repositoryRoot, directory: directory, register: register)
        let control = directory + "/control.sock"
        let runner = ForwarderRunner(plan: plan, dataplane: dataplane, repositoryRoot: repositoryRoot, directory: directory, control: control)
        let forwarder = try runner.start()
        register(forwarder)
        defer {
            _ = forwarder.stop(timeout: 30)
            for f in aware { _ = f.process.stop(timeout: 10) }
        }
        let chainTrace = try Locations.sibling("chain-trace")
        func ask(_ arguments: [String]) throws -> String {
            let r = Shell.run([chainTrace] + arguments + ["--control", control], timeout: 60)
            guard r.status == 0 else { throw LabError("chain-trace \(arguments.joined(separator: " ")): \(r.stderr)") }
            return r.stdout
        }
        func counts() throws -> (chains: [String: Int], watched: Int) {
            guard let o = Shell.json(try ask(["counters", "--json"])) as? [String: Any] else { throw LabError("chain-trace counters: no JSON") }
            var chains: [String: Int] = [:], watched = 0
            for c in o["chains"] as? [[String: Any]] ?? [] {
                chains[c["name"] as? String ?? "?"] = c["packets"] as? Int ?? 0
                for h in c["hops"] as? [[String: Any]] ?? [] {
                    if let n = (h["instances"] as? [String: Int])?[steering.watch] { watched = n }
                }
            }
            return (chains, watched)
        }
        guard let from = plan.host(traffic.from), let to = plan.host(traffic.to) else { throw LabError("traffic hosts missing") }
        let server = to.host.address.address.description
        // One flow (a fixed source port), so that live and simulate can be compared.
        let sourcePort = 40000 + steering.port % 20000
        func phase(_ name: String, during: (() throws -> Void)? = nil) throws -> SteeringResult.Phase {
            let before = try counts()
            try during?()
            let send = "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('', \(sourcePort)))\n"
                + "for i in range(\(steering.packets)):\n s.sendto(b'camera frame %d' % i, ('\(server)', \(steering.port)))\n time.sleep(0.01)\n"
            let r = Shell.run(Shell.inNamespace(from.namespace, [Locations.python, "-c", send]), timeout: 60)
            guard r.status == 0 else { throw LabError("the camera feed: \(r.stderr)") }
            // Until the counters stop moving (at most 10 s).
            var last = try counts(), still = 0
            let deadline = Date().addingTimeInterval(10)
            while still < 3 && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
                let now = try counts()
                still = now.chains == last.chains && now.watched == last.watched ? still + 1 : 0
                last = now
            }
            var delta: [String: Int] = [:]
            for (chain, n) in last.chains where n != before.chains[chain] ?? 0 { delta[chain] = n - (before.chains[chain] ?? 0) }
            let p = SteeringResult.Phase(name: name, sent: steering.packets, chains: delta, watched: last.watched - before.watched)
            log("steering: \(name): \(steering.packets) camera packets -> " + (delta.isEmpty ? "no chain" : delta.sorted { $0.key < $1.key }
                .map { "chain \($0.key) +\($0.value)" }.joined(separator: ", ")) + ", \(steering.watch) +\(p.watched)")
            return p
        }
        var phases = [try phase("before")]
        log("steering: chain-trace steer --rule '\(steering.rule)' --for \(steering.seconds)s")
        let steered = try ask(["steer", "--rule", steering.rule, "--for", "\(steering.seconds)s"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // The steered feed, followed live through the running dataplane (the imaging
        // chain: a proxy, DPI, a load-balanced hop), and simulated.
        var tracer: LabProcess?
        phases.append(try phase("steered") {
            let p = try LabProcess(name: "chain-trace live", argv: [chainTrace, "live", "--control", control, "--json", "--count", "12",
                                                                   "--timeout", "30", "--filter",
                                                                   "src=\(from.host.address.address),dst=\(server),proto=udp,dport=\(steering.port),sport=\(sourcePort)"],
                                   directory: directory)
            register(p)
            tracer = p
            Thread.sleep(forTimeInterval: 0.3)  // armed before the feed (a later arm only sees fewer packets: the check says so)
        })
        var live: [[String: Any]] = []
        if let tracer {
            _ = tracer.waitForExit(timeout: 40)
            live = tracer.stdout.split(separator: "\n").compactMap { Shell.json(String($0)) as? [String: Any] }
        }
        let simulate = Shell.run([chainTrace, "simulate", "--config", plan.chainFile, "--steer", steering.rule, "--ingress", traffic.from,
                                  "--json", "--packet",
                                  "udp \(from.host.address.address):\(sourcePort) -> \(server):\(steering.port)"], timeout: 60)
        let deadline = Date().addingTimeInterval(steering.seconds + 30)
        var expired = false
        while !expired && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            expired = ((Shell.json(try ask(["status", "--json"])) as? [String: Any])?["steering"] as? [Any])?.isEmpty == true
        }
        if !expired { throw LabError("the steering rule did not expire within \(Int(steering.seconds + 30)) s") }
        phases.append(try phase("expired"))

        // (The server answers the feed with ICMP errors, which its own return chain carries: not looked at.)
        let n = steering.packets, usual = steering.chain
        // Live against simulate (with the same steering rule) for the same flow: each
        // pass of the feed through the forwarder (ingress, behaviour, egress port, the
        // segment list it leaves with: the instances chosen, the load-balanced one among
        // them, are SIDs in it) is one simulate has, every simulated pass was seen, and
        // --compare finds no difference.
        struct Pass: Hashable { var ingress: String; var steps: String; var egress: String; var segments: [String] }
        // The filter reads the packet as it arrives: a pass whose packet arrives
        // encapsulated (SRv6, NSH) has other outer addresses and is not traced.
        var simulated: [Pass] = []
        var ingress = traffic.from, arrivesBare = true
        for hop in ((Shell.json(simulate.stdout) as? [String: Any])?["hops"] as? [[String: Any]]) ?? [] {
            let egress = hop["egress_port"] as? String ?? "-"
            if hop["node"] as? String == plan.config.node.name {
                if arrivesBare {
                    simulated.append(Pass(ingress: ingress, steps: hop["behavior"] as? String ?? "", egress: egress,
                                          segments: hop["segments"] as? [String] ?? []))
                }
            } else {
                ingress = egress
                arrivesBare = hop["segments"] == nil && hop["spi"] == nil
            }
        }
        let traced = live.map { r in
            Pass(ingress: r["ingress"] as? String ?? "?", steps: (r["steps"] as? [String])?.joined(separator: ", ") ?? "",
                 egress: r["egress"] as? String ?? "drop", segments: (r["after"] as? [String: Any])?["segments"] as? [String] ?? [])
        }
        let unexplained = traced.filter { !simulated.contains($0) }
        let unseen = simulated.filter { !traced.contains($0) }
        let differing = live.filter { ($0["compare"] as? [String])?.isEmpty != true }
        let agree = !live.isEmpty && unexplained.isEmpty && unseen.isEmpty && differing.isEmpty
        let target = steering.rule.range(of: #"chain: *"?([A-Za-z0-9_.-]+)"#, options: .regularExpression)
            .map { String(steering.rule[$0].split(separator: ":")[1]).trimmingCharacters(in: CharacterSet(charactersIn: " \"")) } ?? "?"
        let checks: [LabReport.Check] = [
            .init(name: "steering: the feed on chain \(usual), not through \(steering.watch)",
                  ok: phases[0].chains[usual] == n && phases[0].chains[target] == nil && phases[0].watched == 0,
                  detail: "\(phases[0].chains), \(steering.watch) +\(phases[0].watched)"),
            .init(name: "steering: steered at once onto chain \(target), through \(steering.watch)",
                  ok: phases[1].chains[target] == n && phases[1].chains[usual] == nil && phases[1].watched == n,
                  detail: "\(phases[1].chains), \(steering.watch) +\(phases[1].watched) (\(steered))"),
            .init(name: "steering: chain-trace live agrees with simulate", ok: agree,
                  detail: "\(live.count) pass(es) traced, \(Set(traced).count) distinct, simulate has \(simulated.count)"
                    + (unexplained.isEmpty ? "" : "; not in simulate: \(unexplained)") + (unseen.isEmpty ? "" : "; not seen live: \(unseen)")
                    + (differing.isEmpty ? "" : "; --compare: \(differing.compactMap { $0["compare"] })")),
            .init(name: "steering: expired, back on chain \(usual)",
                  ok: phases[2].chains[usual] == n && phases[2].chains[target] == nil && phases[2].watched == 0,
                  detail: "\(phases[2].chains), \(steering.watch) +\(phases[2].watched)"),
        ]
        return (SteeringResult(rule: steering.rule, seconds: steering.seconds, watch: steering.watch, steerOutput: steered, phases: phases,
                               live: Array(live.compactMap { $0["text"] as? String }.prefix(simulated.count)), simulated: simulate.stdout), checks)
    }
}
