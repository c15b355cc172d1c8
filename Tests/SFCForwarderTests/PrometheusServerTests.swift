// The real-Prometheus harness (SFCTestSupport's PrometheusServer) proved on
// a rendered exposition served by a tiny local HTTP server: Prometheus
// scrapes it, and PromQL gives back the counter values, the labels as they
// were before escaping, rate() of a static counter (0) and of a counter
// growing by exactly 7 per second of sample time (7), and a quantile of the
// histogram. Everything on 127.0.0.1; every wait bounded.
import Foundation
import Testing
import SFCCore
@testable import SFCDaemon
@testable import SFCForwarder
@testable import SFCTestSupport

@Suite(.enabled(if: PrometheusServer.isInstalled,
                "/usr/bin/prometheus is missing (Debian package prometheus, in the Makefile's DEB_PACKAGES)"))
struct PrometheusServerTests {
    @Test func prometheusScrapesTheExpositionAndAnswersPromQL() throws {
        let node = "edge \"1\"\\lab\nB"
        let snapshot = try MetricsFixture.snapshot(node: node)
        let server = try StaticExpositionServer(exposition: PrometheusExposition.render(snapshot),
                                                ticker: (name: "sfc_harness_ticks_total", step: 7))
        defer { server.stop() }
        let prometheus = try PrometheusServer(target: server.target, job: "harness")
        defer { prometheus.stop() }

        try prometheus.waitFor("the target to be up", #"up{job="harness"}"#) { $0.count == 1 && $0[0].value == 1 }

        // Counter values, and the node label back as it was before escaping.
        let drops = try prometheus.waitFor("every drop reason", "sfc_drops_total") { $0.count == DropReason.allCases.count }
        let first = DropReason.allCases[0].name
        #expect(drops.allSatisfy { $0.labels["node"] == node && $0.labels["job"] == "harness" })
        #expect(drops.first { $0.labels["reason"] == first }?.value == 5)
        #expect(drops.filter { $0.labels["reason"] != first }.allSatisfy { $0.value == 0 })
        let rx = try prometheus.query(#"sfc_port_packets_total{port="modalities",direction="rx"}"#)
        let modalities = try #require(snapshot.tables.config.portIndex(named: "modalities"))
        #expect(rx.map(\.value) == [Double(1000 + modalities)])
        let hop = try prometheus.query(#"sfc_hop_packets_total{chain="dicom",hop="end"}"#)
        #expect(hop.count == 1 && hop.first?.labels["function"] == nil)

        // rate() of a counter that stays put: 0, once two scrapes are in.
        let selector = #"sfc_drops_total{reason="\#(first)"}"#
        try prometheus.waitFor("two scrapes", "count_over_time(\(selector)[1m])") { ($0.first?.value ?? 0) >= 2 }
        #expect(try prometheus.query("rate(\(selector)[1m])").map(\.value) == [0])

        // rate() of the ticker, evaluated at its newest sample over the 4 s
        // before it: its samples are 1 s apart by their own timestamps, so
        // the answer is exactly 7 per second, however the scrapes ran.
        try prometheus.waitFor("six ticks", "count_over_time(sfc_harness_ticks_total[10m])") { ($0.first?.value ?? 0) >= 6 }
        let newest = try #require(try prometheus.query("timestamp(sfc_harness_ticks_total)").first?.value)
        let rate = try #require(try prometheus.query("rate(sfc_harness_ticks_total[4s])", at: newest).first?.value)
        #expect(abs(rate - 7) < 1e-9, "rate \(rate)")
        let increase = try #require(try prometheus.query("increase(sfc_harness_ticks_total[4s])", at: newest).first?.value)
        #expect(abs(increase - 28) < 1e-9, "increase \(increase)")
        let ticks = try #require(try prometheus.query("sfc_harness_ticks_total", at: newest).first?.value)
        #expect(ticks >= 7 * 105 && ticks.truncatingRemainder(dividingBy: 7) == 0, "ticks \(ticks)")

        // The histogram as Prometheus reads it: three reloads of 0.2 s, all in (0.1, 0.25].
        let count = try prometheus.query("sfc_reload_duration_seconds_count").map(\.value)
        #expect(count == [3])
        let median = try #require(try prometheus.query("histogram_quantile(0.5, sfc_reload_duration_seconds_bucket)").first?.value)
        #expect(median > 0.1 && median <= 0.25, "median \(median)")

        // A malformed query comes back as an error that says so.
        #expect(throws: PrometheusError.self) { try prometheus.query("rate(") }
    }

    @Test func aTargetOffLoopbackIsRefused() {
        #expect(throws: PrometheusError.self) { try PrometheusServer(target: "192.0.2.1:9100") }
        #expect(PrometheusServer.isLoopback("127.0.0.1:9") && PrometheusServer.isLoopback("localhost:9")
                && PrometheusServer.isLoopback("[::1]:9") && !PrometheusServer.isLoopback("127.0.0.1.example:9"))
    }

    @Test func aWaitThatRunsOutSaysWhyAndStopRemovesTheFolderAndEndsTheProcess() throws {
        let prometheus = try PrometheusServer(target: "127.0.0.1:\(try PrometheusServer.freeLoopbackPort())", job: "nothing")
        let directory = prometheus.directory, url = prometheus.url
        defer { prometheus.stop() }
        #expect(FileManager.default.fileExists(atPath: directory + "/data"))

        // Nothing listens on the target: up goes to 0, and a wait for 1 ends
        // with what was asked, the last answer and the scrape error.
        try prometheus.waitFor("the dead target scraped", #"up{job="nothing"}"#) { $0.first?.value == 0 }
        let error = try #require(throws: PrometheusError.self) {
            try prometheus.waitFor("the dead target up", #"up{job="nothing"}"#, timeout: 2) { $0.first?.value == 1 }
        }
        #expect(error.description.contains("the dead target up") && error.description.contains("health=down")
                && error.description.contains("connection refused"), "\(error)")

        prometheus.stop()
        prometheus.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
        let (status, _) = try PrometheusServer.httpGet(url + "/-/ready", timeout: 2)
        #expect(status == 0, "nothing answers on \(url) after stop()")
    }
}
