// A running forwarder operated through its control socket and metrics, on
// both dataplanes, in the NSH end-to-end network (Tests/e2e/topology.sh):
//   - status and counters answer with the node's ports and the traffic sent;
//   - a real Prometheus server scrapes --metrics: the chain's packets and a
//     drop reason's count come back through PromQL exactly, and rate() over
//     the run agrees with them;
//   - steering: pings from an address no rule matches are dropped
//     (unclassified); a steered rule sends the same pings onto a chain at
//     once; one with --for expires and they are dropped again; a rule the
//     file's rules cover is refused with its diagnostic;
//   - live trace: the next packets of a flow, with the same egress ports and
//     steps as `chain-trace simulate` gives for that flow.
import Foundation
@testable import SFCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct DaemonOperateTests {
    static let interfaces = ["client", "server", "sfa", "fw-c2s", "fw-s2c"]

    @Test(.timeLimit(.minutes(5)))
    func xdpIsOperatedThroughItsControlSocketAndMetrics() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        try operate(dataplane: "xdp")
    }

    @Test(.timeLimit(.minutes(5)))
    func dpdkIsOperatedThroughItsControlSocketAndMetrics() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady() else { return }
        try operate(dataplane: "dpdk")
    }

    func counters(_ client: ControlClientProcess) throws -> (c2s: Int, unclassified: Int, toSF: Int) {
        let r = client.run(["counters", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let o = try Forwarder.json(r.stdout)
        let chains = o["chains"] as? [[String: Any]] ?? []
        let c2s = chains.first { $0["name"] as? String == "client-to-server" }?["packets"] as? Int ?? -1
        let hops = chains.first { $0["name"] as? String == "client-to-server" }?["hops"] as? [[String: Any]] ?? []
        let toSF = (hops.first?["instances"] as? [String: Int])?["sfa-1"] ?? -1
        return (c2s, (o["drops"] as? [String: Int])?["unclassified"] ?? 0, toSF)
    }

    func operate(dataplane: String) throws {
        let run = try XDPRun(scenario: "operate-\(dataplane)", script: "topology.sh", chain: "chain.yaml", dataplane: dataplane)
        defer { run.tearDown() }
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try run.up()
        // An address of the client's that no rule matches.
        #expect(network.run("client", ["ip", "addr", "add", "10.199.7.2/32", "dev", "eth0"]).status == 0)
        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)
        let control = dir + "/control.sock"
        let port = try PrometheusServer.freeLoopbackPort()
        // The forwarder runs in the sff namespace and listens on that namespace's loopback:
        // Prometheus runs there too.
        let forwarder = try run.startForwarder(["--control", control, "--metrics", "127.0.0.1:\(port)"])
        _ = try run.waitUntilForwarding(forwarder, interfaces: Self.interfaces)
        let client = try ControlClientProcess(socket: control)

        // status
        let status = try client.status()
        #expect(status["node"] as? String == run.node && status["dataplane"] as? String == dataplane, "\(status)")
        let ports = (status["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(ports == Self.interfaces, "\(status)")
        let text = client.run(["status"])
        #expect(text.status == 0 && text.stdout.contains("node \(run.node): \(dataplane) dataplane"), "\(text.stdout)\(text.stderr)")

        // metrics through a real Prometheus (in the sff namespace, where the listener is)
        let prometheus = try PrometheusServer(target: "127.0.0.1:\(port)", namespace: network.namespace("sff"))
        defer { prometheus.stop() }
        try prometheus.waitFor("the forwarder scraped at 0 packets", "sfc_chain_packets_total{chain=\"client-to-server\"}") {
            $0.first?.value == 0
        }
        let ping = network.run("client", ["ping", "-n", "-q", "-c", "100", "-i", "0.02", "-W", "2", "10.199.2.2"], timeout: 60)
        #expect(ping.stdout.contains("100 packets transmitted, 100 received"), "\(ping.stdout)\(ping.stderr)")
        let stray = network.run("client", ["ping", "-n", "-q", "-c", "20", "-i", "0.02", "-W", "1", "-I", "10.199.7.2", "10.199.2.2"], timeout: 60)
        #expect(stray.stdout.contains("20 packets transmitted, 0 received"), "\(stray.stdout)\(stray.stderr)")
        let after = try counters(client)
        #expect(after.c2s == 100 && after.unclassified == 20, "\(after)")
        let chain = "sfc_chain_packets_total{chain=\"client-to-server\"}"
        try prometheus.waitFor("the chain's 100 packets", chain) { $0.first?.value == 100 }
        try prometheus.waitFor("20 unclassified drops", "sfc_drops_total{reason=\"unclassified\"}") { $0.first?.value == 20 }
        // rate(): evaluated at the last scrape over a window holding the whole run, times the window, is what was sent.
        let last = try #require(try prometheus.query("timestamp(\(chain))").first?.value)
        let rate = try #require(try prometheus.query("rate(\(chain)[10m])", at: last).first?.value)
        #expect(abs(rate * 600 - 100) < 0.5, "rate \(rate)/s over 10m at the last scrape: \(rate * 600) packets, 100 sent")
        #expect(try prometheus.query("sfc_config_generation").first?.value == 0)

        // steering: the stray address onto the chain, at once; then with an expiry
        let refused = client.run(["steer", "--rule", "{name: late, priority: 2000, chain: client-to-server, ingress: client, source: 10.199.1.2, destination: 10.199.2.2}"])
        #expect(refused.status == 1 && refused.stderr.contains("can never match"), "\(refused.stderr)")
        let steer = client.run(["steer", "--rule", "{name: guest, priority: 5, chain: client-to-server, ingress: client, source: 10.199.7.2/32}"])
        #expect(steer.status == 0 && steer.stdout.hasPrefix("steered: generation 1 active"), "\(steer.stdout)\(steer.stderr)")
        _ = network.run("client", ["ping", "-n", "-q", "-c", "10", "-i", "0.02", "-W", "1", "-I", "10.199.7.2", "10.199.2.2"], timeout: 60)
        let steered = try counters(client)
        #expect(steered.c2s == 110 && steered.unclassified == 20, "steered: \(steered)")
        #expect(client.run(["status"]).stdout.contains("guest: "), "status lists the rule")
        #expect(client.run(["unsteer", "--name", "guest"]).status == 0)
        let timed = client.run(["steer", "--rule", "{name: guest, priority: 5, chain: client-to-server, ingress: client, source: 10.199.7.2/32}", "--for", "1s"])
        #expect(timed.status == 0, "\(timed.stderr)")
        var expired = false
        for _ in 0..<300 where !expired {
            usleep(50_000)
            expired = ((try? client.status())?["steering"] as? [Any])?.isEmpty == true
        }
        #expect(expired, "the steering rule did not expire")
        _ = network.run("client", ["ping", "-n", "-q", "-c", "10", "-i", "0.02", "-W", "1", "-I", "10.199.7.2", "10.199.2.2"], timeout: 60)
        let back = try counters(client)
        #expect(back.c2s == 110 && back.unclassified == 30, "after expiry: \(back)")
        try prometheus.waitFor("4 generations (steer, unsteer, steer, expiry)", "sfc_config_generation") { $0.first?.value == 4 }
        try prometheus.waitFor("the steer latency observed twice", "sfc_steer_apply_duration_seconds_count") { $0.first?.value == 2 }
        // An idle expiry: counted while pings match it, removed once they stop.
        let idle = client.run(["steer", "--rule", "{name: guest, priority: 5, chain: client-to-server, ingress: client, source: 10.199.7.2/32}", "--idle", "3s"])
        #expect(idle.status == 0 && idle.stdout.contains("after 3s without a match"), "\(idle.stdout)\(idle.stderr)")
        _ = network.run("client", ["ping", "-n", "-q", "-c", "10", "-i", "0.1", "-W", "1", "-I", "10.199.7.2", "10.199.2.2"], timeout: 60)
        let matched = try Forwarder.json(client.run(["counters", "--json"]).stdout)
        #expect((matched["steering_rules"] as? [String: Int])?["guest"] == 10, "\(matched["steering_rules"] ?? "none")")
        var idled = false
        for _ in 0..<400 where !idled {
            usleep(50_000)
            idled = ((try? client.status())?["steering"] as? [Any])?.isEmpty == true
        }
        #expect(idled, "the idle steering rule was not removed")

        // live trace against simulate, for one ICMP flow: its first pass (classify, encap, to the NSH-aware function)
        let pinger = try run.start("ping", in: "client", ["ping", "-n", "-q", "-c", "400", "-i", "0.02", "-W", "2", "10.199.2.2"])
        defer { pinger.stop() }
        let live = client.run(["live", "--filter", "src=10.199.1.2,dst=10.199.2.2,proto=icmp,ingress=client", "--count", "5", "--json", "--timeout", "20",
                               "--pcap", dir + "/live.pcap"])
        #expect(live.status == 0, "\(live.stderr)")
        let records = live.stdout.split(separator: "\n").compactMap { try? Forwarder.json(String($0)) }
        #expect(records.count == 5, "\(live.stdout)\(live.stderr)")
        let simulate = E2ECommand.run([client.binary, "simulate", "--config", run.chainFile, "--ingress", "client",
                                       "--packet", "icmp 10.199.1.2 -> 10.199.2.2", "--json"])
        let sim = try Forwarder.json(simulate.stdout)
        let firstHop = try #require((sim["hops"] as? [[String: Any]])?.first)
        for r in records {
            #expect(r["ingress"] as? String == "client" && r["verdict"] as? String == "forward", "\(r)")
            #expect(r["egress"] as? String == firstHop["egress_port"] as? String, "live \(r["egress"] ?? "-"), simulate \(firstHop)")
            #expect((r["steps"] as? [String])?.joined(separator: ", ") == firstHop["behavior"] as? String, "live \(r["steps"] ?? "-"), simulate \(firstHop)")
            #expect(r["chain"] as? String == nil || r["chain"] as? String == "client-to-server", "\(r)")
            #expect((r["compare"] as? [String]) == [], "live and simulate differ: \(r["compare"] ?? "")")
            #expect((r["after"] as? [String: Any])?["spi"] as? Int == 100, "\(r)")
        }
        let pcap = try XDPSupport.tsharkFields(dir + "/live.pcap", ["nsh.spi"])
        #expect(pcap.count == 5 && pcap.allSatisfy { $0 == ["100"] }, "\(pcap)")
        let bad = client.run(["live", "--filter", "src=10.0.0.1,dst=2001:db8::1", "--count", "1"])
        #expect(bad.status == 1 && bad.stderr.contains("can never match"), "\(bad.stderr)")

        _ = try run.stopForwarder(forwarder, interfaces: Self.interfaces)
        #expect(!FileManager.default.fileExists(atPath: control), "the control socket outlived the forwarder")
    }
}
