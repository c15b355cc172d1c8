// The /metrics text of a MetricsSnapshot: names, labels, values and escaping
// as the text exposition format 0.0.4 has them, every drop reason present,
// HELP and TYPE once per family, and promtool's own check of the output.
import Foundation
import SFCControl
import Testing
import SFCConfig
import SFCCore
@testable import SFCDaemon
@testable import SFCForwarder

/// A snapshot of Chains/hospital-edge.yaml whose counters are all different
/// (so a value read from the wrong index shows), with every optional part set.
enum MetricsFixture {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func config(node: String? = nil) throws -> CompiledConfig {
        var config = try #require(ChainFile.load(path: root + "/Chains/hospital-edge.yaml").config)
        if let node { config.node.name = node }
        return config
    }

    static func snapshot(node: String? = nil) throws -> MetricsSnapshot {
        let tables = ForwardingTables(try config(node: node), generation: 7)
        var c = Counters(tables: tables)
        for i in c.rxPackets.indices { c.rxPackets[i] = 1000 + UInt64(i); c.txPackets[i] = 2000 + UInt64(i); c.txBytes[i] = 3000 + UInt64(i) }
        for i in c.chainPackets.indices { c.chainPackets[i] = 4000 + UInt64(i); c.chainBytes[i] = 5000 + UInt64(i) }
        for i in c.hopPackets.indices { c.hopPackets[i] = 6000 + UInt64(i) }
        for i in c.instancePackets.indices { c.instancePackets[i] = 7000 + UInt64(i) }
        c.drops[Int(DropReason.allCases[0].rawValue)] = 5
        var reload = LatencyHistogram.reload()
        for v in [0.2, 0.2, 0.2] { reload.observe(v) }
        var steer = LatencyHistogram.steerApply()
        steer.observe(.microseconds(40))
        var snapshot = MetricsSnapshot(dataplane: "dpdk", tables: tables, counters: c, reloads: ["ok": 3, "invalid": 1],
                                       steeringRules: 12, workers: [("lcore1", 900, 0.25), ("lcore2", 901, nil)],
                                       traceRecordsDropped: 4, reloadDuration: reload, steerApplyDuration: steer)
        var control = ConnectionLedger.Snapshot()
        control.open = 2; control.accepted = 9; control.refusedFull = 1; control.closedIdle = 3
        snapshot.listeners = [("control", control), ("metrics", ConnectionLedger.Snapshot())]
        return snapshot
    }
}

@Suite struct PrometheusExpositionTests {
    /// Sample lines (no comments) as (name, label text, value).
    func samples(_ text: String) -> [(name: String, labels: String, value: String)] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let s = String(line)
            let valueStart = s.lastIndex(of: " ")!
            let head = s[..<valueStart], value = String(s[s.index(after: valueStart)...])
            if let brace = head.firstIndex(of: "{") { return (String(head[..<brace]), String(head[brace...]), value) }
            return (String(head), "", value)
        }
    }

    func value(_ text: String, _ name: String, _ labels: String) -> String? {
        samples(text).first { $0.name == name && $0.labels == labels }?.value
    }

    @Test func everyFamilyHasOneHelpAndOneTypeBeforeItsSamplesAndTheSamplesTogether() throws {
        let text = PrometheusExposition.render(try MetricsFixture.snapshot())
        #expect(text.hasSuffix("\n"))
        var seen: [String] = []
        var current: PrometheusExposition.Family?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().makeIterator()
        while let line = lines.next() {
            if line.hasPrefix("# HELP ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                let family = try #require(PrometheusExposition.families.first { $0.name == name }, "HELP of an unknown family \(name)")
                #expect(!seen.contains(name), "\(name): a second HELP")
                seen.append(name)
                let next = lines.next()
                let type = try #require(next, "\(name): no TYPE after HELP")
                #expect(type == "# TYPE \(name) \(family.type.rawValue)")
                current = family
                continue
            }
            #expect(!line.hasPrefix("#"), "a comment that is not HELP+TYPE: \(line)")
            let family = try #require(current, "a sample before any TYPE: \(line)")
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let allowed = family.type == .histogram
                ? ["_bucket", "_sum", "_count"].map { family.name + $0 } : [family.name]
            #expect(allowed.contains(name), "\(line) under family \(family.name)")
        }
        // Every family is there (this snapshot sets every part), in the table's order.
        #expect(seen == PrometheusExposition.families.map(\.name))
    }

    @Test func namesFollowThePrometheusConventions() {
        for f in PrometheusExposition.families {
            #expect(f.name.hasPrefix("sfc_"))
            #expect(f.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(f.name)")
            #expect(f.labels.first == "node", "\(f.name): node is the first label")
            switch f.type {
            case .counter: #expect(f.name.hasSuffix("_total"), "\(f.name)")
            case .gauge: #expect(!f.name.hasSuffix("_total"), "\(f.name)")
            case .histogram: #expect(f.name.hasSuffix("_seconds"), "\(f.name)")
            }
            #expect(!f.help.isEmpty)
        }
    }

    @Test func portChainHopAndInstanceCountersCarryTheirNamesAndValues() throws {
        let snapshot = try MetricsFixture.snapshot()
        let text = PrometheusExposition.render(snapshot)
        let config = snapshot.tables.config
        let n = #"node="hospital-edge-1""#
        for (p, port) in config.ports.enumerated() {
            #expect(value(text, "sfc_port_packets_total", "{\(n),port=\"\(port.name)\",direction=\"rx\"}") == "\(1000 + p)")
            #expect(value(text, "sfc_port_packets_total", "{\(n),port=\"\(port.name)\",direction=\"tx\"}") == "\(2000 + p)")
            #expect(value(text, "sfc_port_bytes_total", "{\(n),port=\"\(port.name)\",direction=\"tx\"}") == "\(3000 + p)")
        }
        #expect(samples(text).filter { $0.name == "sfc_port_packets_total" }.count == 2 * config.ports.count)
        #expect(samples(text).filter { $0.name == "sfc_port_bytes_total" }.count == config.ports.count, "only tx bytes")

        let dicom = try #require(config.chainIndex(named: "dicom"))
        #expect(value(text, "sfc_chain_packets_total", "{\(n),chain=\"dicom\"}") == "\(4000 + dicom)")
        #expect(value(text, "sfc_chain_bytes_total", "{\(n),chain=\"dicom\"}") == "\(5000 + dicom)")
        // dicom: [dicom-firewall, ids], then the end.
        let base = snapshot.tables.hopCounterBase[dicom]
        #expect(value(text, "sfc_hop_packets_total", "{\(n),chain=\"dicom\",hop=\"1\",function=\"dicom-firewall\"}") == "\(6000 + base)")
        #expect(value(text, "sfc_hop_packets_total", "{\(n),chain=\"dicom\",hop=\"2\",function=\"ids\"}") == "\(6000 + base + 1)")
        #expect(value(text, "sfc_hop_packets_total", "{\(n),chain=\"dicom\",hop=\"end\"}") == "\(6000 + base + 2)")
        let hops = config.chains.reduce(0) { $0 + $1.hops.count + 1 }
        #expect(samples(text).filter { $0.name == "sfc_hop_packets_total" }.count == hops)

        let fw = try #require(config.functionIndex(named: "dicom-firewall"))
        let ib = snapshot.tables.instanceCounterBase[fw]
        #expect(value(text, "sfc_instance_packets_total", "{\(n),function=\"dicom-firewall\",instance=\"dicom-fw-1\"}") == "\(7000 + ib)")
        #expect(value(text, "sfc_instance_packets_total", "{\(n),function=\"dicom-firewall\",instance=\"dicom-fw-2\"}") == "\(7000 + ib + 1)")
        let instances = config.functions.reduce(0) { $0 + $1.instances.count }
        #expect(samples(text).filter { $0.name == "sfc_instance_packets_total" }.count == instances)
    }

    @Test func everyDropReasonIsListedEvenAtZero() throws {
        let text = PrometheusExposition.render(try MetricsFixture.snapshot())
        let drops = samples(text).filter { $0.name == "sfc_drops_total" }
        #expect(drops.count == DropReason.allCases.count)
        for (i, reason) in DropReason.allCases.enumerated() {
            #expect(value(text, "sfc_drops_total", #"{node="hospital-edge-1",reason="\#(reason.name)"}"#) == (i == 0 ? "5" : "0"))
        }
    }

    @Test func daemonStateGaugesAndWorkers() throws {
        let text = PrometheusExposition.render(try MetricsFixture.snapshot())
        let n = #"node="hospital-edge-1""#
        #expect(value(text, "sfc_dataplane_info", "{\(n),dataplane=\"dpdk\"}") == "1")
        #expect(value(text, "sfc_config_generation", "{\(n)}") == "7")
        #expect(value(text, "sfc_steering_rules", "{\(n)}") == "12")
        #expect(value(text, "sfc_trace_records_dropped_total", "{\(n)}") == "4")
        #expect(value(text, "sfc_reloads_total", "{\(n),result=\"ok\"}") == "3")
        #expect(value(text, "sfc_reloads_total", "{\(n),result=\"invalid\"}") == "1")
        #expect(value(text, "sfc_reloads_total", "{\(n),result=\"failed\"}") == "0", "every result shown, even at 0")
        #expect(value(text, "sfc_worker_packets_total", "{\(n),worker=\"lcore1\"}") == "900")
        #expect(value(text, "sfc_worker_packets_total", "{\(n),worker=\"lcore2\"}") == "901")
        #expect(value(text, "sfc_worker_busy_ratio", "{\(n),worker=\"lcore1\"}") == "0.25")
        #expect(value(text, "sfc_worker_busy_ratio", "{\(n),worker=\"lcore2\"}") == nil, "no busy ratio when not measured")
    }

    @Test func familiesWithoutSamplesAreLeftOutAndOtherReloadResultsShown() throws {
        var s = try MetricsFixture.snapshot()
        s.workers = [("cpu0", 1, nil)]
        s.dataplane = "xdp"
        s.reloads = ["rolled-back": 2]
        let text = PrometheusExposition.render(s)
        #expect(!text.contains("sfc_worker_busy_ratio"))
        #expect(text.contains(#"sfc_worker_packets_total{node="hospital-edge-1",worker="cpu0"} 1"#))
        #expect(text.contains(#"sfc_dataplane_info{node="hospital-edge-1",dataplane="xdp"} 1"#))
        let results = samples(text).filter { $0.name == "sfc_reloads_total" }.map(\.labels)
        #expect(results == ["ok", "invalid", "failed", "rolled-back"].map { #"{node="hospital-edge-1",result="\#($0)"}"# })
        s.workers = []
        #expect(!PrometheusExposition.render(s).contains("sfc_worker_"))
    }

    @Test func histogramsAreCumulativeWithInfSumAndCount() throws {
        let text = PrometheusExposition.render(try MetricsFixture.snapshot())
        let n = #"node="hospital-edge-1""#
        let buckets = samples(text).filter { $0.name == "sfc_reload_duration_seconds_bucket" }
        #expect(buckets.count == LatencyHistogram.reloadBounds.count + 1)
        #expect(buckets.last?.labels == "{\(n),le=\"+Inf\"}" && buckets.last?.value == "3")
        #expect(value(text, "sfc_reload_duration_seconds_bucket", "{\(n),le=\"0.1\"}") == "0")
        #expect(value(text, "sfc_reload_duration_seconds_bucket", "{\(n),le=\"0.25\"}") == "3")
        #expect(value(text, "sfc_reload_duration_seconds_bucket", "{\(n),le=\"1\"}") == "3", "integral bounds without .0")
        #expect(value(text, "sfc_reload_duration_seconds_count", "{\(n)}") == "3")
        let sum = try #require(value(text, "sfc_reload_duration_seconds_sum", "{\(n)}").flatMap(Double.init))
        #expect(abs(sum - 0.6) < 1e-12)
        let counts = buckets.map { UInt64($0.value)! }
        #expect(counts == counts.sorted(), "cumulative")
        #expect(value(text, "sfc_steer_apply_duration_seconds_bucket", "{\(n),le=\"2.5e-05\"}") == "0")
        #expect(value(text, "sfc_steer_apply_duration_seconds_bucket", "{\(n),le=\"5e-05\"}") == "1")
        #expect(value(text, "sfc_steer_apply_duration_seconds_count", "{\(n)}") == "1")
    }

    @Test func latencyHistogramBucketsOnTheUpperBound() {
        var h = LatencyHistogram(bounds: [1, 0.5, 1, .infinity, .nan])
        #expect(h.bounds == [0.5, 1])
        for v in [0.5, 0.75, 1, 2, -1, .nan] { h.observe(v) }
        #expect(h.counts == [2, 2, 1], "le is inclusive; a negative value counts as 0; NaN is ignored")
        #expect(h.cumulativeCounts == [2, 4, 5])
        #expect(h.count == 5 && h.sum == 4.25)
        let recorder = LatencyRecorder(.reload())
        recorder.observe(.milliseconds(20))
        #expect(recorder.snapshot.count == 1 && abs(recorder.snapshot.sum - 0.02) < 1e-12)
    }

    @Test func labelValuesAndHelpAreEscapedAsTheFormatSays() throws {
        #expect(PrometheusExposition.escapeLabelValue(#"a"b\c"# + "\nd") == #"a\"b\\c\nd"#)
        #expect(PrometheusExposition.escapeLabelValue("x\r\ny") == "x\r\\ny", "a CRLF's newline is escaped too")
        #expect(PrometheusExposition.escapeLabelValue("plain-ünïcode") == "plain-ünïcode")
        #expect(PrometheusExposition.escapeHelp(#"a\b"# + "\n\"q\"") == #"a\\b\n"q""#, "quotes stay in HELP")
        let text = PrometheusExposition.render(try MetricsFixture.snapshot(node: "edge \"1\"\\lab\nB"))
        #expect(text.contains(#"sfc_config_generation{node="edge \"1\"\\lab\nB"} 7"#))
        #expect(!text.contains("lab\nB"), "no raw newline inside a sample line")
    }

    @Test func valuesAreWrittenAsTheFormatReadsThem() {
        #expect(PrometheusExposition.formatValue(1) == "1")
        #expect(PrometheusExposition.formatValue(0.25) == "0.25")
        #expect(PrometheusExposition.formatValue(-3) == "-3")
        #expect(PrometheusExposition.formatValue(.infinity) == "+Inf")
        #expect(PrometheusExposition.formatValue(-.infinity) == "-Inf")
        #expect(PrometheusExposition.formatValue(.nan) == "NaN")
        #expect(Double(PrometheusExposition.formatValue(1e-5)) == 1e-5)
        #expect(Double(PrometheusExposition.formatValue(1e300)) == 1e300)
    }

    @Test func twoRendersOfOneSnapshotAreTheSameText() throws {
        let s = try MetricsFixture.snapshot()
        #expect(PrometheusExposition.render(s) == PrometheusExposition.render(s))
    }

    @Test func aCounterBlockShorterThanItsTablesShowsZeroRatherThanStopping() throws {
        var s = try MetricsFixture.snapshot()
        s.counters.hopPackets = []
        s.counters.drops = []
        let text = PrometheusExposition.render(s)
        #expect(value(text, "sfc_hop_packets_total", #"{node="hospital-edge-1",chain="dicom",hop="end"}"#) == "0")
        #expect(samples(text).filter { $0.name == "sfc_drops_total" }.count == DropReason.allCases.count)
    }

    static let promtool = "/usr/bin/promtool"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: promtool),
                   "promtool (Debian package prometheus, in the Makefile's DEB_PACKAGES) is not installed"))
    func promtoolChecksTheRenderedText() throws {
        for node in ["hospital-edge-1", "edge \"1\"\\lab\nB"] {
            var s = try MetricsFixture.snapshot(node: node)
            s.workers.append(("lcore3", 0, .nan))
            let (status, output) = try Self.promtoolCheck(PrometheusExposition.render(s))
            #expect(status == 0, "promtool check metrics (node \(node.debugDescription)): \(output)")
            #expect(output.isEmpty, "promtool's lint: \(output)")
        }
        // And promtool does catch a broken exposition, so a pass above means something.
        let (status, output) = try Self.promtoolCheck("# TYPE sfc_x_total counter\nsfc_x_total{node=\"a\"b\"} 1\n")
        #expect(status != 0, "promtool accepted an unescaped quote: \(output)")
    }

    /// `promtool check metrics` with `text` on its standard input: (status, stdout + stderr).
    static func promtoolCheck(_ text: String) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfc-promtool-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/metrics", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = ["check", "metrics"]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/metrics"))
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // promtool reads a small file and exits; bounded anyway.
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { p.terminate(); Issue.record("promtool still running after 60 s") }
        p.waitUntilExit()
        try? out.close()
        return (p.terminationStatus, (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "")
    }
}
