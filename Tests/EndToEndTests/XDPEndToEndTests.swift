// End to end on the XDP dataplane, in network namespaces over veth, with
// native XDP: `sfc-forwarder run --dataplane xdp` attaches the BPF program
// to the forwarder's end of every veth and then carries real traffic.
//
// - NSH: the DPDK end-to-end network and chain file (Tests/e2e/topology.sh,
//   Tests/e2e/chain.yaml): ping and a TCP transfer in both directions
//   through an NSH-aware function (nsh_aware_sf.py) and an nftables firewall
//   behind the NSH proxy, every count checked from both sides of each link,
//   the header removed on delivery.
// - SRv6 with the kernel as the last hop (Tests/e2e/srv6-topology.sh,
//   Tests/e2e/srv6-chain.yaml): H.Encaps, an End.AS proxy in front of the
//   firewall, then a SID owned by another namespace's kernel (a seg6local
//   End.DX4 route) that delivers to the server; replies come back as plain
//   IPv4, are classified onto a second chain and end on our own End.DX4.
//   tshark decodes what we put on the wire to the kernel.
// - Restart: a forwarder stopped with --leave-running leaves the program
//   attached and its maps pinned, traffic keeps flowing with no daemon, and
//   the next forwarder adopts them (same program, counters carried on); a
//   clean stop detaches and unpins.
//
// The hosts' ends of the veths carry an XDP_PASS program (xdp_pass.c): a
// redirect into a veth needs NAPI on its peer. Each run has its own
// namespaces (sfc-xdp-<pid>-<scenario>-*) and node name, hence its own pin
// directory (/sys/fs/bpf/sfc/sfc-xdp-<pid>-<scenario>); what a crashed run
// left is removed by the next one (topology.sh stale).
import Foundation
import SFCConfig
import SFCLab
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct XDPEndToEndTests {
    static let sendBytes = XDPRun.sendBytes
    static let replyBytes = XDPRun.replyBytes
    static let pingCount = 3
    static let nshInterfaces = ["client", "server", "sfa", "fw-c2s", "fw-s2c"]
    static let srv6Interfaces = ["client", "fw-c2s", "fw-s2c", "core"]

    // MARK: NSH

    @Test(.timeLimit(.minutes(2)))
    func nshPingAndTCPCrossBothChainsOnNativeXDPAndArriveWithoutNSH() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        let run = try XDPRun(scenario: "nsh", script: "topology.sh", chain: "chain.yaml")
        defer { run.tearDown() }
        let config = try run.loadConfig()
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try run.up()

        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        let serverCapture = try run.start("server capture", in: "server", [py, scripts + "/capture.py", "eth0", dir + "/server.pcap"])
        let clientCapture = try run.start("client capture", in: "client", [py, scripts + "/capture.py", "eth0", dir + "/client.pcap"])
        for p in [sf, serverCapture, clientCapture] { try p.waitFor("ready", timeout: 15) }

        let forwarder = try run.startForwarder()
        let attached = try run.waitUntilForwarding(forwarder, interfaces: Self.nshInterfaces)
        run.expectNative(attached, forwarder)

        let ping = network.run("client", ["ping", "-n", "-c", "\(Self.pingCount)", "-i", "0.2", "-W", "3", "10.199.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("\(Self.pingCount) received"), "ping:\n\(ping.stdout)\(ping.stderr)")
        let transfer = try run.tcpTransfer(to: "10.199.2.2")
        let probe = network.run("client", [py, scripts + "/tcp_transfer.py", "probe", "10.199.2.2", "5202", "2"], timeout: 15)
        #expect(probe.stdout.contains("\"timeout\""), "blocked flow: \(probe.stdout)\(probe.stderr)")

        let counters = try run.stopForwarder(forwarder, interfaces: Self.nshInterfaces)
        for p in [sf, serverCapture, clientCapture] {
            #expect(p.stop(timeout: 10), "\(p.name) ignored SIGTERM")
            #expect(p.status == 0, "\(p.name): status \(p.status)\n\(p.stderr)")
        }
        run.expectReportedNative(counters, interfaces: Self.nshInterfaces)
        let nft = try run.nftCounters()
        let sfStats = try Forwarder.json(try #require(try? String(contentsOfFile: dir + "/sf.json", encoding: .utf8),
                                                      "nsh_aware_sf.py wrote no statistics on SIGTERM: \(sf.stderr)"))
        let atServer = try Deliveries(path: dir + "/server.pcap", from: try config.mac(ofPort: "server"), to: Deliveries.mac("02:00:00:e2:02:01"))
        let atClient = try Deliveries(path: dir + "/client.pcap", from: try config.mac(ofPort: "client"), to: Deliveries.mac("02:00:00:e2:01:01"))

        let (ports, seenBySF) = try NSHChainChecks(pingCount: Self.pingCount, sendBytes: Self.sendBytes, replyBytes: Self.replyBytes)
            .expectAgreement(counters: counters, nft: nft, sfStats: sfStats, atServer: atServer, atClient: atClient)

        print("xdp nsh end-to-end: \(attached.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); "
              + "ping \(atClient.icmpEchoReplies)/\(Self.pingCount); TCP \(Self.sendBytes) + \(Self.replyBytes) bytes in \(transfer?["seconds"] ?? "?") s; "
              + "counters \(XDPRun.summary(ports)); function saw \(seenBySF); nftables \(XDPRun.summary(nft))")
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }

    // MARK: SRv6, the kernel as the last hop

    @Test(.timeLimit(.minutes(2)))
    func srv6PingAndTCPReachTheServerThroughAKernelEndDX4AndComeBackThroughOurs() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(),
              KernelSRv6Ready.ready(for: "SRv6 with the kernel's End.DX4") else { return }
        let run = try XDPRun(scenario: "srv6", script: "srv6-topology.sh", chain: "srv6-chain.yaml")
        defer { run.tearDown() }
        let config = try run.loadConfig()
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try run.up()

        let dxCapture = try run.start("dx capture", in: "dx", [py, scripts + "/capture.py", "eth0", dir + "/dx.pcap"])
        let serverCapture = try run.start("server capture", in: "server", [py, scripts + "/capture.py", "eth0", dir + "/server.pcap"])
        let clientCapture = try run.start("client capture", in: "client", [py, scripts + "/capture.py", "eth0", dir + "/client.pcap"])
        for p in [dxCapture, serverCapture, clientCapture] { try p.waitFor("ready", timeout: 15) }
        let dxBefore = try XDPSupport.packets(network, "dx", "eth0")

        let forwarder = try run.startForwarder()
        let attached = try run.waitUntilForwarding(forwarder, interfaces: Self.srv6Interfaces)
        run.expectNative(attached, forwarder)

        let ping = network.run("client", ["ping", "-n", "-c", "\(Self.pingCount)", "-i", "0.2", "-W", "3", "10.198.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("\(Self.pingCount) received"), "ping:\n\(ping.stdout)\(ping.stderr)")
        let transfer = try run.tcpTransfer(to: "10.198.2.2")
        let probe = network.run("client", [py, scripts + "/tcp_transfer.py", "probe", "10.198.2.2", "5202", "2"], timeout: 15)
        #expect(probe.stdout.contains("\"timeout\""), "blocked flow: \(probe.stdout)\(probe.stderr)")

        let counters = try run.stopForwarder(forwarder, interfaces: Self.srv6Interfaces)
        for p in [dxCapture, serverCapture, clientCapture] {
            #expect(p.stop(timeout: 10), "\(p.name) ignored SIGTERM")
            #expect(p.status == 0, "\(p.name): status \(p.status)\n\(p.stderr)")
        }
        run.expectReportedNative(counters, interfaces: Self.srv6Interfaces)
        let nft = try run.nftCounters()
        let dx = try XDPSupport.packets(network, "dx", "eth0")
        let atServer = try Deliveries(path: dir + "/server.pcap", from: Deliveries.mac("02:00:00:e6:05:01"), to: Deliveries.mac("02:00:00:e6:05:02"))
        let atClient = try Deliveries(path: dir + "/client.pcap", from: try config.mac(ofPort: "client"), to: Deliveries.mac("02:00:00:e6:01:01"))

        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "drops: \(counters["drops"] ?? "none")")
        let chains = try #require(counters["chains"] as? [[String: Any]])
        let ports = try #require(counters["ports"] as? [String: [String: Int]])
        func chain(_ name: String) throws -> (classified: Int, toFirewall: Int) {
            let chain = try #require(chains.first { $0["name"] as? String == name }, "no chain \(name): \(chains)")
            let hops = try #require(chain["hops"] as? [[String: Any]])
            try #require(hops.count == 1, "\(chain)")
            return (try #require(chain["packets"] as? Int), try #require(hops[0]["packets"] as? Int))
        }
        let c2s = try chain("client-to-server"), s2c = try chain("server-to-client")

        // client -> server: classified, End.AS sent every packet to the firewall bare...
        #expect(c2s.classified > Self.sendBytes / 1500 && ports["client"]?["rx"] == c2s.classified, "\(c2s) \(ports)")
        #expect(c2s.toFirewall == c2s.classified && ports["fw-c2s"]?["tx"] == c2s.toFirewall, "\(c2s) \(ports)")
        #expect(nft["client_to_server"] == c2s.toFirewall, "nftables counted \(nft), End.AS sent \(c2s.toFirewall)")
        // ...what it let through came back and left, re-encapsulated, for the kernel's SID...
        let passed = c2s.toFirewall - (nft["blocked"] ?? 0)
        #expect((nft["blocked"] ?? 0) >= 1 && ports["fw-c2s"]?["rx"] == passed && ports["core"]?["tx"] == passed, "\(nft) \(ports)")
        #expect(dx.rx - dxBefore.rx == passed, "dx eth0 received \(dx.rx - dxBefore.rx) packets, the forwarder sent \(passed)")
        // ...and the kernel delivered each one to the server, decapsulated.
        #expect(atServer.frames == passed, "the server captured \(atServer.frames), the forwarder sent \(passed) to dx")
        #expect(atServer.problems.isEmpty, "delivered by dx:\n\(atServer.problems.joined(separator: "\n"))")
        #expect(atServer.largestFrame == 14 + 1500 && atServer.icmpEchoRequests == Self.pingCount, "\(atServer)")

        // What the kernel got, decoded by tshark: outer IPv6 from our srv6-source to its
        // SID, hop limit 64, an SRH (type 4, SL 0, last entry 1, [fc00:d4::d4, fc00:e6::a1])
        // around the client's IPv4 packet as the firewall forwarded it (TTL 63).
        let frames = try XDPSupport.tsharkFields(dir + "/dx.pcap", [
            "eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.nxt", "ipv6.routing.type", "ipv6.routing.segleft",
            "ipv6.routing.srh.last_entry", "ipv6.routing.srh.addr", "ipv6.routing.nxt", "ip.src", "ip.dst", "ip.ttl",
            "ip.checksum.status", "tcp.checksum.status", "icmp.checksum.status", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message",
        ], options: ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"])
        #expect(frames.count == passed, "dx.pcap holds \(frames.count) frames, the forwarder sent \(passed)")
        let expected = ["02:00:00:e6:00:04", "02:00:00:e6:04:01", "2001:db8:e6::1", "fc00:d4::d4", "64", "43", "4", "0",
                        "1", "fc00:d4::d4,fc00:e6::a1", "4", "10.198.1.2", "10.198.2.2", "63"]
        // Then the checksum verdicts (ip, tcp, icmp: empty or 1, good), no malformed
        // packet, and no expert finding above a note (TCP analysis notes are fine),
        // but the TCP endpoints' own (tolerableTCPFindings, as in the interop
        // tests): a D-SACK, say, when two CPUs' veth backlogs reordered a
        // sender's segments and it re-sent one.
        func problem(_ f: [String]) -> Bool {
            guard f.count >= expected.count + 6, Array(f.prefix(expected.count)) == expected else { return true }
            let statuses = f[expected.count..<expected.count + 3], malformed = f[expected.count + 3]
            let severities = f[expected.count + 4].split(separator: ",").compactMap { Int($0) }
            let messages = f[expected.count + 5].split(separator: ",").map(String.init)
            let serious = severities.enumerated().filter { k, severity in
                severity > 0x0040_0000 && !(k < messages.count && tolerableTCPFindings.contains { messages[k].hasPrefix($0) })
            }
            return statuses.contains { !$0.isEmpty && $0 != "1" } || !malformed.isEmpty || !serious.isEmpty
        }
        let wrong = frames.enumerated().filter { problem($0.element) }.prefix(10).map { "frame \($0.offset + 1): \($0.element.joined(separator: " | "))" }
        let expectedText = expected.joined(separator: " | "), allAsExpected = wrong.isEmpty
        #expect(allAsExpected, "frames the forwarder sent to the kernel's SID, not as expected (\(expectedText)):\n\(wrong.joined(separator: "\n"))")

        // server -> client: plain IPv4 from dx, classified on core, End.AS to the firewall,
        // back, our End.DX4 to the client.
        #expect(s2c.classified > Self.replyBytes / 1500 && ports["core"]?["rx"] == s2c.classified, "\(s2c) \(ports)")
        #expect(s2c.toFirewall == s2c.classified && ports["fw-s2c"]?["tx"] == s2c.toFirewall, "\(s2c) \(ports)")
        #expect(nft["server_to_client"] == s2c.toFirewall, "nftables counted \(nft), End.AS sent \(s2c.toFirewall)")
        #expect(ports["fw-s2c"]?["rx"] == s2c.toFirewall && ports["client"]?["tx"] == s2c.toFirewall, "\(ports)")
        #expect(atClient.frames == s2c.toFirewall, "the client captured \(atClient.frames), the forwarder delivered \(s2c.toFirewall)")
        #expect(atClient.problems.isEmpty, "delivered to the client:\n\(atClient.problems.joined(separator: "\n"))")
        #expect(atClient.icmpEchoReplies == Self.pingCount && atClient.tcp > Self.replyBytes / 1500, "\(atClient)")
        #expect(nft["other"] == 0 && nft["icmp_passed"] == 2 * Self.pingCount, "\(nft)")

        print("xdp srv6 end-to-end: \(attached.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); "
              + "ping \(atClient.icmpEchoReplies)/\(Self.pingCount); TCP \(Self.sendBytes) + \(Self.replyBytes) bytes in \(transfer?["seconds"] ?? "?") s; "
              + "\(frames.count) SRv6 frames to the kernel's End.DX4, \(atServer.frames) delivered by it; "
              + "counters \(XDPRun.summary(ports)); nftables \(XDPRun.summary(nft))")
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }

    // MARK: Restart

    @Test(.timeLimit(.minutes(2)))
    func aForwarderStoppedWithLeaveRunningKeepsForwardingAndTheNextOneAdoptsIt() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        let run = try XDPRun(scenario: "restart", script: "topology.sh", chain: "chain.yaml")
        defer { run.tearDown() }
        guard run.dataplane == "xdp" else { return }  // --leave-running and adoption are the XDP dataplane's
        _ = try run.loadConfig()
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        let pins = XDPSupport.pinDirectory(node: run.node)
        try run.up()
        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)

        // Echo replies the client has received: its eth0 receives nothing else
        // (IPv4 only, static neighbours).
        func replies() throws -> Int { try XDPSupport.packets(network, "client", "eth0").rx }
        // Waits for 20 more replies (a ping every 50 ms: about a second's worth),
        // up to 30 s: a loaded machine may run ping late, never the check.
        // Nothing is lost in any phase: the exact count is checked at the end.
        func repliesGrow(from count: Int, _ what: String) throws -> Int {
            let deadline = Date().addingTimeInterval(30)
            var now = try replies()
            while now - count < 20 && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
                now = try replies()
            }
            #expect(now - count >= 20, "\(what): the client got \(now - count) echo replies in 30 s")
            return now
        }

        // 1. The first forwarder, told to leave the dataplane running; a ping every 50 ms.
        let first = try run.startForwarder(label: "sfc-forwarder (first)", ["--leave-running"])
        let attached = try run.waitUntilForwarding(first, interfaces: Self.nshInterfaces)
        run.expectNative(attached, first)
        let ping = try run.start("ping", in: "client", ["ping", "-n", "-i", "0.05", "-w", "90", "10.199.2.2"])
        var seen = try repliesGrow(from: 0, "with the first forwarder")

        // 2. It stops (SIGTERM) and leaves program and maps behind; traffic keeps flowing.
        #expect(first.stop(timeout: 30) && first.status == 0, "first forwarder: status \(first.status)\n\(first.stderr.suffix(4000))")
        let firstReport = try Forwarder.json(first.stdout)
        #expect((firstReport["xdp"] as? [String: Any])?["left_running"] as? Bool == true, "\(firstReport["xdp"] ?? "no xdp section")")
        let firstClassified = try #require((firstReport["chains"] as? [[String: Any]])?.first { $0["name"] as? String == "client-to-server" }?["packets"] as? Int)
        let pids = E2ECommand.run(["ip", "netns", "pids", network.namespace("sff")], timeout: 10)
        #expect(pids.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "still running in sff: \(pids.stdout)")
        var afterStop: [String: XDPSupport.Attachment] = [:]
        for interface in Self.nshInterfaces { afterStop[interface] = try XDPSupport.attachment(network, "sff", interface) }
        #expect(afterStop == attached, "with --leave-running the program stays attached: before \(attached), after \(afterStop)")
        let pinned = (try? FileManager.default.contentsOfDirectory(atPath: pins)) ?? []
        #expect(!pinned.isEmpty, "with --leave-running \(pins) holds the program and maps; it holds \(pinned)")
        let stoppedAt = try XDPSupport.packets(network, "client", "eth0").tx
        seen = try repliesGrow(from: seen, "with no forwarder running")

        // 3. The second forwarder adopts what is pinned: the same program, the same counters.
        let second = try run.startForwarder(label: "sfc-forwarder (second)")
        let adoptedDeadline = Date().addingTimeInterval(30)
        while second.isRunning && !second.stderr.lowercased().contains("adopt") && Date() < adoptedDeadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(second.stderr.lowercased().contains("adopt"), "the second forwarder does not say it adopted the pinned dataplane:\n\(second.stderr.suffix(4000))")
        let readopted = try run.waitUntilForwarding(second, interfaces: Self.nshInterfaces)
        #expect(readopted == attached, "the second forwarder replaced the program: before \(attached), after \(readopted)")
        seen = try repliesGrow(from: seen, "with the second forwarder")

        // 4. Traffic stops; a clean stop detaches and unpins.
        ping.kill()
        try run.waitUntilQuiet([("client", "eth0"), ("server", "eth0")])
        let client = try XDPSupport.packets(network, "client", "eth0"), server = try XDPSupport.packets(network, "server", "eth0")
        let counters = try run.stopForwarder(second, interfaces: Self.nshInterfaces)
        #expect(sf.stop(timeout: 10) && sf.status == 0, "nsh_aware_sf.py: \(sf.stderr)")

        #expect((counters["xdp"] as? [String: Any])?["adopted"] as? Bool == true, "\(counters["xdp"] ?? "no xdp section")")
        let ports = try #require(counters["ports"] as? [String: [String: Int]])
        let chains = try #require(counters["chains"] as? [[String: Any]])
        let c2s = try #require(chains.first { $0["name"] as? String == "client-to-server" })
        let s2c = try #require(chains.first { $0["name"] as? String == "server-to-client" })
        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "drops: \(counters["drops"] ?? "none")")
        // The counters span all three phases: every echo request the client sent was
        // classified, including those sent before the second forwarder started.
        let classified = c2s["packets"] as? Int
        #expect(firstClassified > 0 && firstClassified <= stoppedAt && client.tx > stoppedAt && classified == client.tx
                && ports["client"]?["rx"] == client.tx,
                "the client sent \(client.tx) echo requests (\(stoppedAt) when the first forwarder stopped); the first forwarder counted \(firstClassified) classified, the second \(classified ?? -1), port \(ports["client"] ?? [:])")
        #expect(c2s["delivered"] as? Int == server.rx && ports["server"]?["tx"] == server.rx, "server got \(server.rx): \(c2s) \(ports)")
        #expect(s2c["packets"] as? Int == server.tx && s2c["delivered"] as? Int == client.rx && ports["client"]?["tx"] == client.rx,
                "server sent \(server.tx), client got \(client.rx): \(s2c) \(ports)")
        // Not one lost across the stop, the gap and the adoption.
        #expect(client.rx == client.tx && server.rx == client.tx,
                "the client sent \(client.tx) echo requests, the server got \(server.rx), the client \(client.rx) replies (\(seen) seen last)")
        let sfStats = try Forwarder.json((try? String(contentsOfFile: dir + "/sf.json", encoding: .utf8)) ?? "")
        #expect((sfStats["by_spi"] as? [String: Int])?["100"] == client.tx, "the function saw \(sfStats)")

        print("xdp restart: \(client.tx) echo requests over three phases (\(stoppedAt) when the first forwarder left), "
              + "\(client.rx) replies; program \(attached.values.first?.description ?? "?") kept and adopted; counters \(XDPRun.summary(ports))")
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }
}
