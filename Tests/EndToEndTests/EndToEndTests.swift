// End to end, in network namespaces: sfc-forwarder on DPDK, one
// net_af_packet device per port over veth, carries a real ping and a real
// TCP transfer from a client namespace to a server namespace and back. Each
// direction has its own chain through an NSH-aware function (a Python
// program on a packet socket that decrements SI) and an NSH-unaware one (a
// Linux router with nftables behind the SFF's NSH proxy), and is delivered
// with the header removed. The network is Tests/e2e/topology.sh, the
// forwarder's configuration Tests/e2e/chain.yaml.
//
// Every count is checked from both sides of each link: the forwarder's
// counters against what the function saw, what nftables counted, and what
// the hosts captured.
import Foundation
import SFCConfig
import SFCLab
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct EndToEndTests {
    static let chainFile = E2ENetwork.scripts + "/chain.yaml"
    static let sendBytes = 2 << 20
    static let replyBytes = 1 << 20
    static let pingCount = 3

    @Test(.timeLimit(.minutes(3)))
    func pingAndTCPCrossBothChainsOnAFPacketAndArriveWithoutNSH() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady() else { return }
        let binary = try #require(Forwarder.binary)

        // The chain file is clean: no error, no warning (MTU, trust, unused ports).
        let (loaded, diagnostics) = ChainFile.load(path: Self.chainFile)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered).joined(separator: "\n"))")
        let config = try #require(loaded)
        func portMAC(_ name: String) throws -> [UInt8] {
            Deliveries.mac(try #require(config.ports.first { $0.name == name }, "no port \(name)").mac.description)
        }

        let network = E2ENetwork()
        let dir = Forwarder.temporaryDirectory("e2e")
        var processes: [E2EProcess] = []
        var forwarderPID: Int32?
        defer {
            for p in processes.reversed() { p.stop(timeout: 5); p.removeFiles() }
            network.down()
            if let pid = forwarderPID { try? FileManager.default.removeItem(atPath: "/var/run/dpdk/sfc-\(pid)") }
            try? FileManager.default.removeItem(atPath: dir)
        }
        try network.removeStale()
        try network.up()

        // The function and the captures first, so nothing the forwarder sends is missed.
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts
        let sf = try network.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        processes.append(sf)
        let serverCapture = try network.start("server capture", in: "server", [py, scripts + "/capture.py", "eth0", dir + "/server.pcap"])
        processes.append(serverCapture)
        let clientCapture = try network.start("client capture", in: "client", [py, scripts + "/capture.py", "eth0", dir + "/client.pcap"])
        processes.append(clientCapture)
        for p in [sf, serverCapture, clientCapture] { try p.waitFor("ready", timeout: 15) }

        // The forwarder polls on the last CPU it may use (the other DPDK tests take the first).
        let lcore = String(CPUAffinity.allowed().last ?? 0)
        let forwarder = try network.start("sfc-forwarder", in: "sff", [binary, "run", "--config", Self.chainFile,
                                                                       "--dataplane", "dpdk", "--lcores", lcore, "--json", "--verbose"])
        processes.append(forwarder)
        forwarderPID = forwarder.pid
        try forwarder.waitFor("forwarding on", inStderr: true, timeout: 60)

        // A real ping.
        let ping = network.run("client", ["ping", "-n", "-c", "\(Self.pingCount)", "-i", "0.2", "-W", "3", "10.199.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("\(Self.pingCount) received"), "ping:\n\(ping.stdout)\(ping.stderr)")

        // A real TCP transfer: 2 MiB client -> server, 1 MiB back, both checked by SHA-256.
        let server = try network.start("TCP server", in: "server", [py, scripts + "/tcp_transfer.py", "server", "10.199.2.2", "5201",
                                                                    "\(Self.replyBytes)", "30"])
        processes.append(server)
        try server.waitFor("listening", timeout: 15)
        let client = network.run("client", [py, scripts + "/tcp_transfer.py", "client", "10.199.2.2", "5201",
                                            "\(Self.sendBytes)", "\(Self.replyBytes)", "30"], timeout: 45)
        #expect(client.status == 0, "TCP client: \(client.stdout)\(client.stderr)")
        // On failure, carry on: the forwarder's counters below say where packets went.
        let transfer = (try? JSONSerialization.jsonObject(with: Data((client.stdout.split(separator: "\n").last ?? "").utf8))) as? [String: Any]
        #expect(transfer?["ok"] as? Bool == true, "TCP transfer: \(client.stdout)")
        #expect(transfer?["server_received"] as? Int == Self.sendBytes && transfer?["reply_bytes"] as? Int == Self.replyBytes)
        #expect(server.waitForExit(timeout: 15) && server.status == 0, "TCP server: \(server.stdout)\(server.stderr)")

        // A flow the firewall blocks: the SYN goes out, nothing comes back.
        let probe = network.run("client", [py, scripts + "/tcp_transfer.py", "probe", "10.199.2.2", "5202", "2"], timeout: 15)
        #expect(probe.stdout.contains("\"timeout\""), "blocked flow: \(probe.stdout)\(probe.stderr)")

        // Stop the forwarder first (its counters are final once it exits), then the rest.
        let stoppedCleanly = forwarder.stop(timeout: 30)
        #expect(stoppedCleanly && forwarder.status == 0, "sfc-forwarder: status \(forwarder.status)\n\(forwarder.stderr.suffix(4000))")
        #expect(!FileManager.default.fileExists(atPath: "/var/run/dpdk/sfc-\(forwarder.pid)"), "the forwarder left its EAL runtime directory")
        for p in [sf, serverCapture, clientCapture] {
            #expect(p.stop(timeout: 10), "\(p.name) ignored SIGTERM")
            #expect(p.status == 0, "\(p.name): status \(p.status)\n\(p.stderr)")
        }
        let nftOutput = network.run("fw", ["nft", "-j", "list", "ruleset"], timeout: 15)
        #expect(nftOutput.status == 0, "nft: \(nftOutput.stderr)")

        let counters = try Forwarder.json(forwarder.stdout)
        let sfText = try #require(try? String(contentsOfFile: dir + "/sf.json", encoding: .utf8),
                                  "nsh_aware_sf.py wrote no statistics on SIGTERM: \(sf.stderr)")
        let sfStats = try Forwarder.json(sfText)
        let nft = try NFTCounters.parse(nftOutput.stdout, table: "sfc_e2e")
        let atServer = try Deliveries(path: dir + "/server.pcap", from: try portMAC("server"), to: Deliveries.mac("02:00:00:e2:02:01"))
        let atClient = try Deliveries(path: dir + "/client.pcap", from: try portMAC("client"), to: Deliveries.mac("02:00:00:e2:01:01"))

        // Every device took what it was given...
        let dpdk = try #require(counters["dpdk"] as? [String: Any])
        #expect((dpdk["tx_refused"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true, "\(dpdk)")
        #expect(dpdk["multi_segment_dropped"] as? Int == 0)
        // ...and the forwarder, the function, nftables and the hosts agree.
        let (ports, seenBySF) = try NSHChainChecks(pingCount: Self.pingCount, sendBytes: Self.sendBytes, replyBytes: Self.replyBytes)
            .expectAgreement(counters: counters, nft: nft, sfStats: sfStats, atServer: atServer, atClient: atClient)

        print("end-to-end: ping \(atClient.icmpEchoReplies)/\(Self.pingCount) replies; TCP \(Self.sendBytes) + \(Self.replyBytes) bytes "
              + "in \(transfer?["seconds"] ?? "?") s, SHA-256 checked; counters \(ports.sorted { $0.key < $1.key }.map { "\($0.key) rx \($0.value["rx"] ?? 0) tx \($0.value["tx"] ?? 0)" }.joined(separator: ", ")); "
              + "function saw \(seenBySF); nftables \(nft.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")

        // Nothing is left behind.
        network.down()
        #expect(network.leftovers().isEmpty, "namespaces left: \(network.leftovers())")
    }
}
