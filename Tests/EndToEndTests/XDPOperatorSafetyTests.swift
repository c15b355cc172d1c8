// What keeps a running XDP node safe from an operator's slips, in the NSH
// end-to-end network (Tests/e2e/topology.sh, chain.yaml):
// - one forwarder per node and per interface: a second start of the same
//   node, or another node on the same interfaces, is refused with a message
//   naming the running one, which keeps forwarding; a forwarder killed with
//   SIGKILL leaves no stale lock (the kernel drops its flock);
// - a port whose link is down (XDP and DPDK): the forwarder says so when it
//   starts and when it changes, drops what it would send there as
//   `egress-down` instead of counting it as transmitted, and forwards to it
//   again once the link is back.
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct XDPOperatorSafetyTests {
    static let interfaces = XDPEndToEndTests.nshInterfaces

    @Test(.timeLimit(.minutes(2)))
    func aSecondForwarderOfTheNodeOrOnItsInterfacesIsRefusedAndTheFirstKeepsForwarding() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        let run = try XDPRun(scenario: "lock", script: "topology.sh", chain: "chain.yaml")
        defer { run.tearDown() }
        guard run.dataplane == "xdp" else { return }
        _ = try run.loadConfig()
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try run.up()
        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)

        let first = try run.startForwarder(label: "sfc-forwarder (first)")
        let attached = try run.waitUntilForwarding(first, interfaces: Self.interfaces)

        // The same node again: refused, naming the running one.
        let again = try run.startForwarder(label: "sfc-forwarder (same node)")
        #expect(again.waitForExit(timeout: 30) && again.status == 1, "status \(again.status)\n\(again.stderr.suffix(2000))")
        #expect(again.stderr.contains("node \(run.node) is already running (pid \(first.pid)")
                && again.stderr.contains(run.chainFile), "\(again.stderr.suffix(2000))")

        // Another node on the same interfaces: refused too.
        let otherFile = dir + "/other-node.yaml"
        let text = try String(contentsOfFile: run.chainFile, encoding: .utf8)
        try text.replacingOccurrences(of: "name: \(run.node)\n", with: "name: \(run.node)-b\n").write(toFile: otherFile, atomically: true, encoding: .utf8)
        let other = try run.startForwarder(label: "sfc-forwarder (other node)", configFile: otherFile)
        #expect(other.waitForExit(timeout: 30) && other.status == 1, "status \(other.status)\n\(other.stderr.suffix(2000))")
        #expect(other.stderr.contains("is already in use by another forwarder (pid \(first.pid), node \(run.node)"),
                "\(other.stderr.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: XDPSupport.pinDirectory(node: run.node + "-b")), "the refused node pinned nothing")

        // The first one was not disturbed: same program on every interface, and it forwards.
        var now: [String: XDPSupport.Attachment] = [:]
        for interface in Self.interfaces { now[interface] = try XDPSupport.attachment(network, "sff", interface) }
        #expect(now == attached, "before \(attached), after the refused starts \(now)")
        let ping = network.run("client", ["ping", "-n", "-c", "3", "-i", "0.2", "-w", "10", "10.199.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("3 received"), "ping:\n\(ping.stdout)\(ping.stderr)")
        let counters = try run.stopForwarder(first, interfaces: Self.interfaces)
        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "\(counters["drops"] ?? "")")

        // SIGKILL leaves pins and XDP behind, but no lock: the next start adopts.
        let killed = try run.startForwarder(label: "sfc-forwarder (killed)")
        _ = try run.waitUntilForwarding(killed, interfaces: Self.interfaces)
        killed.kill()
        #expect(killed.waitForExit(timeout: 15), "SIGKILL did not end the forwarder")
        let after = try run.startForwarder(label: "sfc-forwarder (after SIGKILL)")
        _ = try run.waitUntilForwarding(after, interfaces: Self.interfaces)
        #expect(after.stderr.lowercased().contains("adopt"), "\(after.stderr.suffix(2000))")
        _ = try run.stopForwarder(after, interfaces: Self.interfaces)
        #expect(sf.stop(timeout: 10))
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }

    /// On XDP the port loses its devmap entry; on DPDK (net_af_packet, which
    /// would take the burst and let the kernel drop it) the lcore drops it.
    @Test(.timeLimit(.minutes(2)), arguments: ["xdp", "dpdk"])
    func aPortWhoseLinkIsDownDropsAsEgressDownAndCountsNothingSentUntilItComesBack(dataplane: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        let run = try XDPRun(scenario: "link-\(dataplane)", script: "topology.sh", chain: "chain.yaml", dataplane: dataplane)
        defer { run.tearDown() }
        _ = try run.loadConfig()
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try run.up()
        // The NSH-aware function's host end is down: the forwarder's sfa port has no carrier.
        #expect(network.run("sfa", ["ip", "link", "set", "eth0", "down"]).status == 0)

        let forwarder = try run.startForwarder()
        _ = try run.waitUntilForwarding(forwarder, interfaces: Self.interfaces)
        #expect(forwarder.stderr.contains("port sfa: interface sfa is down"), "\(forwarder.stderr.suffix(3000))")

        // Each echo request is classified and meant for sfa: dropped there, not sent.
        // Exactly three requests (-W: a second for each reply, no deadline that would send more).
        let lost = network.run("client", ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "10.199.2.2"], timeout: 30)
        #expect(lost.status != 0 && lost.stdout.contains("0 received"), "ping with sfa down:\n\(lost.stdout)")
        let sfaBefore = try XDPSupport.packets(network, "sfa", "eth0")

        // The link comes back: the forwarder notices and forwards to it again.
        #expect(network.run("sfa", ["ip", "link", "set", "eth0", "up"]).status == 0)
        try forwarder.waitFor("port sfa: link of sfa is up", inStderr: true, timeout: 30)
        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)
        let ping = network.run("client", ["ping", "-n", "-c", "3", "-i", "0.2", "-w", "10", "10.199.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("3 received"), "ping with sfa up:\n\(ping.stdout)\(ping.stderr)")

        let counters = try run.stopForwarder(forwarder, interfaces: Self.interfaces)
        #expect(sf.stop(timeout: 10))
        let ports = try #require(counters["ports"] as? [String: [String: Int]])
        let drops = counters["drops"] as? [String: Int] ?? [:]
        let sfaAfter = try XDPSupport.packets(network, "sfa", "eth0")
        // Three lost requests, each dropped once as egress-down; sfa's tx is
        // exactly what its host received (both directions of the three good pings).
        #expect(drops == ["egress-down": 3], "drops \(drops)")
        #expect(ports["sfa"]?["tx"] == sfaAfter.rx - sfaBefore.rx && (ports["sfa"]?["tx"] ?? 0) >= 3,
                "sfa tx \(ports["sfa"] ?? [:]), its host received \(sfaAfter.rx - sfaBefore.rx)")
        #expect(ports["client"]?["rx"] == 6, "\(ports)")
        let section = counters[dataplane] as? [String: Any]
        #expect((section?["links"] as? [String: String])?["sfa"] == "up" && section?["link_changes"] as? Int == 1, "\(section ?? [:])")
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }
}
