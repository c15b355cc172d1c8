// chain-trace status / counters / reload / live / steer / unsteer: the
// control API's client commands. Each asks the running forwarder of a node
// over its Unix socket and prints the answer as text (or JSON).
import Foundation
import SFCCapture
import SFCConfig
import SFCRuntime

public struct ClientTarget: Sendable {
    public var node: String?
    public var control: String?
    public init(node: String?, control: String?) { self.node = node; self.control = control }
}

public enum ClientCommands {
    static func client(_ t: ClientTarget) throws -> ControlClient { try ControlClient(node: t.node, control: t.control) }

    /// Runs `body`, turning client errors and non-2xx answers into one-line errors.
    static func ask(_ t: ClientTarget, _ body: (ControlClient) throws -> CommandResult) -> CommandResult {
        do {
            return try body(try client(t))
        } catch let e as ControlClient.ClientError {
            return CommandResult(stderr: "chain-trace: \(e.description)", exitCode: 1)
        } catch {
            return CommandResult(stderr: "chain-trace: \(error)", exitCode: 1)
        }
    }

    static func failure(_ reply: ControlClient.Reply) -> CommandResult {
        var text = "chain-trace: \(reply.errorMessage)"
        if let diagnostics = reply.json?["diagnostics"] as? [String], diagnostics.count > 1 || !text.contains(diagnostics.first ?? "\u{0}") {
            text += "\n" + diagnostics.joined(separator: "\n")
        }
        return CommandResult(stderr: text, exitCode: reply.status == 422 || reply.status == 400 ? 1 : 2)
    }

    static func json(_ reply: ControlClient.Reply) -> CommandResult {
        CommandResult(stdout: String(decoding: reply.body, as: UTF8.self))
    }

    public static func status(_ t: ClientTarget, json asJSON: Bool) -> CommandResult {
        ask(t) { c in
            let reply = try c.request("GET", "/v1/status")
            guard reply.status == 200, let o = reply.json else { return failure(reply) }
            return asJSON ? json(reply) : CommandResult(stdout: StatusText.render(o))
        }
    }

    public static func counters(_ t: ClientTarget, json asJSON: Bool, watch: Double?, emit: (String) -> Void) -> CommandResult {
        ask(t) { c in
            while true {
                let reply = try c.request("GET", "/v1/counters")
                guard reply.status == 200, let o = reply.json else { return failure(reply) }
                let text = asJSON ? String(decoding: reply.body, as: UTF8.self) : (o["text"] as? String ?? "")
                guard let watch else { return CommandResult(stdout: text) }
                let stamp = Date().ISO8601Format()
                emit(asJSON ? text : "--- \(o["node"] ?? "") generation \(o["generation"] ?? "") at \(stamp)\n" + text)
                usleep(useconds_t(max(0.1, watch) * 1_000_000))
            }
        }
    }

    public static func reload(_ t: ClientTarget, config: String?) -> CommandResult {
        ask(t) { c in
            var body: [String: Any] = [:]
            if let config {
                // The forwarder resolves paths from its own directory: send an absolute one.
                body["config"] = config.hasPrefix("/") ? config : FileManager.default.currentDirectoryPath + "/" + config
            }
            let reply = try c.request("POST", "/v1/reload", json: body, timeout: 120)
            guard reply.status == 200, let o = reply.json else { return failure(reply) }
            return CommandResult(stdout: "reloaded: generation \(o["generation"] ?? "?") active (\(ms(o["apply_seconds"])))\n")
        }
    }

    public static func steer(_ t: ClientTarget, rule: String, duration: String?, idle: String? = nil) -> CommandResult {
        ask(t) { c in
            var body: [String: Any] = ["rule": rule]
            if let idle {
                guard let seconds = parseDuration(idle) else {
                    return CommandResult(stderr: "chain-trace: --idle \(idle): expected a duration such as 90, 30s, 5m or 2h", exitCode: 2)
                }
                body["idle_timeout"] = seconds
            }
            if let duration {
                guard let seconds = parseDuration(duration) else {
                    return CommandResult(stderr: "chain-trace: --for \(duration): expected a duration such as 90, 30s, 5m or 2h", exitCode: 2)
                }
                body["hard_timeout"] = seconds
            }
            let reply = try c.request("POST", "/v1/steering", json: body, timeout: 300)
            guard reply.status == 201, let o = reply.json else { return failure(reply) }
            return CommandResult(stdout: "steered: generation \(o["generation"] ?? "?") active (\(ms(o["apply_seconds"])))\(duration.map { ", expires in \($0)" } ?? "")"
                                 + "\(idle.map { ", or after \($0) without a match" } ?? "")\n")
        }
    }

    public static func unsteer(_ t: ClientTarget, name: String) -> CommandResult {
        ask(t) { c in
            let escaped = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? name
            let reply = try c.request("DELETE", "/v1/steering/\(escaped)", timeout: 300)
            guard reply.status == 200, let o = reply.json else { return failure(reply) }
            return CommandResult(stdout: "unsteered \(name): generation \(o["generation"] ?? "?") active\n")
        }
    }

    /// `chain-trace instance ... up|down|drain` or `... weight W`.
    public static func instance(_ t: ClientTarget, function: String, instance: String, action: [String]) -> CommandResult {
        var body: [String: Any] = [:]
        switch action.first {
        case "up" where action.count == 1, "down" where action.count == 1, "drain" where action.count == 1:
            body["state"] = action[0]
        case "weight" where action.count == 2:
            guard let w = Int(action[1]), (1...1000).contains(w) else {
                return CommandResult(stderr: "chain-trace: weight \(action[1]): expected a whole number 1..1000", exitCode: 2)
            }
            body["weight"] = w
        default:
            return CommandResult(stderr: "chain-trace: expected up, down, drain or weight W after --instance", exitCode: 2)
        }
        return ask(t) { c in
            func escape(_ s: String) -> String {
                s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? s
            }
            let reply = try c.request("POST", "/v1/instances/\(escape(function))/\(escape(instance))", json: body, timeout: 30)
            guard reply.status == 200, let o = reply.json else { return failure(reply) }
            return CommandResult(stdout: "\(function)/\(instance): \(o["state"] ?? "?"), weight \(o["weight"] ?? "?") (\(o["reason"] ?? ""))\n")
        }
    }

    public struct LiveOptions: Sendable {
        public var filter: String
        public var count: Int
        public var json: Bool
        public var pcap: String?
        public var compare: Bool
        public var timeout: Double
        public init(filter: String, count: Int, json: Bool, pcap: String?, compare: Bool, timeout: Double) {
            self.filter = filter; self.count = count; self.json = json; self.pcap = pcap; self.compare = compare; self.timeout = timeout
        }
    }

    public static func live(_ t: ClientTarget, _ options: LiveOptions) -> CommandResult {
        ask(t) { c in
            let body: [String: Any] = ["filter": options.filter, "count": options.count, "timeout": options.timeout]
            let reply = try c.request("POST", "/v1/trace", json: body, timeout: options.timeout + 30)
            guard reply.status == 200, let o = reply.json, let records = o["records"] as? [[String: Any]] else { return failure(reply) }
            if let pcap = options.pcap {
                var writer = try PcapWriter(path: pcap)
                defer { writer.close() }
                let now = UInt64(Date().timeIntervalSince1970 * 1e9)
                for (k, r) in records.enumerated() {
                    guard let hex = r["egress_frame"] as? String, let bytes = ValueParsers.hexBytes(hex) else { continue }
                    let length = (r["egress_length"] as? NSNumber)?.intValue ?? bytes.count
                    try writer.write(CapturedPacket(timestampNanoseconds: now + UInt64(k), bytes: bytes, originalLength: max(length, bytes.count)))
                }
            }
            var out = ""
            for r in records {
                if options.json {
                    let data = (try? JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])) ?? Data()
                    out += String(decoding: data, as: UTF8.self) + "\n"
                    continue
                }
                out += (r["text"] as? String ?? "?") + "\n"
                if options.compare {
                    let differences = r["compare"] as? [String] ?? []
                    out += differences.isEmpty ? "    compare: same as simulate\n" : differences.map { "    differs: \($0)\n" }.joined()
                }
            }
            var err = ""
            if records.count < options.count {
                err = "chain-trace: \(records.count) of \(options.count) packet(s) matched within \(Int(options.timeout)) s"
            }
            if let dropped = (o["trace_records_dropped"] as? NSNumber)?.intValue, dropped > 0 {
                err += (err.isEmpty ? "" : "\n") + "chain-trace: \(dropped) trace record(s) dropped by the dataplane (ring full) since start"
            }
            return CommandResult(stdout: out, stderr: err, exitCode: records.isEmpty && options.count > 0 ? 1 : 0)
        }
    }

    /// 90, 90s, 1.5m, 2h, 500ms -> seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Double(text.dropLast(suffix.count)), v > 0, v.isFinite else { return nil }
            return v * scale
        }
        guard let v = Double(text), v > 0, v.isFinite else { return nil }
        return v
    }

    static func ms(_ seconds: Any?) -> String {
        guard let s = (seconds as? NSNumber)?.doubleValue else { return "?" }
        return String(format: "%.1f ms", s * 1000)
    }

}

enum StatusText {
    static func render(_ o: [String: Any]) -> String {
        var lines: [String] = []
        let uptime = (o["uptime_seconds"] as? NSNumber)?.doubleValue ?? 0
        lines.append("node \(o["node"] ?? "?"): \(o["dataplane"] ?? "?") dataplane, pid \(o["pid"] ?? "?"), up \(duration(uptime))")
        lines.append("config: \(o["config"] ?? "?") (generation \(o["generation"] ?? "?"), \(o["chains"] ?? "?") chain(s), \(o["rules"] ?? "?") rule(s))")
        var endpoints = "control: \(o["control"] ?? "-")"
        if let m = o["metrics"] { endpoints += ", metrics: http://\(m)/metrics" }
        lines.append(endpoints)
        lines.append("ports:")
        for p in o["ports"] as? [[String: Any]] ?? [] {
            lines.append("  \(pad(p["name"], 16)) \(pad(p["attachment"], 28)) link \(p["link"] ?? "?")")
        }
        let workers = o["workers"] as? [[String: Any]] ?? []
        if !workers.isEmpty {
            lines.append("workers:")
            for w in workers {
                var line = "  \(pad(w["name"], 10)) \(w["packets"] ?? 0) packets"
                if let b = (w["busy_ratio"] as? NSNumber)?.doubleValue { line += String(format: ", busy %.1f%%", b * 100) }
                lines.append(line)
            }
        }
        if let r = o["reloads"] as? [String: Any] {
            lines.append("reloads: ok \(r["ok"] ?? 0), invalid \(r["invalid"] ?? 0), failed \(r["failed"] ?? 0)")
        }
        let instances = o["instances"] as? [[String: Any]] ?? []
        if !instances.isEmpty {
            lines.append("instances:")
            for i in instances {
                lines.append("  \(pad("\(i["function"] ?? "?")/\(i["name"] ?? "?")", 28)) \(pad(i["state"], 6)) weight \(i["weight"] ?? "?"), "
                             + "\(i["packets"] ?? 0) packets (\(i["reason"] ?? ""))")
            }
        }
        let steering = o["steering"] as? [[String: Any]] ?? []
        lines.append(steering.isEmpty ? "steering: none" : "steering:")
        for s in steering {
            var line = "  \(s["name"] ?? "?"): \((s["rule"] as? String ?? "").replacingOccurrences(of: "\n", with: " "))"
            if let left = (s["expires_in_seconds"] as? NSNumber)?.doubleValue { line += " (expires in \(duration(left)))" }
            if let idle = (s["idle_timeout"] as? NSNumber)?.doubleValue {
                line += " (idle \(duration((s["idle_seconds"] as? NSNumber)?.doubleValue ?? 0)) of \(duration(idle)))"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ v: Any?, _ width: Int) -> String {
        let s = v.map { "\($0)" } ?? "-"
        return s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
