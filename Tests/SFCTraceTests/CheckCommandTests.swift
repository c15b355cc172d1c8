// chain-trace check: exit codes, summary, diagnostics on stderr, JSON view.
import Foundation
import SFCTrace
import Testing

@Suite struct CheckCommandTests {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func chain(_ name: String) -> String { repoRoot.appendingPathComponent("Chains").appendingPathComponent(name).path }

    /// Writes `text` to a fresh temporary file and returns its path.
    static func temporaryFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let minimal = """
        node: {name: n1}
        ports:
          - {name: p1, mac: "02:00:00:00:00:01", trusted: true}
        functions:
          - {name: f1, kind: nsh-aware, instances: [{name: i1, port: p1, mac: "02:00:00:00:00:02"}]}
        chains:
          - {name: c1, spi: 1, encapsulation: nsh, hops: [f1], end: {port: p1, mac: "02:00:00:00:00:03"}}

        """

    @Test func validFileExitsZeroWithSummary() {
        let path = Self.chain("hospital-edge.yaml")
        let result = CheckCommand.run(files: [path], json: false)
        #expect(result.exitCode == 0)
        #expect(result.stdout == "\(path): ok — node hospital-edge-1, 4 ports, 3 functions, 3 chains, 5 rules\n")
        #expect(result.stderr.isEmpty)
    }

    @Test func brokenFileExitsOneWithAllDiagnostics() throws {
        let path = try Self.temporaryFile(Self.minimal + "rules:\n  - {chain: nope}\n  - {chain: c1, dscp: 99}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = CheckCommand.run(files: [path], json: false)
        #expect(result.exitCode == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(path):9:13: error: unknown chain 'nope'") == true)
        #expect(lines.last?.hasPrefix("\(path):10:23: error: 'dscp' must be in 0..63") == true)
    }

    @Test func missingFileIsReported() {
        let result = CheckCommand.run(files: ["/no/such/chains.yaml"], json: false)
        #expect(result.exitCode == 1)
        #expect(result.stderr == "/no/such/chains.yaml:1:1: error: no such file\n")
    }

    @Test func oneBadFileFailsTheRunButGoodFilesStillSummarise() throws {
        let good = Self.chain("multi-instance.yaml")
        let result = CheckCommand.run(files: [good, "/no/such/file.yaml"], json: false)
        #expect(result.exitCode == 1)
        #expect(result.stdout.hasPrefix("\(good): ok — node campus-sff-1"))
    }

    @Test func warningsGoToStderrAndKeepExitZero() throws {
        let path = try Self.temporaryFile(Self.minimal.replacingOccurrences(
            of: "functions:\n", with: "  - {name: spare, mac: \"02:00:00:00:00:09\", trusted: true}\nfunctions:\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = CheckCommand.run(files: [path], json: false)
        #expect(result.exitCode == 0)
        #expect(result.stderr == "\(path):4:5: warning: port 'spare' is not used by any peer, route, sid, instance, chain end or rule\n")
        #expect(result.stdout.contains(": ok — node n1, 2 ports, 1 function, 1 chain, 0 rules"))
    }

    @Test func healthDiagnosticsArePrinted() throws {
        let path = try Self.temporaryFile(Self.minimal.replacingOccurrences(
            of: "kind: nsh-aware, ",
            with: "kind: nsh-aware, health: {interval: 1ms, probe: {source: \"2001:db8::1\", destination: 10.0.0.2}}, "))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = CheckCommand.run(files: [path], json: false)
        #expect(result.exitCode == 1 && result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(path):5:52: error: 'interval' must be in 10ms..10s, found 1ms") == true)
        #expect(lines.last?.hasPrefix("\(path):5:73: error: 'source' must be an IPv4 address") == true)
    }

    @Test func noFilesIsAUsageError() {
        #expect(CheckCommand.run(files: [], json: false).exitCode == 2)
    }

    @Test func jsonHasTheCompiledView() throws {
        let result = CheckCommand.run(files: [Self.chain("hospital-edge.yaml")], json: true)
        #expect(result.exitCode == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(String(lines[0]).utf8)) as? [String: Any])
        for key in ["chains", "functions", "ports", "rules"] { #expect(object[key] != nil, "missing \(key)") }
        #expect(object["rules"] as? Int == 5)

        let chains = try #require(object["chains"] as? [[String: Any]])
        let dicom = try #require(chains.first)
        for key in ["name", "spi", "encapsulation", "hops", "start_si", "ttl", "reduced", "end"] {
            #expect(dicom[key] != nil, "chain is missing \(key)")
        }
        #expect(dicom["name"] as? String == "dicom")
        #expect(dicom["spi"] as? Int == 100)
        #expect(dicom["encapsulation"] as? String == "nsh")
        #expect(dicom["hops"] as? [String] == ["dicom-firewall", "ids"])
        #expect((dicom["end"] as? [String: Any])?["port"] as? String == "datacenter")

        let functions = try #require(object["functions"] as? [[String: Any]])
        let firewall = try #require(functions.first)
        #expect(firewall["name"] as? String == "dicom-firewall" && firewall["kind"] as? String == "nsh-unaware")
        let instances = try #require(firewall["instances"] as? [[String: Any]])
        #expect(instances.first?["name"] as? String == "dicom-fw-1" && instances.first?["weight"] as? Int == 1)

        let ports = try #require(object["ports"] as? [[String: Any]])
        #expect(ports.count == 4)
        let first = try #require(ports.first)
        #expect(first["name"] as? String == "modalities" && first["mac"] as? String == "02:00:00:0a:00:01")
        #expect(first["mtu"] as? Int == 1500 && first["trusted"] as? Bool == false)
    }

    @Test func jsonSRv6EndAndProxy() throws {
        let result = CheckCommand.run(files: [Self.chain("srv6-mixed.yaml")], json: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let chains = try #require(object["chains"] as? [[String: Any]])
        #expect((chains.first?["end"] as? [String: Any])?["sid"] as? String == "fc00:1::d4")
        #expect(chains.contains { $0["reduced"] as? Bool == true })
        let functions = try #require(object["functions"] as? [[String: Any]])
        #expect(Set(functions.compactMap { $0["proxy"] as? String }) == ["static", "dynamic", "masquerading"])
    }

    @Test func jsonOneObjectPerFilePerLine() throws {
        let files = ["hospital-edge.yaml", "building-management.yaml", "multi-instance.yaml"].map(Self.chain)
        let result = CheckCommand.run(files: files, json: true)
        #expect(result.exitCode == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        for (line, file) in zip(lines, files) {
            let object = try JSONSerialization.jsonObject(with: Data(String(line).utf8)) as? [String: Any]
            #expect(object?["file"] as? String == file)
        }
    }
}
