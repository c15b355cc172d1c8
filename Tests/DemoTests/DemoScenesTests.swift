// `sfc-lab demo --scene failover --json` (part of `make demo`) on both
// dataplanes: the stateful firewall pair of Chains/failover-lab.yaml, the
// active one's links down mid-transfer, with conntrackd and without. The
// report's rounds are checked here independently of sfc-lab's own checks;
// the outage and detection times are printed, never asserted (a loaded
// machine is slower). Nothing may be left behind.
//
// The scale scene (--scene scale) runs here with Chains/scale-lab.yaml's
// thresholds lowered and a ramp that ends idle: the demo's own thresholds
// are set for the packet rates of paced TCP flows on an idle machine (a busy
// one carries fewer packets per flow and scales later), while here one flow
// is far above `above-pps` however slow the CPU, and the idle tail is at 0,
// far below `below-pps`. The full scene runs: scale-out to the maximum,
// drain and scale-in back to the minimum, every flow checked end to end.
//
// An extension of DemoLabTests: the scenes' namespaces have the same names
// (sfc-lab-client, sfc-lab-sff, ...) as the main demo's, so they run in
// that serialized suite, never beside it.
import Foundation
@testable import SFCTestSupport
import Testing

extension DemoLabTests {
    static let failoverChainFile = Forwarder.repositoryRoot + "/Chains/failover-lab.yaml"

    @Test(.timeLimit(.minutes(3)), arguments: ["xdp", "dpdk"])
    func theFirewallPairSurvivesTheActiveOneOnlyWithConntrackd(dataplane: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), dataplane != "xdp" || XDPSupport.ready(),
              E2ECommand.run(["conntrackd", "-v"]).status == 0 else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        let down = E2ECommand.run([lab, "down", "--config", Self.failoverChainFile], timeout: 60)
        #expect(down.status == 0, "sfc-lab down: \(down.stdout)\(down.stderr)")
        let reports = NSTemporaryDirectory() + "sfc-lab-scenes-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: reports) }
        let run = try E2EProcess(name: "sfc-lab failover", argv: [lab, "demo", "--scene", "failover", "--config", Self.failoverChainFile,
                                                                  "--dataplane", dataplane, "--json", "--report-dir", reports])
        defer { run.removeFiles() }
        guard run.waitForExit(timeout: 150) else {
            run.stop(timeout: 30)
            Issue.record("sfc-lab demo --scene failover still running after 150 s:\n\(run.stderr.suffix(3000))")
            _ = E2ECommand.run([lab, "down", "--config", Self.failoverChainFile], timeout: 60)
            return
        }
        let left = E2ECommand.run(["ip", "netns", "list"]).stdout.split(separator: "\n").filter { $0.hasPrefix("sfc-lab-") }
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(run.status == 0, "sfc-lab exited \(run.status):\n\(run.stderr.suffix(3000))")
        let report = try Forwarder.json(run.stdout)
        let rounds = try #require(report["rounds"] as? [[String: Any]])
        try #require(rounds.count == 2, "\(rounds)")
        let with = rounds[0], without = rounds[1]
        #expect(with["conntrackd"] as? Bool == true && without["conntrackd"] as? Bool == false)
        for r in rounds {
            #expect(r["startedOnActive"] as? Bool == true, "the transfer did not start on fwa: \(r)")
            #expect(r["detectedAt"] as? Double != nil, "the forwarder never took fwa out: \(r)")
            #expect(FileManager.default.fileExists(atPath: r["svg"] as? String ?? ""), "no SVG: \(r["svg"] ?? "-")")
        }
        #expect(with["flowOK"] as? Bool == true, "with conntrackd the transfer broke: \(with["flowError"] ?? "?")")
        #expect(with["standbyInvalid"] as? Int == 0 && with["firstOnStandby"] as? Double != nil, "\(with)")
        #expect(without["flowOK"] as? Bool == false, "without conntrackd fwb passed a flow it never saw start")
        #expect((without["standbyInvalid"] as? Int ?? 0) > 0, "without conntrackd fwb dropped nothing as invalid")
        let checks = report["checks"] as? [[String: Any]] ?? []
        #expect(checks.count == 5 && checks.allSatisfy { $0["ok"] as? Bool == true }, "\(checks)")
        func ms(_ v: Any?) -> String { (v as? Double).map { String(format: "%.0f ms", $0 * 1000) } ?? "-" }
        for r in rounds {
            let killed = r["killedAt"] as? Double ?? 0
            print("failover \(dataplane) \(r["conntrackd"] as? Bool == true ? "with" : "without") conntrackd: detection "
                  + ms((r["detectedAt"] as? Double).map { $0 - killed }) + ", links down -> first packet via fwb "
                  + ms((r["firstOnStandby"] as? Double).map { $0 - killed }))
        }
    }

    /// Chains/scale-lab.yaml with thresholds no CPU's speed can miss: one paced flow
    /// carries about 100 packets a second (50 on a starved machine), far over 20.
    static func loadIndependentScaleChainFile() throws -> String {
        let text = try String(contentsOfFile: Forwarder.repositoryRoot + "/Chains/scale-lab.yaml", encoding: .utf8)
        let demo = "above-pps: 800, below-pps: 200"
        try #require(text.contains(demo), "Chains/scale-lab.yaml's scale: line changed: update this test")
        let path = NSTemporaryDirectory() + "sfc-scale-test-\(getpid()).yaml"
        try text.replacingOccurrences(of: demo, with: "above-pps: 20, below-pps: 5").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The whole scale scene: 4 flows (new connections every second) scale dicom-router
    /// out to 3 instances, each new one carries flows, then with no traffic the VNF manager
    /// drains and removes the extra two; every flow completes with its SHA-256.
    @Test(.timeLimit(.minutes(3)), arguments: ["xdp", "dpdk"])
    func theScaleSceneScalesOutToTheMaximumAndDrainsBackToTheMinimum(dataplane: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), dataplane != "xdp" || XDPSupport.ready() else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        let chain = try Self.loadIndependentScaleChainFile()
        let reports = NSTemporaryDirectory() + "sfc-lab-scale-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: chain); try? FileManager.default.removeItem(atPath: reports) }
        _ = E2ECommand.run([lab, "down", "--config", chain], timeout: 60)
        let run = try E2EProcess(name: "sfc-lab scale", argv: [lab, "demo", "--scene", "scale", "--config", chain, "--dataplane", dataplane,
                                                               "--ramp", "4x16s,0x8s", "--flow-seconds", "1", "--json",
                                                               "--report-dir", reports])
        defer { run.removeFiles() }
        guard run.waitForExit(timeout: 160) else {
            run.stop(timeout: 30)
            Issue.record("sfc-lab demo --scene scale still running after 160 s:\n\(run.stderr.suffix(3000))")
            _ = E2ECommand.run([lab, "down", "--config", chain], timeout: 60)
            return
        }
        let left = E2ECommand.run(["ip", "netns", "list"]).stdout.split(separator: "\n").filter { $0.hasPrefix("sfc-lab-") }
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(run.status == 0, "sfc-lab exited \(run.status):\n\(run.stderr.suffix(3000))")
        let report = try Forwarder.json(run.stdout)
        // sfc-lab's own checks, and the same facts read independently from the report.
        let checks = report["checks"] as? [[String: Any]] ?? []
        #expect(checks.count == 4 && checks.allSatisfy { $0["ok"] as? Bool == true }, "\(checks)")
        #expect(report["peakInstances"] as? Int == 3 && report["finalInstances"] as? Int == 1, "\(report["events"] ?? "-")")
        let events = (report["events"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        for instance in ["router-2", "router-3"] {
            let out = events.firstIndex { $0.hasPrefix("scale-out: \(instance)") }
            let drain = events.firstIndex { $0.hasPrefix("drain: \(instance)") }
            let removed = events.firstIndex { $0.hasPrefix("scale-in: \(instance)") }
            #expect(out != nil && drain != nil && removed != nil && out! < drain! && drain! < removed!,
                    "\(instance): scale-out, drain, scale-in not in that order: \(events)")
        }
        let flows = report["flows"] as? [[String: Any]] ?? []
        #expect(flows.count >= 16 && flows.allSatisfy { $0["ok"] as? Bool == true },
                "\(flows.filter { $0["ok"] as? Bool != true })")
        let reactions = report["reactions"] as? [[String: Any]] ?? []
        #expect(reactions.count >= 2 && reactions.allSatisfy { $0["firstPacketAt"] as? Double != nil }, "\(reactions)")
        #expect(FileManager.default.fileExists(atPath: report["svg"] as? String ?? ""), "no SVG: \(report["svg"] ?? "-")")
        for r in reactions {
            guard let decided = r["decidedAt"] as? Double else { continue }
            print("scale \(dataplane) \(r["instance"] ?? "?"): decision -> in the forwarder "
                  + ((r["readyAt"] as? Double).map { String(format: "%.2f s", $0 - decided) } ?? "-") + ", -> first packet "
                  + ((r["firstPacketAt"] as? Double).map { String(format: "%.2f s", $0 - decided) } ?? "-"))
        }
    }

    /// The scale scene interrupted right after its first scale-out: its instances'
    /// namespaces, processes and cgroups go with the rest of the lab.
    @Test(.timeLimit(.minutes(2)))
    func anInterruptedScaleSceneLeavesNoNamespaceProcessOrCgroup() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        let lab = try #require(Self.binary, "sfc-lab is not next to sfc-forwarder: build it in the same scratch path")
        let chain = Forwarder.repositoryRoot + "/Chains/scale-lab.yaml"
        let reports = NSTemporaryDirectory() + "sfc-lab-scenes-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: reports) }
        let run = try E2EProcess(name: "sfc-lab scale", argv: [lab, "demo", "--scene", "scale", "--config", chain,
                                                               "--dataplane", "xdp", "--report-dir", reports])
        defer { run.removeFiles(); _ = E2ECommand.run([lab, "down", "--config", chain], timeout: 60) }
        // The first instance's cgroup exists while it runs (when the host has cgroup2).
        try run.waitFor("load: 2 flows", inStderr: true, timeout: 90)
        var cgroup2: String?
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count > 2 && f[2] == "cgroup2" { cgroup2 = String(f[1]) }
        }
        if let cgroup2 { #expect(FileManager.default.fileExists(atPath: cgroup2 + "/sfc-lab/router-1"), "no cgroup for router-1") }
        let namespaces = { E2ECommand.run(["ip", "netns", "list"]).stdout.split(separator: "\n").filter { $0.hasPrefix("sfc-lab-") } }
        #expect(namespaces().contains { $0.hasPrefix("sfc-lab-router-1") }, "router-1 has no namespace: \(namespaces())")
        kill(run.pid, SIGTERM)
        #expect(run.waitForExit(timeout: 60), "sfc-lab ignored SIGTERM")
        #expect(run.status == 128 + SIGTERM, "status \(run.status):\n\(run.stderr.suffix(2000))")
        #expect(namespaces().isEmpty, "left behind: \(namespaces())")
        if let cgroup2 { #expect(!FileManager.default.fileExists(atPath: cgroup2 + "/sfc-lab"), "left behind: \(cgroup2)/sfc-lab") }
        let sf = E2ECommand.run(["pgrep", "-f", "nsh_aware_sf.py eth0"])
        #expect(sf.stdout.isEmpty, "an NSH-aware instance still runs: \(sf.stdout)")
    }
}
