// chain-trace simulate over every shipped chain file, checked against our
// own expectations and, through its per-hop pcaps, against tshark.
import Foundation
import Testing
@testable import SFCCore
@testable import SFCTrace
import SFCConfig

enum Repo {
    /// The repository root, from this file's location.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var chainFiles: [String] {
        let dir = root + "/Chains"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir + "/" + $0 }
    }

    /// (file, chain name) for every chain of every shipped file.
    static var allChains: [(String, String)] {
        chainFiles.flatMap { file -> [(String, String)] in
            guard let config = ChainFile.load(path: file).config else { return [] }
            return config.chains.map { (file, $0.name) }
        }
    }
}

@Suite struct SimulateTests {
    func simulateJSON(_ options: SimulateOptions) throws -> [String: Any] {
        let result = SimulateCommand.run(options)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func everyShippedChainDeliversItsPacket() throws {
        #expect(Repo.allChains.count >= 8)
        for (file, chain) in Repo.allChains {
            let json = try simulateJSON(SimulateOptions(config: file, chain: chain, json: true))
            #expect(json["verdict"] as? String == "delivered", "\(file) chain \(chain): \(json)")
            let hops = try #require(json["hops"] as? [[String: Any]])
            #expect(hops.count >= 1)
            for hop in hops {
                #expect(hop["node"] is String && hop["behavior"] is String && hop["egress_port"] is String, "\(chain): \(hop)")
            }
        }
    }

    @Test func nshHopsShowTTLFallingPerSFFAndSIPerFunction() throws {
        for (file, chain) in Repo.allChains {
            guard let config = ChainFile.load(path: file).config,
                  let c = config.chainIndex(named: chain), config.chains[c].encapsulation == .nsh else { continue }
            let json = try simulateJSON(SimulateOptions(config: file, chain: chain, json: true))
            let hops = try #require(json["hops"] as? [[String: Any]])
            // Forwarder pass j (1-based) is one SFF lookup: TTL = ttl - j, and
            // j - 1 functions have decremented SI so far. A function hop after
            // pass j shows the same TTL and SI - 1 (when it sees NSH at all).
            var pass = 0
            let ttl0 = Int(config.chains[c].ttl), si0 = Int(config.chains[c].startSI)
            var sawNSH = false
            for hop in hops {
                let isForwarder = hop["node"] as? String == config.node.name
                if isForwarder { pass += 1 }
                guard let ttl = hop["ttl"] as? Int, let si = hop["si"] as? Int else { continue }
                sawNSH = true
                #expect(hop["spi"] as? Int == Int(config.chains[c].spi))
                #expect(ttl == ttl0 - pass, "\(chain) pass \(pass): \(hop)")
                #expect(si == si0 - (isForwarder ? pass - 1 : pass), "\(chain) pass \(pass): \(hop)")
            }
            // Only an nsh-aware function shows NSH between two forwarder
            // passes; a chain of unaware functions is IP at every hop.
            let aware = config.chains[c].hops.contains { config.functions[$0].kind == .nshAware }
            #expect(sawNSH || !aware, "\(chain)")
        }
    }

    @Test func aGivenPacketThatNoRuleMatchesIsDroppedAsUnclassified() throws {
        let file = Repo.root + "/Chains/hospital-edge.yaml"
        let config = try #require(ChainFile.load(path: file).config)
        let port = try #require(config.ports.first { !$0.trusted }?.name)
        let json = try simulateJSON(SimulateOptions(config: file, ingress: port, packet: "udp 192.0.2.77:9 -> 198.51.100.1:9", json: true))
        #expect(json["verdict"] as? String == "dropped" && json["drop_reason"] as? String == "unclassified")
    }

    @Test func badInputGivesAnErrorNotACrash() {
        let file = Repo.root + "/Chains/hospital-edge.yaml"
        for spec in ["tcp 10.0.0.1 -> 10.0.0.2:80", "sctp 10.0.0.1:1 -> 10.0.0.2:2", "tcp 10.0.0.1:1 -> [2001:db8::1]:2",
                     "udp 10.0.0.1:99999 -> 10.0.0.2:1", "icmp 10.0.0.1:1 -> 10.0.0.2", "", "tcp 300.0.0.1:1 -> 10.0.0.2:2"] {
            let r = SimulateCommand.run(SimulateOptions(config: file, ingress: "modalities", packet: spec))
            #expect(r.exitCode == 1 && r.stderr.contains("bad packet spec"), "spec '\(spec)': \(r.stderr)")
        }
        var r = SimulateCommand.run(SimulateOptions(config: file, ingress: "nope", packet: "icmp 10.0.0.1 -> 10.0.0.2"))
        #expect(r.exitCode == 1 && r.stderr.contains("unknown ingress port"))
        r = SimulateCommand.run(SimulateOptions(config: file, chain: "no-such-chain"))
        #expect(r.exitCode == 1 && r.stderr.contains("no-such-chain"))
        r = SimulateCommand.run(SimulateOptions(config: "/nonexistent.yaml", chain: "x"))
        #expect(r.exitCode == 1 && r.stderr.contains("/nonexistent.yaml"))
    }

    @Test func anUnknownChainIsNamedAsSuchWithTheKnownOnes() {
        let file = Repo.root + "/Chains/hospital-edge.yaml"
        let r = SimulateCommand.run(SimulateOptions(config: file, chain: "no-such-chain"))
        #expect(r.exitCode == 1 && r.stdout.isEmpty)
        #expect(r.stderr == "no chain named 'no-such-chain' in the chain file (known chains: dicom, pacs-web, pump-telemetry)",
                "\(r.stderr)")
        #expect(!r.stderr.contains("no classifier rule"))
    }

    @Test func packetSpecsRoundTrip() throws {
        for text in ["tcp 10.1.0.5:40000 -> 10.20.0.9:104", "udp [2001:db8::1]:5000 -> [2001:db8::2]:53",
                     "icmp 10.1.0.5 -> 10.20.0.9", "icmpv6 2001:db8::1 -> 2001:db8::2"] {
            #expect(try PacketSpec(parsing: text).description == text)
        }
        #expect(try PacketSpec(parsing: "tcp 10.1.0.5:1 -> 10.20.0.9:2 dscp 46").dscp == 46)
    }

    /// tshark decodes every link of every chain: no malformed packet, no expert
    /// warning or error, and the NSH / SRH fields that the JSON trace claims.
    @Test func tsharkAgreesWithEveryHopOfEveryChain() throws {
        guard ExternalTools.require(.tshark) else { return }
        let base = ExternalTools.temporaryDirectory(prefix: "simulate-pcaps")
        defer { try? FileManager.default.removeItem(atPath: base) }
        var checked = 0
        for (index, (file, chain)) in Repo.allChains.enumerated() {
            let dir = "\(base)/\(index)-\(chain)"
            let json = try simulateJSON(SimulateOptions(config: file, chain: chain, json: true, pcapDirectory: dir))
            let hops = try #require(json["hops"] as? [[String: Any]])
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            // The ingress packet plus one file per hop that sent something (a drop sends nothing).
            #expect(files.count == 1 + hops.filter { $0["egress_port"] != nil }.count, "\(chain): \(files)")
            for (n, name) in files.enumerated() {
                let fields = ["_ws.malformed", "_ws.expert.severity", "nsh.spi", "nsh.si", "nsh.ttl",
                              "ipv6.dst", "ipv6.routing.segleft", "frame.protocols"]
                let r = runProcess(["tshark", "-n", "-r", "\(dir)/\(name)", "-T", "fields", "-E", "separator=|"]
                                   + fields.flatMap { ["-e", $0] })
                #expect(r.succeeded, "\(name): \(r.stderr)")
                // Repeated fields come comma-separated; the outer (first) one is the link's.
                let all = r.stdout.trimmingCharacters(in: .newlines).components(separatedBy: "|")
                let columns = all.enumerated().map { $0.offset == 1 ? $0.element : String($0.element.split(separator: ",").first ?? "") }
                try #require(columns.count == fields.count, "\(name): \(r.stdout)")
                #expect(columns[0].isEmpty, "\(chain)/\(name) is malformed for tshark")
                // Expert severities: chat 0x200000 and note 0x400000 are fine; warn/error are not.
                for severity in columns[1].split(separator: ",") {
                    #expect((Int(severity) ?? 0) < 0x600000, "\(chain)/\(name): expert severity \(severity)")
                }
                guard n > 0 else { continue }
                let hop = hops[n - 1]
                if let spi = hop["spi"] as? Int {
                    #expect(Int(columns[2]) == spi && Int(columns[3]) == hop["si"] as? Int, "\(chain)/\(name)")
                    #expect(Int(columns[4].dropFirst(2), radix: 16) == hop["ttl"] as? Int, "\(chain)/\(name) ttl \(columns[4])")
                }
                if let sl = hop["segments_left"] as? Int {
                    #expect(Int(columns[6]) == sl, "\(chain)/\(name)")
                    #expect(columns[5] == hop["destination"] as? String, "\(chain)/\(name)")
                }
                checked += 1
            }
        }
        #expect(checked >= 20)
    }
}
