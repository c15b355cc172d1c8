// The demo's traffic, real and between the lab's hosts: ping, a checked
// TCP transfer per listed port (Tests/e2e/tcp_transfer.py: SHA-256 both
// ways), HTTP requests to python3 -m http.server with curl (each its own
// connection, so its own flow for the load balancer), and probes of
// ports the firewall must block.
import Foundation
import SFCConfig
import SFCLabConfig

public struct TrafficResult: Codable, Sendable {
    public struct Ping: Codable, Sendable { public var sent: Int; public var received: Int }
    public struct Transfer: Codable, Sendable {
        public var port: Int; public var ok: Bool; public var sentBytes: Int; public var replyBytes: Int; public var seconds: Double?
        public var error: String?
    }
    public struct HTTPRequest: Codable, Sendable {
        public var status: Int; public var bytes: Int; public var sourcePort: Int
    }
    public struct Probe: Codable, Sendable { public var port: Int; public var result: String }

    public var from: String
    public var to: String
    public var fromAddress: String
    public var toAddress: String
    public var ping: Ping?
    public var transfers: [Transfer] = []
    public var httpPort: Int?
    public var httpBodyBytes: Int = 0
    public var http: [HTTPRequest] = []
    public var blocked: [Probe] = []
}

struct TrafficRunner {
    let plan: LabPlan
    let traffic: LabDescription.Traffic
    let repositoryRoot: String
    let directory: String
    /// Long-running helpers (servers) are registered here so a teardown can stop them.
    let register: (LabProcess) -> Void

    static let replyBytes = 65536
    static let httpBodyBytes = 262_144

    func run() throws -> TrafficResult {
        guard let from = plan.host(traffic.from), let to = plan.host(traffic.to) else { throw LabError("traffic hosts missing") }
        let server = to.host.address.address.description
        var result = TrafficResult(from: traffic.from, to: traffic.to, fromAddress: from.host.address.address.description,
                                   toAddress: server)
        let script = repositoryRoot + "/Tests/e2e/tcp_transfer.py"

        if traffic.ping > 0 {
            let r = Shell.run(Shell.inNamespace(from.namespace, ["ping", "-n", "-c", "\(traffic.ping)", "-i", "0.2", "-W", "3", server]),
                              timeout: Double(traffic.ping) + 15)
            result.ping = .init(sent: Self.number(before: " packets transmitted", in: r.stdout) ?? 0,
                                received: Self.number(before: " received", in: r.stdout) ?? 0)
        }
        for port in traffic.tcp {
            let listener = try LabProcess(name: "tcp-server-\(port)", argv: Shell.inNamespace(to.namespace,
                [Locations.python, script, "server", server, "\(port)", "\(Self.replyBytes)", "30"]), directory: directory)
            register(listener)
            try listener.waitFor("listening", timeout: 15)
            let r = Shell.run(Shell.inNamespace(from.namespace, [Locations.python, script, "client", server, "\(port)",
                                                                 "\(traffic.tcpBytes)", "\(Self.replyBytes)", "30"]), timeout: 45)
            listener.waitForExit(timeout: 10)
            listener.stop(timeout: 2)
            let summary = Shell.json(String(r.stdout.split(separator: "\n").last ?? "")) as? [String: Any]
            let ok = r.ok && summary?["ok"] as? Bool == true && summary?["server_received"] as? Int == traffic.tcpBytes
            result.transfers.append(.init(port: port, ok: ok, sentBytes: summary?["server_received"] as? Int ?? 0,
                                          replyBytes: summary?["reply_bytes"] as? Int ?? 0, seconds: summary?["seconds"] as? Double,
                                          error: ok ? nil : (r.stderr + r.stdout).suffix(400).description))
        }
        if let port = traffic.httpPort {
            result.httpPort = port
            result.httpBodyBytes = Self.httpBodyBytes
            let www = directory + "/www"
            try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
            var generator = SystemRandomNumberGenerator()
            let body = Data((0..<Self.httpBodyBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try body.write(to: URL(fileURLWithPath: www + "/study.bin"))
            let httpd = try LabProcess(name: "http-server", argv: Shell.inNamespace(to.namespace,
                [Locations.python, "-u", "-m", "http.server", "\(port)", "--bind", server, "--directory", www]), directory: directory)
            register(httpd)
            try httpd.waitFor("Serving HTTP", timeout: 15)
            for _ in 0..<traffic.httpRequests {
                let r = Shell.run(Shell.inNamespace(from.namespace, ["curl", "-s", "-o", "/dev/null", "--max-time", "10",
                    "-w", "%{http_code} %{size_download} %{local_port}", "http://\(server):\(port)/study.bin"]), timeout: 20)
                let f = r.stdout.split(separator: " ").compactMap { Int($0) }
                result.http.append(.init(status: f.count == 3 ? f[0] : 0, bytes: f.count == 3 ? f[1] : 0,
                                         sourcePort: f.count == 3 ? f[2] : 0))
            }
            httpd.stop(timeout: 5)
        }
        for port in traffic.blocked {
            let r = Shell.run(Shell.inNamespace(from.namespace, [Locations.python, script, "probe", server, "\(port)", "2"]), timeout: 15)
            let verdict = (Shell.json(String(r.stdout.split(separator: "\n").last ?? "")) as? [String: Any])?["result"] as? String
            result.blocked.append(.init(port: port, result: verdict ?? "error: \(r.stderr.suffix(200))"))
        }
        return result
    }

    /// The integer right before `marker` in `text` ("3 packets transmitted, 3 received").
    static func number(before marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let head = text[..<range.lowerBound]
        let digits = head.reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }
}
