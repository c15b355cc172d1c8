// Interop with Open vSwitch 3.1 (userspace datapath) as an independent NSH
// peer, on both dataplanes (`sfc-forwarder run --dataplane xdp` and
// `--dataplane dpdk`), in network namespaces over veth
// (Tests/e2e/interop-ovs-topology.sh, Tests/e2e/interop-ovs-chain.yaml).
//
// A private OVS (Tests/e2e/ovs-sandbox.sh) runs in a namespace of its own,
// bridge br0 on the netdev datapath (AF_PACKET on its veth ends), between
// the client, the server and our SFF:
//
// - client -> server, NSH pushed by OVS: its flow takes the Ethernet header
//   off and pushes NSH MD type 1 (SPI 100, SI 255, TTL 63, C1 0x0a0b0c0d),
//   then a new Ethernet header towards our SFF. Our SFF forwards it along
//   the chain: nsh_aware_sf.py (SI 254), a Linux router behind our NSH proxy
//   (SI 253), then OVS again, which pops NSH with `decap(),decap()` at SPI
//   100, SI 253, TTL 60, C1 unchanged, and delivers the bare packet to the
//   server.
// - server -> client, NSH pushed by our classifier: OVS hands the bare packet
//   to our classifier, which pushes NSH (SPI 200, MD type 1, context
//   0xc1..0xc4); after the function, OVS matches it on nsh_spi, nsh_si,
//   nsh_c1..c4 and nsh_ttl, pops it and delivers to the client.
//
// Proof, from three independent sides: OVS's n_packets per flow (ovs-ofctl
// dump-flows) against our forwarder's counters and the function's, with
// higher-priority decoy flows for a wrong SPI, a wrong C1 and an SI the
// function did not decrement that must count 0, and a catch-all drop that
// must count 0; the hosts' captures (plain IPv4, good checksums, every ping
// and a 2 MiB + 1 MiB TCP transfer); and a capture of every link decoded by
// tshark: no malformed frame, no expert finding above a note, and the NSH
// fields on the OVS link exactly as each side should have written them. Two
// kinds of finding are reported instead of failing (WireCheck): TCP sequence
// analysis (what the conversation did; loss is counted exactly, above) and a
// host's TCP checksum written as 0xffff for 0 (Linux does, RFC 1624 s3).
//
// The second test holds our NSH proxy to the header OVS pushed: what comes
// back from the NSH-unaware function gets the header its flow left with
// (OVS's C1 and TTL, SI - 1), not one rebuilt from the chain's
// configuration, which would lose a context the chain does not declare and
// reset the TTL upwards (63 - hops).
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct InteropOVSTests {
    static let pingCount = 3
    static let sffInterfaces = ["ovs-plain", "ovs-nsh", "sfa", "fw"]
    /// OVS's OpenFlow ports, in ovs-sandbox.sh's order (1, 2, 3, 4).
    static let ovsPorts = ["to-client", "to-server", "plain", "nsh"]

    // Keep in step with interop-ovs-topology.sh and interop-ovs-chain.yaml.
    static let client = "02:00:00:e7:01:01", server = "02:00:00:e7:02:01"
    static let ovsToClient = "02:00:00:e7:11:01", ovsToServer = "02:00:00:e7:12:01"
    static let ovsPlain = "02:00:00:e7:10:01", ovsNSH = "02:00:00:e7:10:02"
    static let sffPlain = "02:00:00:e7:00:01", sffNSH = "02:00:00:e7:00:02"

    // Flow cookies.
    static let ovsPush: UInt64 = 0x1, ovsPop100: UInt64 = 0x2, toClassifier: UInt64 = 0x3, ovsPop200: UInt64 = 0x4
    static let catchAll: UInt64 = 0x9
    static let decoys: [UInt64: String] = [
        0x11: "SPI 201 (ours is 200)", 0x12: "SPI 200 with C1 0xc2 (ours is 0xc1)", 0x13: "SPI 200 at SI 255 (the function not crossed)",
        0x14: "SPI 100 with C1 0x0a0b0c0e (OVS pushed 0x0a0b0c0d)", 0x15: "SPI 100 at SI 255 (the function not crossed)",
        0x16: "SPI 100 at SI 254 (the firewall not crossed)", proxyLostContext: "SPI 100 at SI 253 with C1 0 (OVS's context lost at the proxy)",
    ]
    static let proxyLostContext: UInt64 = 0x17, proxyResetTTL: UInt64 = 0x18

    /// OVS's part of both chains. Ports: 1 to-client, 2 to-server, 3 plain (our
    /// classifier), 4 nsh (our SFF). RFC 8300 s2.2-2.4 for the fields matched.
    /// `pushTTL`: the NSH TTL OVS pushes (63, OVS's own default, when nil).
    static func flows(pushTTL: Int? = nil) -> [OVSFlow] {
        // Pops NSH and the Ethernet header in front of it (decap() twice: the
        // packet is then bare IPv4) and gives it a new one towards `host`.
        func pop(to host: String, from ovsMAC: String, port: Int) -> String {
            "actions=decap(),decap(),encap(ethernet),set_field:\(ovsMAC)->eth_src,set_field:\(host)->eth_dst,output:\(port)"
        }
        let nsh = "in_port=4,dl_type=0x894f,nsh_mdtype=1"
        let setTTL = pushTTL.map { "set_field:\($0)->nsh_ttl," } ?? ""
        // A TTL restored from the chain's configuration (63 - 2) after the proxy, decremented once more.
        let ttlDecoy = pushTTL.map { _ in [OVSFlow(cookie: proxyResetTTL, text: "priority=200,\(nsh),nsh_spi=100,nsh_si=253,nsh_ttl=60,actions=drop")] } ?? []
        return [
            // The classifier of client -> server: Ethernet off, so that NSH's next
            // protocol is IPv4 (1), not Ethernet (3); MD type 1, SPI 100, SI 255
            // (OVS sets TTL 63 itself); a new Ethernet header to our SFF's port.
            OVSFlow(cookie: ovsPush, text: "priority=100,in_port=1,ip,nw_src=10.197.1.0/24,nw_dst=10.197.2.0/24,"
                    + "actions=decap(),encap(nsh(md_type=1)),set_field:100->nsh_spi,set_field:255->nsh_si,"
                    + "set_field:0x0a0b0c0d->nsh_c1,\(setTTL)encap(ethernet),set_field:\(ovsNSH)->eth_src,set_field:\(sffNSH)->eth_dst,output:4"),
            // Back from our SFF after two functions: SI 253, TTL 63 - 3 (our SFF
            // decrements it on each of its three passes, s2.2), C1 as pushed.
            OVSFlow(cookie: ovsPop100, text: "priority=100,\(nsh),nsh_np=1,nsh_spi=100,nsh_si=253,nsh_c1=0x0a0b0c0d,nsh_ttl=\((pushTTL ?? 63) - 3),"
                    + pop(to: server, from: ovsToServer, port: 2)),
            // server -> client: bare, to our classifier.
            OVSFlow(cookie: toClassifier, text: "priority=100,in_port=2,ip,nw_src=10.197.2.0/24,nw_dst=10.197.1.0/24,"
                    + "actions=set_field:\(ovsPlain)->eth_src,set_field:\(sffPlain)->eth_dst,output:3"),
            // What our classifier pushed (TTL 63, SI 255, the chain's context), after one function.
            OVSFlow(cookie: ovsPop200, text: "priority=100,\(nsh),nsh_np=1,nsh_spi=200,nsh_si=254,nsh_c1=0xc1,nsh_c2=0xc2,"
                    + "nsh_c3=0xc3,nsh_c4=0xc4,nsh_ttl=61," + pop(to: client, from: ovsToClient, port: 1)),
            // Decoys: above the real flows, so they would take any packet they match.
            OVSFlow(cookie: 0x11, text: "priority=200,\(nsh),nsh_spi=201,nsh_si=254,actions=drop"),
            OVSFlow(cookie: 0x12, text: "priority=200,\(nsh),nsh_spi=200,nsh_si=254,nsh_c1=0xc2,actions=drop"),
            OVSFlow(cookie: 0x13, text: "priority=200,\(nsh),nsh_spi=200,nsh_si=255,actions=drop"),
            OVSFlow(cookie: 0x14, text: "priority=200,\(nsh),nsh_spi=100,nsh_si=253,nsh_c1=0x0a0b0c0e,actions=drop"),
            OVSFlow(cookie: 0x15, text: "priority=200,\(nsh),nsh_spi=100,nsh_si=255,actions=drop"),
            OVSFlow(cookie: 0x16, text: "priority=200,\(nsh),nsh_spi=100,nsh_si=254,actions=drop"),
            OVSFlow(cookie: proxyLostContext, text: "priority=200,\(nsh),nsh_spi=100,nsh_si=253,nsh_c1=0,actions=drop"),
            // Anything else (a wrong TTL, next protocol or context word, ARP...) ends here.
            OVSFlow(cookie: catchAll, text: "priority=0,actions=drop"),
        ] + ttlDecoy
    }

    /// A run of the OVS network (namespaces sfc-xdp-<pid>-<scenario>-*) and its
    /// private OVS; the caller tears both down (ovs.stop(), run.tearDown()).
    static func setUp(_ scenario: String, dataplane: String) throws -> (XDPRun, OVSSandbox) {
        let run = try XDPRun(scenario: scenario, script: "interop-ovs-topology.sh", chain: "interop-ovs-chain.yaml", dataplane: dataplane)
        let ovs = OVSSandbox(namespace: run.network.namespace("ovs"), directory: run.directory + "/ovs")
        return (run, ovs)
    }

    /// Builds the network, starts OVS and sets its flows; the chain file as the
    /// repository has it must be clean, and `editChain` may change the run's copy.
    static func start(_ run: XDPRun, _ ovs: OVSSandbox, pushTTL: Int? = nil, editChain: ((String) -> String)? = nil) throws {
        _ = try run.loadConfig()
        if let editChain {
            let text = try String(contentsOfFile: run.chainFile, encoding: .utf8)
            try editChain(text).write(toFile: run.chainFile, atomically: true, encoding: .utf8)
        }
        try run.up()
        try ovs.start(ports: Self.ovsPorts)
        try ovs.setFlows(Self.flows(pushTTL: pushTTL))
    }

    @Test(.timeLimit(.minutes(3)), arguments: ["xdp", "dpdk"])
    func nshPushedByOVSOrByOurClassifierCrossesOurSFFAndOVSPopsIt(dataplane: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(), OVSSandbox.ready() else { return }
        let started = Date()
        let (run, ovs) = try Self.setUp("ovs-\(dataplane)", dataplane: dataplane)
        defer {
            ovs.stop()
            run.tearDown()
        }
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        try Self.start(run, ovs)
        let daemons = ovs.daemonPIDs()

        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        let serverCapture = try run.start("server capture", in: "server", [py, scripts + "/capture.py", "eth0", dir + "/server.pcap"])
        let clientCapture = try run.start("client capture", in: "client", [py, scripts + "/capture.py", "eth0", dir + "/client.pcap"])
        for p in [sf, serverCapture, clientCapture] { try p.waitFor("ready", timeout: 15) }
        // Every link, captured at the end that is not the forwarder's (an XDP
        // redirect bypasses the forwarder side's packet sockets). The last three
        // are hairpins: each TCP segment crosses them twice (to a function
        // and back, to OVS and back), so tshark's TCP sequence analysis and
        // stream reassembly are off there; loss is counted exactly, by the
        // counters.
        let links = [
            try LinkCapture.start("client-ovs", run: run, in: "client", interface: "eth0"),
            try LinkCapture.start("server-ovs", run: run, in: "server", interface: "eth0"),
            try LinkCapture.start("ovs-sff-plain", run: run, in: "ovs", interface: "plain"),
            try LinkCapture.start("ovs-sff-nsh", run: run, in: "ovs", interface: "nsh"),
            try LinkCapture.start("sff-sfa", run: run, in: "sfa", interface: "eth0"),
            try LinkCapture.start("sff-fw", run: run, in: "fw", interface: "eth0"),
        ]

        let forwarder = try run.startForwarder()
        let attached = try run.waitUntilForwarding(forwarder, interfaces: Self.sffInterfaces)
        run.expectNative(attached, forwarder)

        let ping = network.run("client", ["ping", "-n", "-c", "\(Self.pingCount)", "-i", "0.2", "-W", "3", "10.197.2.2"], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains("\(Self.pingCount) received"),
                "ping:\n\(ping.stdout)\(ping.stderr)\nOVS flows: \((try? ovs.packetsByCookie()) ?? [:])\n\(ovs.log())")
        let transfer = try run.tcpTransfer(to: "10.197.2.2")

        let counters = try run.stopForwarder(forwarder, interfaces: Self.sffInterfaces)
        let ovsCounters = try ovs.packetsByCookie()
        let ovsDrops = try ovs.socketDrops()
        let fw = try XDPSupport.packets(network, "fw", "eth0")
        for p in [sf, serverCapture, clientCapture] {
            #expect(p.stop(timeout: 10), "\(p.name) ignored SIGTERM")
            #expect(p.status == 0, "\(p.name): status \(p.status)\n\(p.stderr)")
        }
        for link in links { #expect(link.stop(), "dumpcap on \(link.link): status \(link.process.status)\n\(link.process.stderr)") }
        run.expectReportedNative(counters, interfaces: Self.sffInterfaces)

        let sfStats = try Forwarder.json(try #require(try? String(contentsOfFile: dir + "/sf.json", encoding: .utf8),
                                                      "nsh_aware_sf.py wrote no statistics on SIGTERM: \(sf.stderr)"))
        let atServer = try Deliveries(path: dir + "/server.pcap", from: Deliveries.mac(Self.ovsToServer), to: Deliveries.mac(Self.server))
        let atClient = try Deliveries(path: dir + "/client.pcap", from: Deliveries.mac(Self.ovsToClient), to: Deliveries.mac(Self.client))
        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "drops: \(counters["drops"] ?? "none")")
        let chains = try #require(counters["chains"] as? [[String: Any]])
        let ports = try #require(counters["ports"] as? [String: [String: Int]])
        let seenBySF = try #require(sfStats["by_spi"] as? [String: Int])
        func chain(_ name: String, hops count: Int) throws -> (classified: Int, toSF: Int, toFW: Int, toOVS: Int) {
            let chain = try #require(chains.first { $0["name"] as? String == name }, "no chain \(name): \(chains)")
            let hops = try #require(chain["hops"] as? [[String: Any]])
            try #require(hops.count == count, "\(chain)")
            #expect(chain["delivered"] as? Int == 0, "\(name): OVS ends the path, never our SFF: \(chain)")
            let packets = try hops.map { try #require($0["packets"] as? Int) }
            return (try #require(chain["packets"] as? Int), packets[0], count == 3 ? packets[1] : 0, packets[count - 1])
        }
        let c2s = try chain("ovs-classified", hops: 3), s2c = try chain("sff-classified", hops: 2)
        func ovsCount(_ cookie: UInt64) -> Int { ovsCounters[cookie] ?? -1 }
        let flowSummary = ovsCounters.sorted { $0.key < $1.key }.map { String(format: "0x%llx: %d", $0.key, $0.value) }.joined(separator: ", ")

        // client -> server. OVS pushed NSH on every packet the client sent...
        let pushed = ovsCount(Self.ovsPush)
        #expect(pushed > Self.sendBytes / 1500, "OVS pushed NSH on \(pushed) packets: \(flowSummary)")
        // ...our SFF took each one off ovs-nsh as NSH (our classifier never saw them) and sent it to the function...
        #expect(c2s.classified == 0 && ports["ovs-nsh"]?["rx"] == pushed && c2s.toSF == pushed, "OVS pushed \(pushed): \(c2s) \(ports)")
        #expect(seenBySF["100"] == c2s.toSF, "the function saw \(seenBySF), the forwarder sent \(c2s.toSF)")
        // ...through the proxy, bare, to the firewall, which routed each one back...
        #expect(c2s.toFW == c2s.toSF && fw.rx == c2s.toFW && fw.tx == c2s.toFW && ports["fw"]?["rx"] == fw.tx && ports["fw"]?["tx"] == fw.rx,
                "the proxy sent the firewall \(c2s.toFW); its eth0 received \(fw.rx), sent \(fw.tx); \(ports)")
        // ...then, NSH restored, back to OVS, whose pop flow (SPI 100, SI 253, TTL 60, C1 as pushed) took them
        // (all but what OVS's own socket dropped: checked below, with the other chain's)...
        #expect(c2s.toOVS == c2s.toFW && ovsCount(Self.ovsPop100) <= c2s.toOVS && ovsCount(Self.ovsPop100) > Self.sendBytes / 1500,
                "our SFF sent OVS \(c2s.toOVS): \(flowSummary)")
        // ...and the server got each one OVS popped, bare.
        #expect(atServer.frames == ovsCount(Self.ovsPop100), "the server captured \(atServer.frames), OVS popped \(ovsCount(Self.ovsPop100))")
        #expect(atServer.problems.isEmpty, "delivered by OVS to the server:\n\(atServer.problems.joined(separator: "\n"))")
        #expect(atServer.icmpEchoRequests == Self.pingCount && atServer.tcp > Self.sendBytes / 1500 && atServer.largestFrame == 14 + 1500,
                "\(atServer)")

        // server -> client. OVS handed the bare packets to our classifier, which pushed SPI 200...
        let handed = ovsCount(Self.toClassifier)
        #expect(handed > Self.replyBytes / 1500 && ports["ovs-plain"]?["rx"] == handed && s2c.classified == handed,
                "OVS handed our classifier \(handed): \(s2c) \(ports)")
        #expect(s2c.toSF == s2c.classified && seenBySF["200"] == s2c.toSF, "the function saw \(seenBySF): \(s2c)")
        // ...and OVS matched what came to it on SPI, SI, the four context words and TTL.
        #expect(s2c.toOVS == s2c.toSF && ovsCount(Self.ovsPop200) <= s2c.toOVS && ovsCount(Self.ovsPop200) > Self.replyBytes / 1500,
                "our SFF sent OVS \(s2c.toOVS): \(flowSummary)")
        #expect(atClient.frames == ovsCount(Self.ovsPop200), "the client captured \(atClient.frames), OVS popped \(ovsCount(Self.ovsPop200))")
        #expect(atClient.problems.isEmpty, "delivered by OVS to the client:\n\(atClient.problems.joined(separator: "\n"))")
        #expect(atClient.icmpEchoReplies == Self.pingCount && atClient.tcp > Self.replyBytes / 1500 && atClient.largestFrame == 14 + 1500,
                "\(atClient)")

        // Every NSH frame our SFF sent OVS (the capture on OVS's end of the link
        // shows them all, below) matched a pop flow, or was dropped by the kernel
        // because ovs-vswitchd's AF_PACKET socket on that port was full, a loss
        // that TCP repairs (the userspace datapath reads with the default
        // receive buffer; interop-ovs-topology.sh bounds the hosts' TCP bursts to
        // keep it rare, and it stays under 5 %).
        let nshDrops = ovsDrops["nsh"] ?? -1
        #expect(ovsCount(Self.ovsPop100) + ovsCount(Self.ovsPop200) + nshDrops == c2s.toOVS + s2c.toOVS,
                "our SFF sent OVS \(c2s.toOVS) + \(s2c.toOVS); OVS popped \(flowSummary), its socket on nsh dropped \(nshDrops)")
        let allDrops = ovsDrops.values.reduce(0, +)
        #expect(Set(ovsDrops.keys) == Set(Self.ovsPorts) && allDrops * 20 <= pushed + handed,
                "OVS's sockets dropped \(ovsDrops) of \(pushed + handed) packets (more than 5 %, or a port without a socket)")

        // Nothing else: no decoy and no catch-all packet, nothing lost in our SFF.
        for (cookie, what) in Self.decoys.sorted(by: { $0.key < $1.key }) {
            #expect(ovsCount(cookie) == 0, "the decoy flow for \(what) matched \(ovsCount(cookie)) packets")
        }
        #expect(ovsCount(Self.catchAll) == 0, "\(ovsCount(Self.catchAll)) packets reached OVS's catch-all drop: \(flowSummary)")
        #expect(ports["ovs-nsh"]?["tx"] == c2s.toOVS + s2c.toOVS && ports["sfa"]?["tx"] == c2s.toSF + s2c.toSF
                && ports["sfa"]?["rx"] == sfStats["returned"] as? Int, "\(ports) \(sfStats)")
        // The function saw each chain at SI 255 with TTL 62: OVS's push and our
        // classifier both wrote TTL 63, our SFF took one off (RFC 8300 s2.2).
        let paths = try #require(sfStats["paths"] as? [[String: Int]])
        #expect(paths == [["spi": 100, "si": 255, "ttl": 62], ["spi": 200, "si": 255, "ttl": 62]], "\(paths)")
        #expect(sfStats["refused"] as? Int == 0)

        // Every link, decoded by tshark.
        var checks: [String: WireCheck] = [:]
        for link in links {
            let check = try WireCheck(path: link.path, tcpStreams: !["ovs-sff-nsh", "sff-sfa"].contains(link.link))
            checks[link.link] = check
            #expect(check.frames > 0, "nothing captured on \(link.link)")
            #expect(check.problems.isEmpty, "\(link.link): tshark finds\n\(check.problems.joined(separator: "\n"))")
        }
        // The NSH link as tshark reads it: each side's header, field by field.
        let nsh = try XDPSupport.tsharkFields(links[3].path, ["eth.src", "eth.dst", "nsh.version", "nsh.mdtype", "nsh.length",
                                                              "nsh.nextproto", "nsh.spi", "nsh.si", "nsh.ttl", "nsh.contextheader"],
                                              filter: "nsh")
        var seen: [String: Int] = [:]
        for var frame in nsh where frame.count == 10 {
            frame[8] = frame[8].hasPrefix("0x") ? String(Int(frame[8].dropFirst(2), radix: 16) ?? -1) : frame[8]  // TTL, printed in hex
            seen[frame.joined(separator: " "), default: 0] += 1
        }
        let zero = "00000000"
        let expected = [
            "\(Self.ovsNSH) \(Self.sffNSH) 0 1 6 1 100 255 63 0a0b0c0d,\(zero),\(zero),\(zero)": pushed,
            "\(Self.sffNSH) \(Self.ovsNSH) 0 1 6 1 100 253 60 0a0b0c0d,\(zero),\(zero),\(zero)": c2s.toOVS,
            "\(Self.sffNSH) \(Self.ovsNSH) 0 1 6 1 200 254 61 000000c1,000000c2,000000c3,000000c4": s2c.toOVS,
        ]
        #expect(seen == expected, "NSH on the OVS link (eth.src eth.dst version mdtype length nextproto spi si ttl context: frames)")

        let pidsLeft = daemons.filter(OVSSandbox.isRunning)
        ovs.stop()
        #expect(daemons.count == 2, "ovsdb-server and ovs-vswitchd pid files: \(daemons)")
        #expect(!daemons.contains(where: OVSSandbox.isRunning), "OVS daemons still running after stop: \(daemons) (running before: \(pidsLeft))")
        #expect(!FileManager.default.fileExists(atPath: ovs.directory), "\(ovs.directory) left")

        let tcpEvents = checks.filter { !$0.value.sequence.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sequence)" }
        print("ovs interop (\(dataplane), Open vSwitch \(OVSSandbox.version()) netdev datapath): ping \(atClient.icmpEchoReplies)/\(Self.pingCount); "
              + "TCP \(Self.sendBytes) + \(Self.replyBytes) bytes in \(transfer?["seconds"] ?? "?") s; OVS flows \(flowSummary); "
              + "OVS socket drops \(ovsDrops); TCP analysis (not failures) \(tcpEvents.isEmpty ? "none" : tcpEvents.joined(separator: "; ")); "
              + "forwarder \(XDPRun.summary(ports)); function saw \(seenBySF); "
              + "links " + checks.sorted { $0.key < $1.key }.map {
                  "\($0.key) \($0.value.frames) frames" + ($0.value.negativeZeroChecksums > 0 ? " (\($0.value.negativeZeroChecksums) TCP checksum 0xffff for 0)" : "")
              }.joined(separator: ", ")
              + String(format: "; %.1f s", Date().timeIntervalSince(started)))
        run.network.down()
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())")
    }

    /// What our NSH proxy puts back on a packet that returns from an
    /// NSH-unaware function is the header the packet left with (per-flow
    /// proxy state), not one built from the chain's configuration. RFC 8300
    /// s2.5: the metadata travels with the packet, and an SFC proxy (RFC 7665
    /// s4.6) re-attaches the encapsulation it removed; s2.2: the TTL only
    /// ever goes down. With our own classifier the two agree; with OVS as
    /// the classifier they do not, and the decoy flows count the old answer:
    /// - "context": the chain declares no context (MD type 1, zeros), as a
    ///   chain classified by someone else may; OVS pushes C1 0x0a0b0c0d and
    ///   must get it back after the firewall (the configuration's C1 0 would
    ///   miss its pop flow);
    /// - "ttl": OVS pushes TTL 20; the function sees 19, the firewall 18, and
    ///   OVS must get 17 (the configuration's 63 - 2, less one, is 60).
    @Test(.timeLimit(.minutes(2)), arguments: ["xdp", "dpdk"], ["context", "ttl"])
    func ovsHeaderFieldsAcrossOurNSHProxy(dataplane: String, field: String) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(), OVSSandbox.ready() else { return }
        let (run, ovs) = try Self.setUp("ovs\(field)-\(dataplane)", dataplane: dataplane)
        defer {
            ovs.stop()
            run.tearDown()
        }
        let declared = "context: [0x0a0b0c0d, 0, 0, 0]"
        var edited = false
        let pushTTL = field == "ttl" ? 20 : nil
        try Self.start(run, ovs, pushTTL: pushTTL) { text in
            edited = text.contains(declared)
            return field == "context" ? text.replacingOccurrences(of: declared, with: "context: [0, 0, 0, 0]") : text
        }
        try #require(edited, "the chain file no longer declares \(declared)")
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts
        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", run.directory + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)
        let forwarder = try run.startForwarder()
        _ = try run.waitUntilForwarding(forwarder, interfaces: Self.sffInterfaces)

        let ping = run.network.run("client", ["ping", "-n", "-c", "\(Self.pingCount)", "-i", "0.2", "-W", "1", "10.197.2.2"], timeout: 30)
        let counters = try run.stopForwarder(forwarder, interfaces: Self.sffInterfaces)
        let flows = try ovs.packetsByCookie()
        #expect(sf.stop(timeout: 10) && sf.status == 0, "nsh_aware_sf.py: \(sf.stderr)")
        let sfStats = try Forwarder.json((try? String(contentsOfFile: run.directory + "/sf.json", encoding: .utf8)) ?? "")

        let chains = try #require(counters["chains"] as? [[String: Any]])
        let c2s = try #require(chains.first { $0["name"] as? String == "ovs-classified" })
        let toOVS = try #require((c2s["hops"] as? [[String: Any]])?.last?["packets"] as? Int)
        // Every echo request crossed both functions and reached OVS at SI 253;
        // the function saw what OVS pushed, less our SFF's one TTL decrement
        // (and the replies as our classifier pushed them, TTL 63 - 1)...
        #expect(flows[Self.ovsPush] == Self.pingCount && toOVS == Self.pingCount, "\(c2s) \(flows)")
        #expect(sfStats["paths"] as? [[String: Int]] == [["spi": 100, "si": 255, "ttl": (pushTTL ?? 63) - 1], ["spi": 200, "si": 255, "ttl": 62]],
                "\(sfStats)")
        #expect(flows[Self.ovsPop200] == Self.pingCount, "\(flows)")
        // ...and OVS got the field as it pushed it (popped, delivered) or as the chain's configuration has it.
        let popped = flows[Self.ovsPop100] ?? -1
        let restored = flows[field == "ttl" ? Self.proxyResetTTL : Self.proxyLostContext] ?? -1
        #expect(popped + restored == toOVS && flows[Self.catchAll] == 0, "\(flows)")
        #expect(popped == toOVS && restored == 0 && ping.status == 0, "OVS popped \(popped), saw the configured \(field) on \(restored); ping:\n\(ping.stdout)")
    }

    static let sendBytes = XDPRun.sendBytes
    static let replyBytes = XDPRun.replyBytes
}
