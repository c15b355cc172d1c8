// A real Prometheus server for tests: /usr/bin/prometheus (Debian's
// `prometheus` package, in the Makefile's DEB_PACKAGES) on 127.0.0.1 at a
// free port, with its own temporary TSDB folder and a generated config of
// one scrape job (the caller's loopback target, scrape_interval 1s).
// Queries go to the HTTP API (/api/v1/query) through curl, with no proxy:
// everything stays on loopback. Every wait is a bounded loop that throws
// with what Prometheus said (its log, the target's last scrape error).
//
//     let prometheus = try PrometheusServer(target: "127.0.0.1:\(port)")
//     defer { prometheus.stop() }
//     let up = try prometheus.waitFor("the target scraped", "up") { $0.first?.value == 1 }
//
// StaticExpositionServer is the other end for the harness's own test: a
// tiny HTTP server (python3) that answers GET /metrics with a file.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct PrometheusError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One element of an instant vector (or a scalar, with no labels).
public typealias PrometheusSample = (labels: [String: String], value: Double)

public final class PrometheusServer {
    public static let binary = "/usr/bin/prometheus"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// `host:port` of what is scraped.
    public let target: String
    public let job: String
    /// The port Prometheus listens on (127.0.0.1).
    public private(set) var port: Int = 0
    /// Config, TSDB (`data/`); removed by stop().
    public let directory: String
    public var url: String { "http://127.0.0.1:\(port)" }

    private var process: E2EProcess?
    private var log = ""

    /// Starts Prometheus scraping `target` (loopback only: 127.x.x.x, localhost or [::1])
    /// every second on `metricsPath`, and waits (at most `readyTimeout` seconds)
    /// until `/-/ready` answers 200. Throws with Prometheus's log otherwise.
    /// The network namespace Prometheus runs (and is queried) in, when the
    /// target listens on a namespace's own loopback; nil: the host's.
    public let namespace: String?

    public init(target: String, job: String = "sfc", metricsPath: String = "/metrics", readyTimeout: Double = 60,
                namespace: String? = nil) throws {
        self.namespace = namespace
        guard Self.isInstalled else { throw PrometheusError("\(Self.binary) is missing (Debian package prometheus; `make deps`)") }
        guard Self.isLoopback(target) else { throw PrometheusError("target \(target) is not a loopback host:port") }
        for field in [target, job, metricsPath] where field.contains(where: { "\"\\\n".contains($0) }) {
            throw PrometheusError("\(field.debugDescription): no quotes, backslashes or newlines in a scrape config field")
        }
        self.target = target
        self.job = job
        directory = Forwarder.temporaryDirectory("prometheus")
        do {
            try start(metricsPath: metricsPath, readyTimeout: readyTimeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    private func start(metricsPath: String, readyTimeout: Double) throws {
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: "\(job)"
                metrics_path: "\(metricsPath)"
                static_configs:
                  - targets: ["\(target)"]

            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        // The free port is found by binding port 0 and closing it: another
        // process may take it before Prometheus does, so a start that fails
        // on "address already in use" is tried again on another port.
        for attempt in 1...3 {
            port = try Self.freeLoopbackPort()
            let p = try E2EProcess(name: "prometheus", argv: Self.inNamespace(namespace) + [
                Self.binary, "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--storage.tsdb.retention.time=1h", "--log.level=info",
            ])
            process = p
            let deadline = Date().addingTimeInterval(readyTimeout)
            while Date() < deadline {
                if !p.isRunning { break }
                if let (status, _) = try? get("/-/ready", timeout: 2), status == 200 { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if !p.isRunning {
                _ = p.waitForExit(timeout: 5)
                log = p.stderr
                p.removeFiles()
                process = nil
                if log.contains("address already in use") && attempt < 3 { continue }
                throw PrometheusError("prometheus exited with status \(p.status) before it was ready\nlog: \(log.suffix(4000))")
            }
            throw PrometheusError("prometheus was not ready on \(url) within \(readyTimeout) s\nlog: \(p.stderr.suffix(4000))")
        }
        throw PrometheusError("prometheus found no free port in 3 tries\nlog: \(log.suffix(4000))")
    }

    /// Kills Prometheus (SIGTERM, then SIGKILL) and removes its folder. Safe to call twice.
    public func stop() {
        if let p = process {
            p.stop(timeout: 5)
            log = p.stderr
            p.removeFiles()
            process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What Prometheus has logged so far (stderr).
    public var logText: String { process?.stderr ?? log }

    /// An instant query (`/api/v1/query`), evaluated now or at `time` (Unix seconds).
    /// A vector gives one row per series; a scalar one row with no labels.
    public func query(_ promql: String, at time: Double? = nil) throws -> [PrometheusSample] {
        var form = ["query=" + promql]
        if let time { form.append("time=" + String(format: "%.3f", time)) }
        let (status, body) = try get("/api/v1/query", form: form, timeout: 10)
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw PrometheusError("query \(promql): HTTP \(status), not JSON: \(body.prefix(400))")
        }
        guard status == 200, json["status"] as? String == "success", let data = json["data"] as? [String: Any] else {
            throw PrometheusError("query \(promql): HTTP \(status): \(json["errorType"] ?? "") \(json["error"] ?? body.prefix(400))")
        }
        func number(_ pair: Any?) throws -> Double {
            guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String, let v = Self.parseValue(text) else {
                throw PrometheusError("query \(promql): unexpected sample \(String(describing: pair)) in \(body.prefix(400))")
            }
            return v
        }
        switch data["resultType"] as? String {
        case "vector":
            guard let rows = data["result"] as? [[String: Any]] else { throw PrometheusError("query \(promql): no result in \(body.prefix(400))") }
            return try rows.map { row in ((row["metric"] as? [String: String]) ?? [:], try number(row["value"])) }
        case "scalar":
            return [([:], try number(data["result"]))]
        default:
            throw PrometheusError("query \(promql): result type \(data["resultType"] ?? "none") is not an instant vector or scalar (use an instant query)")
        }
    }

    /// Runs `promql` every 0.25 s until `condition` holds on its result, at
    /// most `timeout` seconds; then throws with `what`, the last result, the
    /// target's scrape state and the end of Prometheus's log.
    @discardableResult
    public func waitFor(_ what: String, _ promql: String, at time: Double? = nil, timeout: Double = 30,
                        until condition: ([PrometheusSample]) -> Bool) throws -> [PrometheusSample] {
        let deadline = Date().addingTimeInterval(timeout)
        var last = "(no answer)"
        repeat {
            do {
                let rows = try query(promql, at: time)
                if condition(rows) { return rows }
                last = rows.map { "\($0.labels) \($0.value)" }.joined(separator: "; ")
                if last.isEmpty { last = "(empty)" }
            } catch {
                last = "\(error)"
            }
            if let p = process, !p.isRunning { break }
            Thread.sleep(forTimeInterval: 0.25)
        } while Date() < deadline
        throw PrometheusError("waited \(timeout) s for \(what) (\(promql)); last result: \(last)\n"
                              + "target: \(targetState())\nprometheus log: \(logText.suffix(3000))")
    }

    /// The target's health and last scrape error from `/api/v1/targets`, for failure messages.
    public func targetState() -> String {
        guard let (_, body) = try? get("/api/v1/targets", timeout: 5),
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let active = data["activeTargets"] as? [[String: Any]] else {
            return "(unknown: /api/v1/targets did not answer)"
        }
        return active.map { "\($0["scrapeUrl"] ?? "?") health=\($0["health"] ?? "?") lastError=\($0["lastError"] ?? "")" }
            .joined(separator: "; ")
    }

    /// GET `path` with `form` fields URL-encoded as the query string: (HTTP status, body).
    private func get(_ path: String, form: [String] = [], timeout: Double) throws -> (Int, String) {
        try Self.httpGet(url + path, form: form, timeout: timeout, namespace: namespace)
    }

    /// The command prefix that runs a program in `namespace` (nothing for the host's).
    static func inNamespace(_ namespace: String?) -> [String] {
        namespace.map { ["nsenter", "--net=/run/netns/" + $0] } ?? []
    }

    // MARK: - Shared with StaticExpositionServer and tests

    /// GET through curl, never through a proxy; the status is curl's `%{http_code}` (0: no connection).
    static func httpGet(_ url: String, form: [String] = [], timeout: Double, namespace: String? = nil) throws -> (Int, String) {
        var argv = inNamespace(namespace) + ["curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", String(Int(timeout.rounded(.up))),
                    "--write-out", "\n%{http_code}"]
        if !form.isEmpty { argv.append("--get"); for field in form { argv += ["--data-urlencode", field] } }
        argv.append(url)
        let r = E2ECommand.run(argv, timeout: timeout + 5)
        if r.status == 127 {
            throw PrometheusError("curl is missing (Debian package curl): \(r.stderr)")
        }
        guard let cut = r.stdout.lastIndex(of: "\n"), let status = Int(r.stdout[r.stdout.index(after: cut)...]) else {
            throw PrometheusError("GET \(url): curl status \(r.status): \(r.stderr.prefix(400))")
        }
        return (status, String(r.stdout[..<cut]))
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PrometheusError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw PrometheusError("bind 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isLoopback(_ target: String) -> Bool {
        let host: Substring
        if target.hasPrefix("[") {
            guard let close = target.firstIndex(of: "]") else { return false }
            host = target[target.index(after: target.startIndex)..<close]
            return host == "::1"
        }
        host = target.split(separator: ":", maxSplits: 1).first ?? ""
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Prometheus's sample values: decimal, `+Inf`, `-Inf`, `NaN`.
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}

/// A tiny HTTP server on 127.0.0.1 (python3's http.server): GET /metrics
/// answers the file `directory/metrics` as read at that request, with the
/// exposition format's Content-Type; GET /ready answers 200. With `ticker`,
/// each /metrics answer also carries the counter `ticker.name` with value
/// `ticker.step * (100 + k)` at timestamp `start + k` seconds for the k-th
/// scrape (start a minute before now): a series whose rate() is exactly
/// `step` per second, however late each scrape runs.
public final class StaticExpositionServer {
    /// The port the server bound (it binds port 0 itself and says which it
    /// got: a port chosen here and bound later could be taken in between by
    /// any of the parallel tests' sockets).
    public private(set) var port = 0
    public let directory: String
    public var target: String { "127.0.0.1:\(port)" }
    private var process: E2EProcess?

    /// `readyTimeout` bounds the wait for the server; `make test` runs this
    /// beside every other suite on 2 CPUs, where a Python start has taken
    /// more than 30 s.
    public init(exposition: String, ticker: (name: String, step: Int)? = nil, readyTimeout: Double = 120) throws {
        directory = Forwarder.temporaryDirectory("exposition")
        do {
            try exposition.write(toFile: directory + "/metrics", atomically: true, encoding: .utf8)
            try Self.script.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
            let p = try E2EProcess(name: "exposition server", argv: [
                "python3", directory + "/server.py", directory, ticker?.name ?? "", String(ticker?.step ?? 0),
            ])
            process = p
            let deadline = Date().addingTimeInterval(readyTimeout)
            while Date() < deadline {
                if !p.isRunning {
                    throw PrometheusError("the exposition server exited with status \(p.status)\nstderr: \(p.stderr.suffix(3000))")
                }
                if port == 0, let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8),
                   let bound = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    port = bound
                }
                if port != 0, let (status, _) = try? PrometheusServer.httpGet("http://\(target)/ready", timeout: 2), status == 200 {
                    return
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            let where_ = port == 0 ? "(it never said which port it bound)" : "on \(target)"
            throw PrometheusError("the exposition server did not answer \(where_) within \(readyTimeout) s\nstderr: \(p.stderr.suffix(3000))")
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Replaces what the next scrapes get.
    public func serve(_ exposition: String) throws {
        try exposition.write(toFile: directory + "/metrics", atomically: true, encoding: .utf8)
    }

    public func stop() {
        if let p = process { p.stop(timeout: 5); p.removeFiles(); process = nil }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let script = #"""
        import http.server, os, sys, time

        directory, ticker, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
        start_ms = (int(time.time()) - 60) * 1000
        scrapes = [0]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/ready":
                    body = b"ready\n"
                elif path == "/metrics":
                    with open(directory + "/metrics", "rb") as f:
                        body = f.read()
                    if ticker:
                        k = scrapes[0]
                        scrapes[0] += 1
                        body += ("# TYPE %s counter\n%s %d %d\n" % (ticker, ticker, step * (100 + k), start_ms + 1000 * k)).encode()
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        # The port it got, written whole before the name appears.
        with open(directory + "/port.tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(directory + "/port.tmp", directory + "/port")
        server.serve_forever()
        """#
}
