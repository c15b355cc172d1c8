// Interoperability with the Linux kernel's SRv6 as an independent peer, on
// both dataplanes (`sfc-forwarder run --dataplane xdp` and `dpdk`), in
// network namespaces over veth (Tests/e2e/interop-srv6-topology.sh):
//
// - kernel headend (interop-srv6-kernel-headend.yaml): the client's kernel
//   encapsulates (seg6 encap routes, RFC 8986 s5.1 H.Encaps); our node runs
//   the SIDs it names: End (s4.1) for one flow, End.AS in front of an
//   SR-unaware router (draft-ietf-spring-sr-service-programming s6.1) for
//   the other; dx's kernel End.DX4 (s4.6) delivers both to the server.
//   Once with the kernel's H.Encaps, once with its H.Encaps.Red (s5.2).
// - our headend (interop-srv6-forwarder-headend.yaml): our classifier and
//   H.Encaps (s5.1), or H.Encaps.Red (s5.2) with every chain `reduced`,
//   with and without an End.AS hop, towards dx's kernel End.DX4; and IPv6
//   towards dx's kernel End.DT6 (s4.7, `table 100`).
// - in both, the server's replies are encapsulated by dx's kernel towards
//   our End.DX4 (IPv6 replies: our End.DX6), which delivers them.
//
// Real traffic: pings and a TCP transfer per IPv4 flow (tcp_transfer.py
// checks SHA-256 both ways; it speaks IPv4 only), full-size pings for IPv6.
// Every link is captured at its far end (dumpcap, both directions); tshark
// decodes each frame: no malformed frame and no expert finding above a note
// on any link (but the TCP endpoints' own findings: receiver window full,
// zero window, D-SACK, Linux's 0xffff for a zero checksum; counted and
// printed, see tolerableTCPFindings), every frame of
// the header signature its hop must produce, the same number of frames of
// one flow on every link it crosses, and those numbers equal to the
// forwarder's --json counters. Each run takes 6 to 8 s.
//
// Not covered: the kernel's End.DT4 (`seg6local action End.DT4 vrftable N`)
// needs a VRF device, and this machine's kernel is built without
// CONFIG_NET_VRF (`ip link add ... type vrf` fails: "Unknown device type";
// the End.DT4 route is refused with EINVAL), so there is no kernel End.DT4
// to deliver our encapsulation here. Its End.DT6 has a non-VRF mode
// (`table N`), which stands in as the kernel's table-lookup decapsulation.
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct InteropKernelSRv6Tests {
    static let interfaces = ["client", "fn", "core"]
    static let pingCount = 3
    static let sendBytes = 256 << 10
    static let replyBytes = 128 << 10
    /// The MACs of interop-srv6-topology.sh, by name.
    static let macs: [String: String] = [
        "02:00:00:e7:00:01": "client-port", "02:00:00:e7:01:01": "client",
        "02:00:00:e7:00:02": "fn-port", "02:00:00:e7:02:01": "fn",
        "02:00:00:e7:00:03": "core-port", "02:00:00:e7:03:01": "dx",
        "02:00:00:e7:04:01": "dx-s", "02:00:00:e7:04:02": "server",
    ]
    static let servers = ["10.197.2.2", "10.197.2.3"]

    // MARK: The kernel as headend, our End and End.AS in the middle

    @Test(.timeLimit(.minutes(5)), arguments: [("xdp", false), ("xdp", true), ("dpdk", false), ("dpdk", true)])
    func kernelEncapsulatedTrafficCrossesOurEndAndEndASToAKernelEndDX4(dataplane: String, reduced: Bool) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(), InteropCapture.ready(),
              KernelSRv6Ready.ready(for: "kernel SRv6 interop") else { return }
        let run = try XDPRun(scenario: "isr6-k-\(dataplane)\(reduced ? "-red" : "")", script: "interop-srv6-topology.sh",
                             chain: "interop-srv6-kernel-headend.yaml", dataplane: dataplane)
        defer { run.tearDown() }
        let started = Date()
        let o = try InteropScenario.run(run, mode: reduced ? "kernel-headend-red" : "kernel-headend")

        // What the client's kernel sent (SL 1, hop limit 64; H.Encaps.Red: the
        // first segment only in the DA, Last Entry 0), as our End (RFC 8986
        // s4.1: SL 0, DA the next segment, hop limit 63) and our End.AS (bare
        // to fn, back with the proxy's own headers: our source, the chain's
        // list, hop limit 64) passed it on to dx.
        func list(_ first: String) -> String { reduced ? "le 0 [fc00:d7::d4]" : "le 1 [fc00:d7::d4,\(first)]" }
        let viaEnd = InteropScenario.Path(
            client: "client > client-port | ipv6 2001:db8:c7::1 > fc00:e7::e hlim 64 nxt 43 rt 4 sl 1 \(list("fc00:e7::e")) | ipv4 10.197.1.2 > 10.197.2.2",
            fnOut: nil, fnBack: nil,
            core: "core-port > dx | ipv6 2001:db8:c7::1 > fc00:d7::d4 hlim 63 nxt 43 rt 4 sl 0 \(list("fc00:e7::e")) | ipv4 10.197.1.2 > 10.197.2.2",
            server: "10.197.2.2")
        let viaEndAS = InteropScenario.Path(
            client: "client > client-port | ipv6 2001:db8:c7::1 > fc00:e7::a1 hlim 64 nxt 43 rt 4 sl 1 \(list("fc00:e7::a1")) | ipv4 10.197.1.2 > 10.197.2.3",
            fnOut: "fn-port > fn | ipv4 10.197.1.2 > 10.197.2.3", fnBack: "fn > fn-port | ipv4 10.197.1.2 > 10.197.2.3",
            core: "core-port > dx | ipv6 2001:db8:e7::1 > fc00:d7::d4 hlim 64 nxt 43 rt 4 sl 0 le 1 [fc00:d7::d4,fc00:e7::a1] | ipv4 10.197.1.2 > 10.197.2.3",
            server: "10.197.2.3")
        o.expectPaths([viaEnd, viaEndAS])

        // The End.AS hop of the chain the kernel's list names counted each packet it sent to fn.
        let chain = try #require(o.chains.first { $0["name"] as? String == "through-fn" }, "\(o.chains)")
        let hop = (chain["hops"] as? [[String: Any]])?.first?["packets"] as? Int
        #expect(hop == o.fn[viaEndAS.fnOut!], "End.AS hop \(hop ?? -1), fn got \(o.fn[viaEndAS.fnOut!])")
        #expect(chain["packets"] as? Int == 0, "nothing is classified here: \(chain)")

        print("interop kernel headend (\(dataplane), \(reduced ? "H.Encaps.Red" : "H.Encaps")): \(o.summary) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        InteropScenario.removeNetwork(run)
    }

    // MARK: Our headend, the kernel's End.DX4 and End.DT6 at the end

    @Test(.timeLimit(.minutes(5)), arguments: [("xdp", false), ("xdp", true), ("dpdk", false), ("dpdk", true)])
    func ourEncapsulationIsDeliveredByAKernelEndDX4AndEndDT6(dataplane: String, reduced: Bool) throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready(), InteropCapture.ready(),
              KernelSRv6Ready.ready(for: "kernel SRv6 interop") else { return }
        let run = try XDPRun(scenario: "isr6-e-\(dataplane)\(reduced ? "-red" : "")", script: "interop-srv6-topology.sh",
                             chain: "interop-srv6-forwarder-headend.yaml", dataplane: dataplane)
        defer { run.tearDown() }
        if reduced {
            // Both chains as H.Encaps.Red (RFC 8986 s5.2), the file otherwise the same.
            let text = try String(contentsOfFile: run.chainFile, encoding: .utf8)
            #expect(text.components(separatedBy: "reduced: false").count == 4, "three chains with `reduced: false`")
            try text.replacingOccurrences(of: "reduced: false", with: "reduced: true")
                .write(toFile: run.chainFile, atomically: true, encoding: .utf8)
        }
        let started = Date()
        let o = try InteropScenario.run(run, mode: "forwarder-headend", ipv6Server: "2001:db8:197:2::2")

        // Through fn: segments [fc00:e7::a1, fc00:d7::d4]; our End.AS sent the
        // bare packet to fn and re-encapsulated what came back with SL 0.
        // H.Encaps keeps both segments in the SRH; H.Encaps.Red leaves the
        // first out (RFC 8754 s4.1.1 reduced SRH).
        let viaFn = InteropScenario.Path(
            client: "client > client-port | ipv4 10.197.1.2 > 10.197.2.2",
            fnOut: "fn-port > fn | ipv4 10.197.1.2 > 10.197.2.2", fnBack: "fn > fn-port | ipv4 10.197.1.2 > 10.197.2.2",
            core: "core-port > dx | ipv6 2001:db8:e7::1 > fc00:d7::d4 hlim 64 nxt 43 rt 4 sl 0 "
                + (reduced ? "le 0 [fc00:d7::d4]" : "le 1 [fc00:d7::d4,fc00:e7::a1]") + " | ipv4 10.197.1.2 > 10.197.2.2",
            server: "10.197.2.2")
        // Straight to the kernel's SID: one segment, an SRH of one with H.Encaps,
        // no SRH at all with H.Encaps.Red (IPv4 right after the IPv6 header).
        let direct = InteropScenario.Path(
            client: "client > client-port | ipv4 10.197.1.2 > 10.197.2.3", fnOut: nil, fnBack: nil,
            core: "core-port > dx | ipv6 2001:db8:e7::1 > fc00:d7::d4 hlim 64 "
                + (reduced ? "nxt 4" : "nxt 43 rt 4 sl 0 le 0 [fc00:d7::d4]") + " | ipv4 10.197.1.2 > 10.197.2.3",
            server: "10.197.2.3")
        // IPv6 to dx's End.DT6 (RFC 8986 s4.7: decapsulate, look the inner
        // destination up in table 100): one segment, as `direct`; our End.DX6
        // (s4.5) delivers the replies. Hop limits: the kernel decrements the
        // inner one when it forwards after End.DT6; its H.Encaps happens on
        // input, before forwarding, which decrements the outer one instead;
        // our End.DX6 leaves the inner one as it is.
        let ipv6 = InteropScenario.Path(
            client: "client > client-port | ipv6 2001:db8:197:1::2 > 2001:db8:197:2::2 hlim 64 nxt 58", fnOut: nil, fnBack: nil,
            core: "core-port > dx | ipv6 2001:db8:e7::1,2001:db8:197:1::2 > fc00:d7::d6,2001:db8:197:2::2 hlim 64,64 "
                + (reduced ? "nxt 41,58" : "nxt 43,58 rt 4 sl 0 le 0 [fc00:d7::d6]"),
            server: "2001:db8:197:2::2",
            atServer: "dx-s > server | ipv6 2001:db8:197:1::2 > 2001:db8:197:2::2 hlim 63 nxt 58",
            reply: "server > dx-s | ipv6 2001:db8:197:2::2 > 2001:db8:197:1::2 hlim 64 nxt 58",
            replyOnCore: "dx > core-port | ipv6 2001:db8:d7::1,2001:db8:197:2::2 > fc00:e7::d6,2001:db8:197:1::2 hlim 63,64 "
                + "nxt 43,58 rt 4 sl 0 le 0 [fc00:e7::d6]",
            replyAtClient: "client-port > client | ipv6 2001:db8:197:2::2 > 2001:db8:197:1::2 hlim 64 nxt 58",
            minimum: InteropKernelSRv6Tests.pingCount)
        o.expectPaths([viaFn, direct, ipv6])

        // The classifier put each flow on its chain, and the End.AS hop counted what went to fn.
        for (name, path) in [("via-fn", viaFn), ("direct", direct), ("ipv6-to-dt6", ipv6)] {
            let chain = try #require(o.chains.first { $0["name"] as? String == name }, "\(o.chains)")
            #expect(chain["packets"] as? Int == o.client[path.client], "\(name): \(chain), the client sent \(o.client[path.client])")
            if let fnOut = path.fnOut {
                #expect((chain["hops"] as? [[String: Any]])?.first?["packets"] as? Int == o.fn[fnOut], "\(name): \(chain)")
            }
        }

        print("interop our headend (\(dataplane), \(reduced ? "H.Encaps.Red" : "H.Encaps")): \(o.summary) "
              + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        InteropScenario.removeNetwork(run)
    }
}

/// One interoperability run: the network in MODE, a capture at the far end
/// of every link, the forwarder, pings and TCP to both server addresses,
/// then everything stopped and read back.
struct InteropScenario {
    /// The signatures one flow (client -> one server address, and the
    /// replies) has on each link, and how many frames it has at least.
    struct Path {
        var client: String
        var fnOut: String?
        var fnBack: String?
        var core: String
        var server: String
        var atServer: String
        var reply: String
        var replyOnCore: String
        var replyAtClient: String
        var minimum: Int

        /// An IPv4 flow (pings and a TCP transfer); the replies' signatures
        /// follow from the server address.
        init(client: String, fnOut: String?, fnBack: String?, core: String, server: String) {
            self.init(client: client, fnOut: fnOut, fnBack: fnBack, core: core, server: server,
                      atServer: "dx-s > server | ipv4 10.197.1.2 > \(server)", reply: "server > dx-s | ipv4 \(server) > 10.197.1.2",
                      // dx's kernel: H.Encaps towards our End.DX4, one segment, an SRH of
                      // one. It encapsulates on input (hop limit 64), then forwards the
                      // outer packet (63).
                      replyOnCore: "dx > core-port | ipv6 2001:db8:d7::1 > fc00:e7::d4 hlim 63 nxt 43 rt 4 sl 0 le 0 [fc00:e7::d4] | ipv4 \(server) > 10.197.1.2",
                      replyAtClient: "client-port > client | ipv4 \(server) > 10.197.1.2",
                      minimum: InteropKernelSRv6Tests.pingCount + InteropKernelSRv6Tests.sendBytes / 1500)
        }

        init(client: String, fnOut: String?, fnBack: String?, core: String, server: String, atServer: String, reply: String,
             replyOnCore: String, replyAtClient: String, minimum: Int) {
            self.client = client; self.fnOut = fnOut; self.fnBack = fnBack; self.core = core; self.server = server
            self.atServer = atServer; self.reply = reply; self.replyOnCore = replyOnCore; self.replyAtClient = replyAtClient
            self.minimum = minimum
        }
    }

    var counters: [String: Any]
    var ports: [String: [String: Int]]
    var chains: [[String: Any]]
    var client: CaptureSignatures, fn: CaptureSignatures, core: CaptureSignatures, server: CaptureSignatures
    var nftForwarded: Int
    var transfers: [String]
    /// The TCP endpoints' findings tshark made (tolerableTCPFindings), by message.
    var tolerated: [String: Int]

    /// `ipv6Server`: also ping this IPv6 address, with full-size packets.
    static func run(_ run: XDPRun, mode: String, ipv6Server: String? = nil) throws -> InteropScenario {
        let dir = run.directory, network = run.network, py = E2ENetwork.python, scripts = E2ENetwork.scripts
        _ = try run.loadConfig()
        try network.removeStale()
        try network.up([mode] + (run.dataplane == "xdp" ? ["xdp"] : []))

        // The far end of each link: client eth0 (client port), fn eth0 (fn
        // port), dx eth0 (core port), server eth0 (dx's server link). fn sends
        // each packet back on the link it came in on, so its link is captured
        // once per direction: a capture of both would hold every TCP segment
        // twice, which tshark's TCP analysis rightly calls out of order.
        let links: [(name: String, file: String, filter: String?)] = [
            ("client", "client.pcap", nil), ("fn", "fn-in.pcap", "ether src 02:00:00:e7:00:02"),
            ("fn", "fn-out.pcap", "ether src 02:00:00:e7:02:01"), ("dx", "core.pcap", nil), ("server", "server.pcap", nil),
        ]
        var captures: [E2EProcess] = []
        for link in links {
            captures.append(try InteropCapture.start(run, in: link.name, "eth0", dir + "/" + link.file, filter: link.filter))
        }

        let forwarder = try run.startForwarder()
        let attached = try run.waitUntilForwarding(forwarder, interfaces: InteropKernelSRv6Tests.interfaces)
        run.expectNative(attached, forwarder)

        let n = InteropKernelSRv6Tests.pingCount
        // -w: wait for every reply up to a deadline (-W gives up on the last
        // one after two round-trip times once any reply came).
        for address in InteropKernelSRv6Tests.servers {
            let ping = network.run("client", ["ping", "-n", "-c", "\(n)", "-i", "0.2", "-w", "10", address], timeout: 30)
            #expect(ping.status == 0 && ping.stdout.contains("\(n) received"), "ping \(address):\n\(ping.stdout)\(ping.stderr)")
        }
        if let ipv6Server {
            // 1452 bytes of data: 1500-byte IPv6 packets.
            let ping = network.run("client", ["ping", "-6", "-n", "-c", "\(n)", "-s", "1452", "-i", "0.2", "-w", "10", ipv6Server], timeout: 30)
            #expect(ping.status == 0 && ping.stdout.contains("\(n) received"), "ping \(ipv6Server):\n\(ping.stdout)\(ping.stderr)")
        }
        var transfers: [String] = []
        for (k, address) in InteropKernelSRv6Tests.servers.enumerated() {
            let port = "\(5201 + k)", send = InteropKernelSRv6Tests.sendBytes, reply = InteropKernelSRv6Tests.replyBytes
            let server = try run.start("TCP server \(address)", in: "server", [py, scripts + "/tcp_transfer.py", "server", address, port, "\(reply)", "20"])
            try server.waitFor("listening", timeout: 15)
            let client = network.run("client", [py, scripts + "/tcp_transfer.py", "client", address, port, "\(send)", "\(reply)", "20"], timeout: 30)
            let result = (try? JSONSerialization.jsonObject(with: Data((client.stdout.split(separator: "\n").last ?? "").utf8))) as? [String: Any]
            #expect(client.status == 0 && result?["ok"] as? Bool == true && result?["server_received"] as? Int == send
                    && result?["reply_bytes"] as? Int == reply, "TCP to \(address): \(client.stdout)\(client.stderr)")
            #expect(server.waitForExit(timeout: 15) && server.status == 0, "TCP server \(address): \(server.stdout)\(server.stderr)")
            transfers.append("\(address) \(result?["seconds"] ?? "?") s")
        }
        try run.waitUntilQuiet([("client", "eth0"), ("server", "eth0"), ("fn", "eth0"), ("dx", "eth0")])  // the last ACKs

        let counters = try run.stopForwarder(forwarder, interfaces: InteropKernelSRv6Tests.interfaces)
        for p in captures {
            #expect(p.stop(timeout: 10) && p.status == 0, "\(p.name): status \(p.status)\n\(p.stderr.suffix(2000))")
        }
        run.expectReportedNative(counters, interfaces: InteropKernelSRv6Tests.interfaces)
        let nft = network.run("fn", ["nft", "-j", "list", "ruleset"], timeout: 15)
        #expect(nft.status == 0, "nft: \(nft.stderr)")
        let forwarded = try #require(try NFTCounters.parse(nft.stdout, table: "sfc_interop")["forwarded"], "no nft counter in fn")

        // Every link: well-formed frames only, by tshark's word.
        var tolerated: [String: Int] = [:]
        for link in links {
            let clean = try expectCleanCapture(dir + "/" + link.file, minimumFrames: 2 * n)
            tolerated.merge(clean.tolerated, uniquingKeysWith: +)
        }
        func signatures(_ files: String...) throws -> CaptureSignatures {
            try CaptureSignatures(files.map { dir + "/" + $0 }, names: InteropKernelSRv6Tests.macs)
        }
        return InteropScenario(
            counters: counters, ports: try #require(counters["ports"] as? [String: [String: Int]], "\(counters)"),
            chains: try #require(counters["chains"] as? [[String: Any]], "\(counters)"),
            client: try signatures("client.pcap"), fn: try signatures("fn-in.pcap", "fn-out.pcap"), core: try signatures("core.pcap"),
            server: try signatures("server.pcap"), nftForwarded: forwarded, transfers: transfers, tolerated: tolerated)
    }

    /// Deletes the namespaces and expects none left. `ip netns del` now and
    /// then fails while the last process of a namespace is still exiting:
    /// one more try after a moment.
    static func removeNetwork(_ run: XDPRun, sourceLocation: SourceLocation = #_sourceLocation) {
        run.network.down()
        if !run.network.leftovers().isEmpty {
            Thread.sleep(forTimeInterval: 1)
            run.network.down()
        }
        #expect(run.network.leftovers().isEmpty, "namespaces left: \(run.network.leftovers())", sourceLocation: sourceLocation)
    }

    /// Each flow's frames, link by link: exactly the expected signatures on
    /// every link, the same count on each, pings and TCP in both directions,
    /// and the forwarder's port counters equal to what the links carried.
    func expectPaths(_ paths: [Path], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "drops: \(counters["drops"] ?? "none")",
                sourceLocation: sourceLocation)
        let n = InteropKernelSRv6Tests.pingCount
        for p in paths {
            // Client -> server: one count on every link the flow crosses.
            var along = [("client", client[p.client]), ("core", core[p.core]), ("server", server[p.atServer])]
            if let out = p.fnOut, let back = p.fnBack { along += [("fn out", fn[out]), ("fn back", fn[back])] }
            #expect(Set(along.map(\.1)).count == 1 && along[0].1 >= p.minimum,
                    "to \(p.server): \(along.map { "\($0.0) \($0.1)" }.joined(separator: ", "))", sourceLocation: sourceLocation)
            // Server -> client: the same for the replies.
            let back = [("server", server[p.reply]), ("core", core[p.replyOnCore]), ("client", client[p.replyAtClient])]
            #expect(Set(back.map(\.1)).count == 1 && back[0].1 >= n,
                    "from \(p.server): \(back.map { "\($0.0) \($0.1)" }.joined(separator: ", "))", sourceLocation: sourceLocation)
            #expect(client.echoRequests[p.client] == n && server.echoRequests[p.atServer] == n,
                    "echo requests to \(p.server): client \(client.echoRequests), server \(server.echoRequests)", sourceLocation: sourceLocation)
        }
        // Nothing else on any link.
        for (name, capture, expected) in [
            ("client", client, paths.flatMap { [$0.client, $0.replyAtClient] }),
            ("fn", fn, paths.flatMap { [$0.fnOut, $0.fnBack].compactMap { $0 } }),
            ("core", core, paths.flatMap { [$0.core, $0.replyOnCore] }),
            ("server", server, paths.flatMap { [$0.atServer, $0.reply] }),
        ] {
            let unexpected = capture.unexpected(Set(expected))
            let message = "\(name) link: frames not as expected:\n\(unexpected.joined(separator: "\n"))\nexpected:\n"
                + expected.joined(separator: "\n")
            #expect(unexpected.isEmpty, Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        // The forwarder's counters against the links.
        func sum(_ capture: CaptureSignatures, _ signatures: [String]) -> Int { signatures.reduce(0) { $0 + capture[$1] } }
        let fnOut = paths.compactMap(\.fnOut), fnBack = paths.compactMap(\.fnBack)
        let observed: [(String, Int?, Int)] = [
            ("client rx", ports["client"]?["rx"], sum(client, paths.map(\.client))),
            ("client tx", ports["client"]?["tx"], sum(client, paths.map(\.replyAtClient))),
            ("fn tx", ports["fn"]?["tx"], sum(fn, fnOut)),
            ("fn rx", ports["fn"]?["rx"], sum(fn, fnBack)),
            ("fn's nftables", nftForwarded, sum(fn, fnBack)),
            ("core tx", ports["core"]?["tx"], sum(core, paths.map(\.core))),
            ("core rx", ports["core"]?["rx"], sum(core, paths.map(\.replyOnCore))),
        ]
        let mismatched = observed.filter { $0.1 != $0.2 }
        #expect(mismatched.isEmpty, "counted vs captured: \(mismatched.map { "\($0.0) \($0.1 ?? -1) vs \($0.2)" })\nports \(ports)",
                sourceLocation: sourceLocation)
    }

    var summary: String {
        let ports = self.ports.sorted { $0.key < $1.key }.map { "\($0.key) rx \($0.value["rx"] ?? 0) tx \($0.value["tx"] ?? 0)" }
        return "frames client \(client.total), fn \(fn.total), core \(core.total), server \(server.total); "
            + "TCP \(transfers.joined(separator: ", ")); counters \(ports.joined(separator: ", "))"
            + (tolerated.isEmpty ? "" : "; TCP endpoint findings by tshark: \(tolerated.map { "\($0.value) × \($0.key)" }.joined(separator: ", "))")
    }
}
