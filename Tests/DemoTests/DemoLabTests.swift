// `sfc-lab demo --json` (what `make demo` runs) on both dataplanes: the
// lab of Chains/hospital-lab.yaml in namespaces sfc-lab-*, real traffic
// through an nftables firewall (End.AS, and the NSH proxy back), an
// inspection function, a load-balanced pair and a kernel seg6local End.
// The report's numbers are checked against each other here, independently
// of the checks sfc-lab makes itself, and nothing may be left behind.
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct DemoLabTests {
    static let chainFile = Forwarder.repositoryRoot + "/Chains/hospital-lab.yaml"
    static let node = "sfc-lab-hospital"

    /// sfc-lab in the build directory this test bundle runs from (as Forwarder.binary finds sfc-forwarder).
    static var binary: String? {
        guard let forwarder = Forwarder.binary else { return nil }
        let candidate = URL(fileURLWithPath: forwarder).deletingLastPathComponent().appendingPathComponent("sfc-lab").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    static func leftovers() -> [String] {
        let namespaces = E2ECommand.run(["ip", "netns", "list"]).stdout.split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix("sfc-lab-") }
        let pins = XDPSupport.pinDirectory(node: node)
        return namespaces + (FileManager.default.fileExists(atPath: pins) ? [pins] : [])
    }

    @Test(.timeLimit(.minutes(3)), arguments: ["xdp", "dpdk"])
    func demoCarriesRealTrafficThroughEveryVNFAndLeavesNothing(dataplane: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), dataplane != "xdp" || XDPSupport.ready(),
              KernelSRv6Ready.ready(for: "the demo (its sr-end is a kernel End)") else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        #expect(E2ECommand.run(["curl", "--version"]).status == 0, "the demo's HTTP client is curl (Debian package curl)")
        // A run killed earlier would be in the way: `down` removes what it left.
        let down = E2ECommand.run([lab, "down", "--config", Self.chainFile], timeout: 60)
        #expect(down.status == 0, "sfc-lab down: \(down.stdout)\(down.stderr)")

        let run = try E2EProcess(name: "sfc-lab demo", argv: [lab, "demo", "--config", Self.chainFile, "--dataplane", dataplane, "--json"])
        defer { run.removeFiles() }
        guard run.waitForExit(timeout: 150) else {
            run.stop(timeout: 30)  // SIGTERM: sfc-lab tears the lab down
            Issue.record("sfc-lab demo still running after 150 s:\n\(run.stderr.suffix(3000))")
            _ = E2ECommand.run([lab, "down", "--config", Self.chainFile], timeout: 60)
            return
        }
        #expect(Self.leftovers().isEmpty, "sfc-lab demo left \(Self.leftovers())")
        #expect(run.status == 0, "sfc-lab demo exited \(run.status):\n\(run.stderr.suffix(3000))")
        let report = try Forwarder.json(run.stdout)

        #expect(report["dataplane"] as? String == dataplane && report["node"] as? String == Self.node)
        let checks = try #require(report["checks"] as? [[String: Any]])
        #expect(report["ok"] as? Bool == true, "failed checks: \(checks.filter { $0["ok"] as? Bool != true })")

        // The traffic did what it should.
        let traffic = try #require(report["traffic"] as? [String: Any])
        let ping = try #require(traffic["ping"] as? [String: Int])
        #expect(ping["sent"] == 3 && ping["received"] == 3, "ping \(ping)")
        let transfers = try #require(traffic["transfers"] as? [[String: Any]])
        #expect(transfers.map { $0["port"] as? Int } == [104, 11112] && transfers.allSatisfy { $0["ok"] as? Bool == true }
                && transfers.allSatisfy { $0["sentBytes"] as? Int == 1 << 20 && $0["replyBytes"] as? Int == 65536 }, "\(transfers)")
        let http = try #require(traffic["http"] as? [[String: Int]])
        let body = try #require(traffic["httpBodyBytes"] as? Int)
        #expect(http.count == 24 && http.allSatisfy { $0["status"] == 200 && $0["bytes"] == body }, "\(http)")
        let blocked = try #require(traffic["blocked"] as? [[String: Any]])
        #expect(blocked.count == 1 && blocked[0]["port"] as? Int == 23 && blocked[0]["result"] as? String == "timeout", "\(blocked)")

        #expect((report["forwarderDrops"] as? [String: Any])?.isEmpty == true, "\(report["forwarderDrops"] ?? "")")

        // The firewall dropped the probe, and nothing else.
        let firewall = try #require((report["firewalls"] as? [[String: Any]])?.first)
        let droppedBy = try #require(firewall["droppedBy"] as? [String: Int])
        let received = try #require(firewall["received"] as? [String: Int])
        let droppedFlows = try #require(firewall["droppedFlows"] as? [[String: Any]])
        #expect((firewall["dropped"] as? Int ?? 0) > 0 && droppedBy["fw-c2s"] == firewall["dropped"] as? Int, "\(firewall)")
        #expect(droppedFlows.count == 1 && (droppedFlows[0]["flow"] as? String)?.hasSuffix("-> 10.77.2.2:23") == true
                && droppedFlows[0]["packets"] as? Int == firewall["dropped"] as? Int, "\(droppedFlows)")

        // Hop by hop, the forwarder's counters against what each function counted.
        let chains = try #require(report["chains"] as? [[String: Any]])
        func chain(_ name: String) throws -> (classified: Int, hops: [[String: Any]], delivered: Int) {
            let c = try #require(chains.first { $0["name"] as? String == name }, "no chain \(name)")
            return (try #require(c["classified"] as? Int), try #require(c["hops"] as? [[String: Any]]), try #require(c["delivered"] as? Int))
        }
        let imaging = try chain("imaging")
        let hop = imaging.hops.map { $0["packets"] as? Int ?? -1 }
        try #require(hop.count == 4, "\(imaging)")
        let inspection = try #require((report["inspections"] as? [[String: Any]])?.first)
        let balancing = try #require((report["loadBalancing"] as? [[String: Any]])?.first)
        let instances = try #require(balancing["instances"] as? [[String: Any]])
        let sr = try #require((report["srAware"] as? [[String: Any]])?.first)
        let seenByPair = instances.reduce(0) { $0 + ($1["seenPackets"] as? Int ?? 0) }
        #expect(imaging.classified > 2 * (1 << 20) / 1500 && hop[0] == imaging.classified && received["fw-c2s"] == hop[0],
                "classified \(imaging.classified), hops \(hop), firewall received \(received)")
        #expect(hop[1] == hop[0] - droppedBy["fw-c2s", default: 0] && inspection["total"] as? Int == hop[1], "hops \(hop), \(inspection["total"] ?? "")")
        #expect(hop[2] == hop[1] && seenByPair == hop[2], "hops \(hop), the pair saw \(seenByPair)")
        #expect(hop[3] == hop[2] && sr["packets"] as? Int == hop[3] && sr["errors"] as? Int == 0, "hops \(hop), seg6local \(sr)")
        #expect(imaging.delivered == hop[3], "delivered \(imaging.delivered), hops \(hop)")
        // The return chain: the NSH-aware audit function saw every frame with the
        // header the forwarder pushed (SPI 710, SI 255, TTL 63 - 1) and returned it,
        // the firewall's conntrack passed every reply, all delivered.
        let back = try chain("imaging-return")
        let backHop = back.hops.map { $0["packets"] as? Int ?? -1 }
        let audit = try #require((report["nshAware"] as? [[String: Any]])?.first)
        #expect(back.classified > 0 && backHop == [back.classified, back.classified] && back.delivered == back.classified,
                "\(back)")
        #expect(audit["seen"] as? Int == back.classified && audit["returned"] as? Int == back.classified && audit["refused"] as? Int == 0
                && audit["paths"] as? [[String: Int]] == [["spi": 710, "si": 255, "ttl": 62]], "\(audit)")
        #expect(received["fw-s2c"] == back.classified && droppedBy["fw-s2c"] == 0, "\(received) \(droppedBy)")

        // The inspection function saw each allowed service, the blocked one not at all.
        let protocols = try #require(inspection["protocols"] as? [String: [String: Int]])
        #expect(protocols["icmp"]?["packets"] == 3 && (protocols["tcp"]?["packets"] ?? 0) > 0 && protocols["udp"]?["packets"] == 0,
                "\(protocols)")
        // At least one SYN per connection (a retransmitted SYN counts again).
        #expect((inspection["tcpConnections"] as? Int ?? 0) >= 2 + 24, "\(inspection["tcpConnections"] ?? "")")
        let inspected = try #require(inspection["flows"] as? [[String: Any]]).compactMap { $0["flow"] as? String }
        #expect(inspected.count == 1 + 2 + 24 && !inspected.contains { $0.hasSuffix(":23") }, "\(inspected)")

        // Load balancing: every flow on exactly one instance, both instances used, and
        // the forwarder's per-instance counters equal what each instance saw.
        let flows = try #require(balancing["flows"] as? [String: [String]])
        #expect(Set(flows.keys) == Set(inspected), "the pair saw \(flows.keys.sorted()), the inspection \(inspected.sorted())")
        #expect(flows.values.allSatisfy { $0.count == 1 }, "flows on two instances: \(flows.filter { $0.value.count != 1 })")
        #expect(Set(flows.values.flatMap { $0 }) == ["lb-1", "lb-2"], "instances used: \(Set(flows.values.flatMap { $0 }))")
        for instance in instances {
            #expect(instance["forwarderPackets"] as? Int == instance["seenPackets"] as? Int, "\(instance)")
        }
        let simulation = try #require(report["simulation"] as? [String: Any])
        #expect(simulation["predictedInstance"] as? String != nil
                && simulation["predictedInstance"] as? String == simulation["observedInstance"] as? String, "\(simulation)")
        #expect((simulation["text"] as? String)?.contains("verdict: delivered to port server") == true, "\(simulation["text"] ?? "")")

        // The steering story: the camera feed skips DPI, is steered through it at once, and is back after the expiry.
        let steering = try #require(report["steering"] as? [String: Any])
        let phases = try #require(steering["phases"] as? [[String: Any]])
        #expect(phases.map { $0["name"] as? String } == ["before", "steered", "expired"])
        let feed = phases.map { ($0["chains"] as? [String: Int] ?? [:], $0["watched"] as? Int ?? -1) }
        #expect(feed[0].0["building"] == 20 && feed[0].1 == 0, "before: \(feed[0])")
        #expect(feed[1].0["imaging"] == 20 && feed[1].0["building"] == nil && feed[1].1 == 20, "steered: \(feed[1])")
        #expect(feed[2].0["building"] == 20 && feed[2].0["imaging"] == nil && feed[2].1 == 0, "expired: \(feed[2])")

        let served = instances.map { "\($0["name"] ?? "?") \(($0["flows"] as? [Any])?.count ?? 0) flows" }.joined(separator: ", ")
        print("sfc-lab demo (\(dataplane)): imaging \(imaging.classified) -> \(hop) -> \(imaging.delivered), return \(back.classified); "
              + "firewall dropped \(firewall["dropped"] ?? 0); \(served); audit saw \(audit["seen"] ?? 0)")
    }

    /// `up` leaves a working lab with the forwarder pinned; `down` removes all of it.
    @Test(.timeLimit(.minutes(3)))
    func upLeavesAWorkingLabAndDownRemovesIt() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(),
              KernelSRv6Ready.ready(for: "sfc-lab up (its sr-end is a kernel End)") else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        let up = E2ECommand.run([lab, "up", "--config", Self.chainFile, "--dataplane", "xdp"], timeout: 90)
        defer { _ = E2ECommand.run([lab, "down", "--config", Self.chainFile], timeout: 60) }
        #expect(up.status == 0, "sfc-lab up: \(up.stdout)\(up.stderr)")
        #expect(FileManager.default.fileExists(atPath: XDPSupport.pinDirectory(node: Self.node)), "no pins after up")
        let ping = E2ECommand.run(["ip", "netns", "exec", "sfc-lab-client", "ping", "-n", "-c", "3", "-i", "0.2", "-W", "3", "10.77.2.2"],
                                  timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("3 received"), "ping through the lab: \(ping.stdout)\(ping.stderr)")
        let down = E2ECommand.run([lab, "down", "--config", Self.chainFile], timeout: 60)
        #expect(down.status == 0 && down.stdout.contains("removed: sfc-lab-sff"), "sfc-lab down: \(down.stdout)\(down.stderr)")
        #expect(Self.leftovers().isEmpty, "sfc-lab down left \(Self.leftovers())")
        #expect(E2ECommand.run(["pgrep", "-f", "--", "run --config " + Self.chainFile]).stdout.isEmpty, "a forwarder of the lab still runs")
    }

    /// Ctrl-C in the middle of the traffic: sfc-lab tears everything down and exits 128 + SIGINT.
    @Test(.timeLimit(.minutes(3)))
    func interruptedDemoTearsDown() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(),
              KernelSRv6Ready.ready(for: "the interrupted demo (its sr-end is a kernel End)") else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        let run = try E2EProcess(name: "sfc-lab demo", argv: [lab, "demo", "--config", Self.chainFile, "--dataplane", "xdp"])
        defer { run.removeFiles(); _ = E2ECommand.run([lab, "down", "--config", Self.chainFile], timeout: 60) }
        try run.waitFor("traffic:", inStderr: true, timeout: 90)
        #expect(!Self.leftovers().isEmpty, "the lab is not up")
        kill(run.pid, SIGINT)
        #expect(run.waitForExit(timeout: 60), "sfc-lab ignored SIGINT")
        #expect(run.status == 128 + SIGINT, "status \(run.status):\n\(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("tearing the lab down"), "\(run.stderr.suffix(2000))")
        #expect(Self.leftovers().isEmpty, "an interrupted demo left \(Self.leftovers())")
    }
}
