// The DPDK dataplane and the control API at once: `sfc-forwarder run` on two
// lcores over net_null ports (which receive without end), while this test
// reads status, instances and counters and reloads between reload/a.yaml and
// b.yaml through the control socket. Every thread the forwarder has is busy
// at the same time: both lcores, SwiftNIO's event loop, the daemon's ticker
// and the link watch. It is what ThreadSanitizer checks (scripts/sanitize.sh)
// with DPDKReloadTests (lcores, an injecting thread, reloads, live traces);
// in the ordinary build it holds the API's answers while lcores forward.
// (net_null's frames are all zeros: dropped, and no trace filter matches them.)
import Foundation
@testable import SFCTestSupport
import SFCTrace
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct DPDKControlTests {
    /// a.yaml or b.yaml with a `dpdk:` section: two lcores, no hugepages, a net_null device per port.
    static func chainFile(_ name: String, in dir: String) throws -> String {
        var text = try String(contentsOfFile: DPDKReloadTests.dir + "/\(name).yaml", encoding: .utf8)
        text += "\ndpdk:\n  lcores: [0, 1]\n  hugepages: off\n  memory-mb: 256\n  ports:\n"
        for (p, port) in ["users", "services", "internet"].enumerated() {
            text += "    - {port: \(port), device: \"net_null\(p)\"}\n"
        }
        let path = dir + "/\(name).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func received(_ counters: [String: Any]?) -> Int {
        let ports = counters?["ports"] as? [String: [String: Any]] ?? [:]
        return ports.values.reduce(0) { $0 + ($1["rx"] as? Int ?? 0) }
    }

    @Test func reloadsAndCounterReadsWhileTwoLcoresForward() throws {
        guard Forwarder.ready() else { return }
        let dir = Forwarder.temporaryDirectory("control")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configs = [try Self.chainFile("a", in: dir), try Self.chainFile("b", in: dir)]
        let socket = dir + "/control.sock"
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Forwarder.binary))
        process.arguments = ["run", "--config", configs[0], "--dataplane", "dpdk", "--control", socket, "--json"]
        process.standardOutput = try #require(FileHandle(forWritingAtPath: dir + "/out"))
        process.standardError = try #require(FileHandle(forWritingAtPath: dir + "/err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let stderr = { (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "" }

        // Only a guard against a hang: EAL start-up under a sanitizer takes a while.
        let ready = Date().addingTimeInterval(120)
        while process.isRunning && Date() < ready && !stderr().contains("forwarding on") { Thread.sleep(forTimeInterval: 0.05) }
        try #require(process.isRunning && stderr().contains("forwarding on"), "not forwarding: \(stderr())")

        // A forwarder that died (a sanitizer's report aborts it) says why on stderr.
        do { try Self.drive(ControlClient(node: nil, control: socket), configs: configs) } catch {
            Issue.record("\(error); stderr: \(stderr())")
            return
        }

        process.terminate()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        try #require(!process.isRunning, "sfc-forwarder ignored SIGTERM")
        #expect(process.terminationStatus == 0, "\(stderr())")
        #expect(!stderr().contains("Sanitizer"), "\(stderr())")
        let report = try Forwarder.json((try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "")
        #expect(Self.received(report) > 0)
    }

    /// Reloads back and forth with counter, status and instance reads between.
    static func drive(_ client: ControlClient, configs: [String]) throws {
        let first = try client.request("GET", "/v1/counters")
        #expect(first.status == 200)
        var generation = (try client.request("GET", "/v1/status").json?["generation"] as? Int) ?? 0
        for round in 0..<6 {
            let reload = try client.request("POST", "/v1/reload", json: ["config": configs[(round + 1) % 2]])
            #expect(reload.status == 200, "\(String(decoding: reload.body, as: UTF8.self))")
            let next = reload.json?["generation"] as? Int ?? -1
            #expect(next == generation + 1, "reload \(round): generation \(next) after \(generation)")
            generation = next
            #expect(try client.request("GET", "/v1/counters").status == 200)
            #expect(try client.request("GET", "/v1/status").status == 200)
            #expect(try client.request("GET", "/v1/instances").status == 200)
        }
        let last = try client.request("GET", "/v1/counters")
        // The lcores went on receiving while the API answered.
        #expect(received(last.json) > received(first.json), "\(received(first.json)) then \(received(last.json))")
    }
}
