// Hot reload under traffic, on both dataplanes, in real namespaces (the NSH
// end-to-end network: Tests/e2e/topology.sh). While pings run back to back
// and a paced TCP transfer runs across the whole test, the forwarder is
// reloaded 100 times, alternating chain.yaml and chain-reload-b.yaml (a
// rule, a chain's hops and SPI, an instance's weight differ), half by
// SIGHUP and half through the control API. Then, on every link:
//   - no ping lost that a counted drop does not explain, and the only drop
//     reason is nsh-no-path (a packet that was at the NSH-aware function when
//     its path got a new SPI: RFC 8300 s2.3);
//   - the NSH-aware function saw exactly what the forwarder sent its
//     instance, and the forwarder got back all it returned;
//   - the firewall saw exactly what the forwarder sent each of its instances
//     and passed all of it back;
//   - what the server and the client ports sent is what the chains delivered;
//   - the TCP transfer's digests match both ways;
//   - 100 reloads ok, generation 100, counters carried across all of them.
import Foundation
import SFCConfig
@testable import SFCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct DaemonReloadTests {
    static let reloads = 100
    static let interfaces = ["client", "server", "sfa", "fw-c2s", "fw-s2c"]

    @Test(.timeLimit(.minutes(8)))
    func xdpReloadsAHundredTimesUnderTrafficLosingAndMisroutingNothing() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), XDPSupport.ready() else { return }
        try reloadUnderTraffic(dataplane: "xdp")
    }

    @Test(.timeLimit(.minutes(8)))
    func dpdkReloadsAHundredTimesUnderTrafficLosingAndMisroutingNothing() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady() else { return }
        try reloadUnderTraffic(dataplane: "dpdk")
    }

    /// Pings in batches of 50 until stopped: (transmitted, received, duplicates).
    final class PingLoop: @unchecked Sendable {
        let network: E2ENetwork
        private let lock = NSLock()
        private var stopRequested = false
        private(set) var transmitted = 0, received = 0, duplicates = 0, batches = 0
        private(set) var failures: [String] = []
        private let done = DispatchSemaphore(value: 0)

        init(_ network: E2ENetwork) { self.network = network }

        func start(to address: String) {
            Thread { [self] in
                while !lock.withLock({ stopRequested }) {
                    let r = network.run("client", ["ping", "-n", "-q", "-c", "50", "-i", "0.01", "-W", "2", address], timeout: 30)
                    let text = r.stdout
                    guard let match = text.range(of: #"(\d+) packets transmitted, (\d+) received"#, options: .regularExpression) else {
                        lock.withLock { failures.append("ping said: \(text) \(r.stderr)") }
                        continue
                    }
                    let numbers = text[match].split(separator: " ").compactMap { Int($0) }
                    var dup = 0
                    if let d = text.range(of: #"\+(\d+) duplicates"#, options: .regularExpression) {
                        dup = Int(text[d].dropFirst().split(separator: " ")[0]) ?? 0
                    }
                    lock.withLock {
                        transmitted += numbers[0]; received += numbers[1]; duplicates += dup; batches += 1
                    }
                }
                done.signal()
            }.start()
        }

        func stop() {
            lock.withLock { stopRequested = true }
            done.wait()
        }
    }

    func reloadUnderTraffic(dataplane: String) throws {
        let run = try XDPRun(scenario: "reload-\(dataplane)", script: "topology.sh", chain: "chain.yaml", dataplane: dataplane)
        defer { run.tearDown() }
        let py = E2ENetwork.python, scripts = E2ENetwork.scripts, dir = run.directory, network = run.network
        // The two versions with this run's node name; run.chainFile is what the forwarder reads.
        try FileManager.default.createDirectory(atPath: dir + "/versions", withIntermediateDirectories: true)
        let a = try String(contentsOfFile: try XDPSupport.chainFile(scripts + "/chain.yaml", node: run.node, in: dir + "/versions"), encoding: .utf8)
        let b = try String(contentsOfFile: try XDPSupport.chainFile(scripts + "/chain-reload-b.yaml", node: run.node, in: dir + "/versions"),
                           encoding: .utf8)
        try run.up()

        let sf = try run.start("nsh_aware_sf.py", in: "sfa", [py, scripts + "/nsh_aware_sf.py", "eth0", dir + "/sf.json"])
        try sf.waitFor("ready", timeout: 15)
        let control = dir + "/control.sock"
        let forwarder = try run.startForwarder(["--control", control])
        _ = try run.waitUntilForwarding(forwarder, interfaces: Self.interfaces)
        let client = try ControlClientProcess(socket: control)

        let tcpServer = try run.start("TCP server", in: "server", [py, scripts + "/tcp_transfer.py", "server", "10.199.2.2", "5201",
                                                                  "\(1 << 20)", "300"])
        try tcpServer.waitFor("listening", timeout: 15)
        let stopFile = dir + "/stop-tcp"
        let tcpClient = try run.start("TCP client", in: "client", [py, scripts + "/tcp_transfer.py", "client-until", "10.199.2.2", "5201",
                                                                  stopFile, "\(1 << 20)", "300"])
        let pings = PingLoop(network)
        pings.start(to: "10.199.2.2")
        // Traffic flows before the first reload.
        for _ in 0..<400 where pings.batches == 0 { usleep(25_000) }
        #expect(pings.batches > 0, "no ping batch finished before the reloads: \(pings.failures)")

        var latencies: [Double] = []
        for k in 1...Self.reloads {
            try (k % 2 == 1 ? b : a).write(toFile: run.chainFile, atomically: true, encoding: .utf8)
            let t0 = Date()
            if k % 2 == 1 {
                Foundation.kill(forwarder.pid, SIGHUP)
                try client.waitForGeneration(UInt64(k), forwarder: forwarder)
            } else {
                let r = try client.reload()
                try #require(r.status == 0, "reload \(k): \(r.stdout)\(r.stderr)")
                try client.waitForGeneration(UInt64(k), forwarder: forwarder)
            }
            latencies.append(Date().timeIntervalSince(t0))
        }
        let status = try client.status()
        pings.stop()
        FileManager.default.createFile(atPath: stopFile, contents: nil)
        #expect(tcpClient.waitForExit(timeout: 120), "the TCP transfer did not end: \(tcpClient.stdout)\(tcpClient.stderr)")
        let transfer = (try? JSONSerialization.jsonObject(with: Data((tcpClient.stdout.split(separator: "\n").last ?? "").utf8))) as? [String: Any]
        #expect(transfer?["ok"] as? Bool == true, "TCP transfer across the reloads: \(tcpClient.stdout)\(tcpClient.stderr)")
        #expect(tcpServer.waitForExit(timeout: 30) && tcpServer.status == 0, "TCP server: \(tcpServer.stdout)\(tcpServer.stderr)")

        #expect(status["generation"] as? Int == Self.reloads, "\(status)")
        #expect((status["reloads"] as? [String: Int]) == ["ok": Self.reloads, "invalid": 0, "failed": 0], "\(status)")
        let counters = try run.stopForwarder(forwarder, interfaces: Self.interfaces)
        #expect(sf.stop(timeout: 10) && sf.status == 0, "nsh_aware_sf.py: \(sf.stderr)")
        let sfStats = try Forwarder.json(try #require(try? String(contentsOfFile: dir + "/sf.json", encoding: .utf8), "no sf.json: \(sf.stderr)"))
        let nft = try run.nftCounters()

        // Drops: only the explained reason, and every lost ping explained.
        let drops = counters["drops"] as? [String: Int] ?? [:]
        #expect(Set(drops.keys).isSubset(of: ["nsh-no-path"]), "drops: \(drops)")
        let lost = pings.transmitted - pings.received
        #expect(pings.failures.isEmpty, "\(pings.failures)")
        #expect(lost >= 0 && lost <= (drops["nsh-no-path"] ?? 0), "pings: \(pings.transmitted) sent, \(pings.received) back; drops \(drops)")
        #expect(pings.duplicates == 0)
        #expect(pings.transmitted >= 100, "too little traffic: \(pings.transmitted) pings")

        // Every link.
        let ports = try #require(counters["ports"] as? [String: [String: Int]])
        let chains = try #require(counters["chains"] as? [[String: Any]])
        func chain(_ name: String) throws -> [String: Any] { try #require(chains.first { $0["name"] as? String == name }) }
        func instance(_ chainName: String, _ function: String, _ instance: String) throws -> Int {
            let hops = try #require(try chain(chainName)["hops"] as? [[String: Any]])
            let hop = try #require(hops.first { $0["function"] as? String == function }, "\(chainName) has no hop \(function)")
            return try #require((hop["instances"] as? [String: Int])?[instance])
        }
        let c2s = try chain("client-to-server"), s2c = try chain("server-to-client")
        // Instance counters are the function's, so either chain's hop shows the same total.
        let toSF = try instance("server-to-client", "inspect", "sfa-1")
        let byChain = (sfStats["by_spi"] as? [String: Int] ?? [:]).values.reduce(0, +)
        #expect(byChain + (sfStats["refused"] as? Int ?? 0) == toSF, "the function saw \(sfStats), the forwarder sent it \(toSF)")
        #expect(ports["sfa"]?["rx"] == sfStats["returned"] as? Int, "sfa rx \(ports["sfa"] ?? [:]) vs returned \(sfStats)")
        #expect(try instance("client-to-server", "firewall-c2s", "fw-c2s") == nft["client_to_server"], "\(nft)")
        #expect(try instance("server-to-client", "firewall-s2c", "fw-s2c") == nft["server_to_client"], "\(nft)")
        #expect(nft["other"] == 0 && nft["blocked"] == 0, "\(nft)")
        #expect(ports["fw-c2s"]?["rx"] == nft["client_to_server"] && ports["fw-s2c"]?["rx"] == nft["server_to_client"], "\(ports) \(nft)")
        #expect(ports["server"]?["tx"] == c2s["delivered"] as? Int && ports["client"]?["tx"] == s2c["delivered"] as? Int, "\(ports) \(chains)")
        #expect(ports["client"]?["rx"] == c2s["packets"] as? Int && ports["server"]?["rx"] == s2c["packets"] as? Int, "\(ports) \(chains)")

        let sorted = latencies.sorted()
        print("\(dataplane) reload under traffic: \(Self.reloads) reloads, as seen by the test (signal or request to generation reported): "
              + String(format: "median %.0f ms, max %.0f ms", sorted[sorted.count / 2] * 1000, sorted.last! * 1000)
              + "; pings \(pings.transmitted) sent, \(lost) lost (drops \(drops)); TCP \(transfer?["sent"] ?? "?") bytes ok; "
              + "function saw \(toSF), firewall \(nft)")
    }
}

/// chain-trace as the test's client of the forwarder's control socket.
struct ControlClientProcess {
    let socket: String
    let binary: String

    init(socket: String) throws {
        self.socket = socket
        binary = (try #require(Forwarder.binary) as NSString).deletingLastPathComponent + "/chain-trace"
    }

    func run(_ arguments: [String], timeout: Double = 120) -> ProcessResult {
        E2ECommand.run([binary] + arguments + ["--control", socket], timeout: timeout)
    }

    func status() throws -> [String: Any] {
        let r = run(["status", "--json"])
        try #require(r.status == 0, "chain-trace status: \(r.stderr)")
        return try Forwarder.json(r.stdout)
    }

    func reload() throws -> ProcessResult { run(["reload"]) }

    /// Bounded wait for the forwarder to report `generation` (SIGHUP is asynchronous).
    func waitForGeneration(_ generation: UInt64, forwarder: E2EProcess) throws {
        for _ in 0..<600 {
            if let g = try? status()["generation"] as? Int, g >= generation { return }
            guard forwarder.isRunning else { throw E2EError("the forwarder exited: \(forwarder.stderr.suffix(3000))") }
            usleep(20_000)
        }
        throw E2EError("generation \(generation) not reported within 12 s: \(forwarder.stderr.suffix(3000))")
    }
}
