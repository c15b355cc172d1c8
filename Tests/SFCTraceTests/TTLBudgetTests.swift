// The checker's TTL rule (an NSH chain needs ttl >= hops + 2) is exactly
// where the reference pipeline starts dropping packets as TTL expired:
// for (ttl, hops) pairs on both sides of the boundary, the chain is
// compiled without the check and a packet walked through the pipeline and
// the emulated functions (`chain-trace simulate`).
import Foundation
import SFCConfig
import SFCCore
import SFCTrace
import Testing

@Suite struct TTLBudgetTests {
    /// A chain of `aware` nsh-aware hops, then `unaware` nsh-unaware hops
    /// (through the NSH proxy), with `ttl` if given.
    static func chainFile(ttl: Int?, aware: Int, unaware: Int = 0) -> String {
        var text = """
            node: {name: n1}
            ports:
              - {name: clients, mac: "02:00:00:00:00:10"}
              - {name: sf, mac: "02:00:00:00:00:01", trusted: true}
            functions:

            """
        var hops: [String] = []
        for i in 0..<aware {
            text += "  - {name: a\(i), kind: nsh-aware, instances: [{name: ai\(i), port: sf, mac: \"02:00:00:00:01:\(hex(i))\"}]}\n"
            hops.append("a\(i)")
        }
        for i in 0..<unaware {
            text += "  - {name: u\(i), kind: nsh-unaware, instances: [{name: ui\(i), port: sf, "
                + "mac: \"02:00:00:00:02:\(hex(i))\", vlan: \(10 + i)}]}\n"
            hops.append("u\(i)")
        }
        text += "chains:\n  - name: c\n    spi: 7\n    encapsulation: nsh\n    hops: [\(hops.joined(separator: ", "))]\n"
        if let ttl { text += "    ttl: \(ttl)\n" }
        text += "    end: {port: clients, mac: \"02:00:00:00:00:99\"}\n"
        text += "rules:\n  - {name: r, chain: c, ingress: clients, protocol: udp, destination-port: 53}\n"
        return text
    }

    static func hex(_ i: Int) -> String { String(format: "%02x", i) }

    static func temporaryFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ttl-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// What the strict check says, and what the pipeline does with the chain's packet.
    static func checkAndSimulate(ttl: Int?, aware: Int, unaware: Int = 0) throws
        -> (flagged: [Diagnostic], verdict: String, dropReason: String?, hops: [[String: Any]]) {
        let text = chainFile(ttl: ttl, aware: aware, unaware: unaware)
        let strict = ChainFile.parse(text: text, file: "ttl.yaml", options: .strict).diagnostics
            .filter { $0.severity == .error }
        // Without the check the file compiles, so the pipeline can show what happens.
        let unchecked = ChainFile.parse(text: text, file: "ttl.yaml", options: ChainFileOptions(ttlShortfall: nil))
        #expect(unchecked.config != nil, "\(unchecked.diagnostics.map(\.rendered))")
        let path = try temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = SimulateCommand.run(SimulateOptions(config: path, chain: "c", json: true))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (strict, json["verdict"] as? String ?? "?", json["drop_reason"] as? String,
                json["hops"] as? [[String: Any]] ?? [])
    }

    /// (ttl, nsh-aware hops, nsh-unaware hops): each side of ttl = hops + 2.
    static let cases: [(Int, Int, Int)] = [
        (1, 1, 0), (2, 1, 0), (3, 1, 0),
        (1, 2, 0), (3, 2, 0), (4, 2, 0),
        (9, 8, 0), (10, 8, 0),
        (2, 0, 1), (3, 0, 1), (3, 1, 1), (4, 1, 1), (4, 0, 3), (5, 0, 3),
        (62, 61, 0), (63, 61, 0), (63, 62, 0),
    ]

    @Test func theCheckFlagsExactlyTheChainsWhosePacketsExpire() throws {
        for (ttl, aware, unaware) in Self.cases {
            let hops = aware + unaware
            let r = try Self.checkAndSimulate(ttl: ttl, aware: aware, unaware: unaware)
            let label = "ttl \(ttl), \(aware) aware + \(unaware) unaware hops"
            let expires = r.verdict == "dropped" && r.dropReason == "nsh-ttl-expired"
            #expect(expires || r.verdict == "delivered", "\(label): \(r.verdict) \(r.dropReason ?? "")")
            #expect(expires == !r.flagged.isEmpty, "\(label): pipeline \(r.verdict), checker \(r.flagged.map(\.rendered))")
            #expect(expires == (ttl < hops + 2), "\(label)")
            if expires {
                // It dies at the SFF pass that takes TTL to 0: pass ttl (1-based).
                let passes = r.hops.filter { $0["node"] as? String == "n1" }.count
                #expect(passes == ttl, "\(label): \(passes) SFF passes")
            }
        }
    }

    @Test func theErrorIsAtTheTTLKeyOrTheChain() throws {
        var r = try Self.checkAndSimulate(ttl: 1, aware: 2)
        #expect(r.flagged.count == 1)
        #expect(r.flagged.first?.rendered
                == "ttl.yaml:13:5: error: chain 'c': TTL 1 runs out before the end of its 2-hop path (the SFF decrements "
                + "it 3 times: after classification and on each return from a function, RFC 8300 s2.2), so every "
                + "packet is dropped as TTL expired; set ttl to at least 4")
        // No ttl key: the default 63 is too small for 62 hops; reported at the chain item.
        r = try Self.checkAndSimulate(ttl: nil, aware: 62)
        #expect(r.verdict == "dropped" && r.dropReason == "nsh-ttl-expired")
        #expect(r.flagged.count == 1)
        let d = try #require(r.flagged.first)
        #expect("\(d.line):\(d.column)" == "69:5")
        #expect(d.message.hasSuffix("TTL 63 runs out before the end of its 62-hop path (the SFF decrements it 63 times: "
                                    + "after classification and on each return from a function, RFC 8300 s2.2), so "
                                    + "every packet is dropped as TTL expired; at most 61 hops fit the 6-bit TTL"))
        r = try Self.checkAndSimulate(ttl: nil, aware: 61)
        #expect(r.verdict == "delivered" && r.flagged.isEmpty)
    }

    @Test func checkRejectsButTheDataplanesOnlyWarn() throws {
        let path = try Self.temporaryFile(Self.chainFile(ttl: 1, aware: 2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = CheckCommand.run(files: [path], json: false)
        #expect(check.exitCode == 1 && check.stdout.isEmpty)
        #expect(check.stderr.hasPrefix("\(path):13:5: error: chain 'c': TTL 1 runs out"))
        let (config, diagnostics) = ChainFile.load(path: path)
        #expect(config != nil)
        #expect(!diagnostics.contains { $0.severity == .error })
        let ttl = diagnostics.filter { $0.message.contains("runs out before the end") }
        #expect(ttl.map(\.severity) == [.warning] && ttl.first?.line == 13, "\(diagnostics.map(\.rendered))")
    }
}
