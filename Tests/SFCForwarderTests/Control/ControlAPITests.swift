// The control API in process: the real server (SwiftNIO on a Unix socket)
// and the real daemon over a fake dataplane. docs/control-api.yaml is held
// to the served routes in both directions and to the answers' required
// fields; reload, steering (validation, shadowing, expiry, kept across a
// reload), malformed requests and peers the socket must refuse.
import Foundation
import Logging
import SFCConfig
import SFCControl
import SFCCore
@testable import SFCDaemon
@testable import SFCTestSupport
import SFCTrace
import Testing
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// A daemon over FakeDriver serving on its own socket in its own folder.
final class APIHarness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let sourceChain = root + "/Tests/e2e/chain.yaml"

    let directory: String
    let chainFile: String
    let driver: FakeDriver
    let daemon: NodeDaemon
    let server: ControlServer
    let client: ControlClient
    let log: CapturedLog

    init(_ tag: String, group: String? = nil) throws {
        directory = NSTemporaryDirectory() + "sfc-api-\(getpid())-\(tag)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chainFile = directory + "/chain.yaml"
        try FileManager.default.copyItem(atPath: Self.sourceChain, toPath: chainFile)
        let (loaded, diagnostics) = ChainFile.load(path: chainFile)
        let config = try #require(loaded, "\(diagnostics.map(\.rendered))")
        driver = FakeDriver(config)
        let log = CapturedLog()
        self.log = log
        let logger = Logger(label: "test") { _ in CapturingHandler(log: log) }
        daemon = NodeDaemon(configPath: chainFile, text: try String(contentsOfFile: chainFile, encoding: .utf8),
                            config: config, driver: driver, logger: logger)
        let path = directory + "/control.sock"
        server = try ControlServer(address: .unix(path: path, group: group), router: ControlRoutes.router(daemon), logger: logger)
        daemon.controlPath = path
        client = try ControlClient(node: nil, control: path)
    }

    func close() {
        server.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func get(_ path: String) throws -> ControlClient.Reply { try client.request("GET", path) }
    func post(_ path: String, _ body: [String: Any]) throws -> ControlClient.Reply { try client.request("POST", path, json: body) }

    /// Raw bytes to the socket, the raw answer back.
    func raw(_ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(client.socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path + [0]) }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(ok == 0)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var out = [UInt8](), buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            out += buffer[0..<n]
            if String(decoding: out, as: UTF8.self).contains("\r\n\r\n"), out.count > 200 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Frames from the chain file's client side, as FakeDriver's dataplane would receive them.
    func clientFrame(source: String = "10.199.1.10", destination: String = "10.199.2.2", port: UInt16 = 5201) -> [UInt8] {
        PacketBuilder.frame(destination: MACAddress("02:00:00:e2:00:01")!,
                            endpoints: .v4(IPv4Address(source)!, IPv4Address(destination)!),
                            transport: .tcp(sourcePort: 40000, destinationPort: port))
    }
}

final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

struct CapturingHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        log.append("\(level) \(message)")
    }
}

@Suite struct ControlAPITests {
    // MARK: the OpenAPI document and the server agree

    static func document() throws -> [String: Any] {
        let text = try String(contentsOfFile: APIHarness.root + "/docs/control-api.yaml", encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    @Test func everyDocumentedOperationIsServedAndNothingElse() throws {
        let doc = try Self.document()
        #expect((doc["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let h = try APIHarness("routes")
        defer { h.close() }
        let served = Set(ControlRoutes.router(h.daemon).routes.map { "\($0.method) \($0.template)" })
        #expect(documented == served, "documented only: \(documented.subtracting(served)); served only: \(served.subtracting(documented))")
    }

    /// The schema's required fields, following one $ref.
    static func required(_ schema: [String: Any], _ doc: [String: Any]) -> [String] {
        if let ref = schema["$ref"] as? String {
            let name = String(ref.split(separator: "/").last!)
            let schemas = (doc["components"] as? [String: Any])?["schemas"] as? [String: Any]
            return (schemas?[name] as? [String: Any]).map { required($0, doc) } ?? []
        }
        return schema["required"] as? [String] ?? []
    }

    @Test func everyGetAnswersWithTheDocumentedRequiredFields() throws {
        let doc = try Self.document()
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        let h = try APIHarness("fields")
        defer { h.close() }
        var checked = 0
        for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
            guard let get = operations["get"] as? [String: Any] else { continue }
            let ok = try #require(((get["responses"] as? [String: Any])?["200"] as? [String: Any]))
            let schema = try #require((((ok["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]))
            let reply = try h.get(path)
            #expect(reply.status == 200, "\(path): \(reply.status) \(reply.errorMessage)")
            let object = try #require(reply.json, "\(path) answered no JSON object")
            let missing = Self.required(schema, doc).filter { object[$0] == nil }
            #expect(missing.isEmpty, "\(path) lacks \(missing)")
            checked += 1
        }
        #expect(checked == 5)
    }

    // MARK: reload

    @Test func anInvalidFileIsRefusedWithItsDiagnosticsAndTheRunningGenerationStays() throws {
        let h = try APIHarness("reload")
        defer { h.close() }
        let broken = h.directory + "/broken.yaml"
        let text = try String(contentsOfFile: h.chainFile, encoding: .utf8).replacingOccurrences(of: "chain: client-to-server,", with: "chain: no-such-chain,")
        try text.write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try h.post("/v1/reload", ["config": broken])
        #expect(refused.status == 422)
        let diagnostics = try #require(refused.json?["diagnostics"] as? [String])
        #expect(diagnostics.contains { $0.hasPrefix(broken + ":") && $0.contains("no-such-chain") }, "\(diagnostics)")
        #expect(h.driver.applied.isEmpty)
        #expect(h.log.all.contains { $0.contains("reload refused") && $0.contains(broken) })

        let missing = try h.post("/v1/reload", ["config": h.directory + "/absent.yaml"])
        #expect(missing.status == 422 && missing.errorMessage.contains("no such file"))
        #expect(try h.post("/v1/reload", ["config": 7]).status == 400)
        // A file any local user may write is refused before it is parsed (docs/SECURITY.md).
        let writable = h.directory + "/writable.yaml"
        try String(contentsOfFile: h.chainFile, encoding: .utf8).write(toFile: writable, atomically: true, encoding: .utf8)
        try #require(chmod(writable, 0o666) == 0)
        let open = try h.post("/v1/reload", ["config": writable])
        #expect(open.status == 422 && open.errorMessage.contains("writable by any local user"), "\(open.errorMessage)")

        let ok = try h.post("/v1/reload", [:])
        #expect(ok.status == 200 && (ok.json?["generation"] as? Int) == 1, "\(ok.errorMessage)")
        #expect(h.driver.applied == [1])
        let status = try #require(try h.get("/v1/status").json)
        #expect(status["generation"] as? Int == 1)
        #expect((status["reloads"] as? [String: Int]) == ["ok": 1, "invalid": 3, "failed": 0])

        h.driver.failNext = "a port change needs a restart"
        let failed = try h.post("/v1/reload", [:])
        #expect(failed.status == 500 && failed.errorMessage.contains("needs a restart"))
        #expect(try h.get("/v1/status").json?["generation"] as? Int == 1)
    }

    /// The flow-hash key is fixed when the node starts (docs/PIPELINE.md
    /// "Flow hash"): a reload that adds, drops or changes it is refused.
    @Test func aReloadThatChangesTheFlowHashKeyIsRefused() throws {
        let h = try APIHarness("flowkey")
        defer { h.close() }
        let key = h.directory + "/flow.key"
        try "0123456789abcdef0123456789abcdef\n".write(toFile: key, atomically: true, encoding: .utf8)
        try #require(chmod(key, 0o600) == 0)
        let keyed = h.directory + "/keyed.yaml"
        let text = try String(contentsOfFile: h.chainFile, encoding: .utf8)
        try #require(text.contains("node:\n"))
        try text.replacingOccurrences(of: "node:\n", with: "node:\n  flow-hash-key: flow.key\n")
            .write(toFile: keyed, atomically: true, encoding: .utf8)
        let refused = try h.post("/v1/reload", ["config": keyed])
        #expect(refused.status == 422, "\(refused.errorMessage)")
        let diagnostics = refused.json?["diagnostics"] as? [String] ?? []
        #expect(diagnostics.contains { $0.contains("flow-hash key differs") && $0.contains("takes a restart") }, "\(diagnostics)")
        #expect(h.driver.applied.isEmpty)
        #expect(try h.post("/v1/reload", [:]).status == 200)
    }

    // MARK: steering

    @Test func steeringRulesAreCheckedAsFileRulesKeptAcrossReloadsAndExpire() throws {
        let h = try APIHarness("steer")
        defer { h.close() }
        let rule = "{name: cam, priority: 5, chain: client-to-server, ingress: client, source: 10.199.1.7, protocol: udp}"
        let added = try h.post("/v1/steering", ["rule": rule])
        #expect(added.status == 201, "\(added.errorMessage)")
        #expect(h.driver.tables.config.rules.contains { $0.name == "cam" })

        // A duplicate name, an unknown chain, a rule the file's rules cover, a missing name, no YAML.
        #expect(try h.post("/v1/steering", ["rule": rule]).errorMessage.contains("already active"))
        let unknown = try h.post("/v1/steering", ["rule": "{name: x, chain: nope}"])
        #expect(unknown.status == 422 && (unknown.json?["diagnostics"] as? [String])?.first?.hasPrefix("steer:x:1:") == true, "\(unknown.errorMessage)")
        let shadowed = try h.post("/v1/steering", ["rule": "{name: late, priority: 2000, chain: client-to-server, ingress: client, source: 10.199.1.9, destination: 10.199.2.2}"])
        #expect(shadowed.status == 422 && shadowed.errorMessage.contains("can never match"), "\(shadowed.errorMessage)")
        #expect(try h.post("/v1/steering", ["rule": "{chain: client-to-server}"]).errorMessage.contains("needs a `name`"))
        #expect(try h.post("/v1/steering", ["rule": "[1, 2"]).status == 422)
        // Nesting is checked before anything composes the text, the lookup of
        // its name included (that one overflowed the daemon's stack).
        let deep = try h.post("/v1/steering", ["rule": "{name: deep, x: " + String(repeating: "{", count: 20_000)])
        #expect(deep.status == 422 && (deep.json?["diagnostics"] as? [String])?.contains { $0.contains("nesting too deep") } == true,
                "\(deep.errorMessage)")
        #expect(try h.post("/v1/steering", ["rule": 3]).status == 400)
        #expect(try h.post("/v1/steering", ["rule": rule, "hard_timeout": -1]).status == 400)

        // Kept across a reload.
        #expect(try h.post("/v1/reload", [:]).status == 200)
        #expect(h.driver.tables.config.rules.contains { $0.name == "cam" })
        let listed = try #require(try h.get("/v1/steering").json?["steering"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["cam"])

        // Unsteer, then unsteer again.
        #expect(try h.client.request("DELETE", "/v1/steering/cam").status == 200)
        #expect(!h.driver.tables.config.rules.contains { $0.name == "cam" })
        #expect(try h.client.request("DELETE", "/v1/steering/cam").status == 404)
        // With no other steering rule left to shadow: overriding a file rule entirely is what steering is for: accepted, the file rule logged as overridden.
        let all = try h.post("/v1/steering", ["rule": "{name: all, priority: 0, chain: server-to-client, ingress: client}"])
        #expect(all.status == 201, "\(all.errorMessage)")
        #expect(h.log.all.contains { $0.contains("rule 'client-to-server' is overridden by steering rule 'all'") }, "\(h.log.all)")
        #expect(try h.client.request("DELETE", "/v1/steering/all").status == 200)

        // A hard timeout: gone after the daemon's ticks pass its expiry (a bounded wait, no duration asserted).
        #expect(try h.post("/v1/steering", ["rule": rule, "hard_timeout": 0.2]).status == 201)
        let expires = try #require((try h.get("/v1/steering").json?["steering"] as? [[String: Any]])?.first?["expires"] as? String)
        #expect(!expires.isEmpty)
        for _ in 0..<200 where h.daemon.steeringList()["steering"].map({ ($0 as? [Any])?.isEmpty == false }) ?? false {
            usleep(20_000)
            h.daemon.tick()
        }
        #expect((h.daemon.steeringList()["steering"] as? [Any])?.isEmpty == true)
        #expect(!h.driver.tables.config.rules.contains { $0.name == "cam" })
        #expect(h.log.all.contains { $0.contains("'cam' removed (expired)") })
    }

    @Test func anIdleSteeringRuleExpiresOnceNoPacketMatchesItAndNotBefore() throws {
        let h = try APIHarness("idle")
        defer { h.close() }
        let rule = "{name: cam, priority: 5, chain: client-to-server, ingress: client, source: 10.199.1.7, protocol: udp}"
        #expect(try h.post("/v1/steering", ["rule": rule, "idle_timeout": 1]).status == 201)
        #expect(try h.post("/v1/steering", ["rule": "{name: x, chain: client-to-server}", "idle_timeout": 0]).status == 400)
        // While packets keep matching it (its count moves before every tick, so
        // every check sees it move, however slow the machine), it stays.
        for k in 1...50 {
            h.driver.steeringHits["cam", default: 0] += 1
            usleep(30_000)
            h.daemon.tick()
            #expect((h.daemon.steeringList()["steering"] as? [Any])?.count == 1, "gone while matching, after \(k) ticks")
        }
        let listed = try #require((try h.get("/v1/steering").json?["steering"] as? [[String: Any]])?.first)
        #expect(listed["idle_timeout"] as? Double == 1 && listed["idle_seconds"] != nil, "\(listed)")
        // Then no packet: gone (a bounded wait, no duration asserted).
        for _ in 0..<500 where (h.daemon.steeringList()["steering"] as? [Any])?.isEmpty == false {
            usleep(20_000)
            h.daemon.tick()
        }
        #expect((h.daemon.steeringList()["steering"] as? [Any])?.isEmpty == true)
        #expect(h.log.all.contains { $0.contains("'cam' removed (idle)") }, "\(h.log.all)")
    }

    // MARK: live trace through the API

    @Test func aTraceReturnsTheMatchingPacketsWithStepsAndAFilterThatCannotMatchIsRefused() throws {
        let h = try APIHarness("trace")
        defer { h.close() }
        h.driver.arriving = [(h.clientFrame(port: 80), 0), (h.clientFrame(source: "10.199.1.11"), 0), (h.clientFrame(), 0), (h.clientFrame(), 0)]
        let reply = try h.post("/v1/trace", ["filter": "src=10.199.1.10,proto=tcp,dport=5201", "count": 1, "timeout": 5])
        #expect(reply.status == 200, "\(reply.errorMessage)")
        let records = try #require(reply.json?["records"] as? [[String: Any]])
        try #require(records.count == 1)
        let r = records[0]
        #expect(r["ingress"] as? String == "client" && r["verdict"] as? String == "forward")
        #expect((r["steps"] as? [String])?.isEmpty == false)
        #expect((r["compare"] as? [String]) == [], "\(r)")
        #expect((r["text"] as? String)?.hasPrefix("#0 client -> ") == true, "\(r["text"] ?? "")")
        #expect(reply.json?["complete"] as? Bool == true)

        for bad in ["src=10.0.0.1,dst=2001:db8::1", "spi=10,src=10.0.0.1", "dport=80,proto=icmp", "colour=red", "ingress=nope", "si=300"] {
            let refused = try h.post("/v1/trace", ["filter": bad, "count": 1, "timeout": 1])
            #expect(refused.status == 400, "\(bad): \(refused.status)")
        }
        #expect(try h.post("/v1/trace", ["count": 0]).status == 400)
        #expect(try h.post("/v1/trace", ["count": 1, "timeout": 1000]).status == 400)
    }

    // MARK: malformed requests

    @Test func malformedRequestsGetClearErrorsAndTheServerKeepsAnswering() throws {
        let h = try APIHarness("malformed")
        defer { h.close() }
        #expect(try h.client.request("GET", "/v1/nothing").status == 404)
        let wrong = try h.client.request("DELETE", "/v1/status")
        #expect(wrong.status == 405 && wrong.errorMessage.contains("allowed: GET"))
        let notJSON = try h.raw(Array("POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{oops".utf8))
        #expect(notJSON.hasPrefix("HTTP/1.1 400") && notJSON.contains("not valid JSON"), "\(notJSON)")
        let array = try h.raw(Array("POST /v1/steering HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]".utf8))
        #expect(array.hasPrefix("HTTP/1.1 400"), "\(array)")
        let garbage = try h.raw(Array("\u{01}\u{02} NOT HTTP AT ALL\r\n\r\n".utf8))
        #expect(garbage.isEmpty || garbage.hasPrefix("HTTP/1.1 400"), "\(garbage)")
        let big = try h.raw(Array("POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n".utf8)
                            + [UInt8](repeating: 0x20, count: 2_000_000))
        #expect(big.hasPrefix("HTTP/1.1 413"), "\(big.prefix(200))")
        #expect(try h.get("/v1/status").status == 200)
    }

    // MARK: who may ask

    static var chainTrace: String? { Forwarder.binary.map { ($0 as NSString).deletingLastPathComponent + "/chain-trace" } }

    @Test func theSocketIsTheOwnersAndAnyOtherUserIsRefusedAndLogged() throws {
        guard getuid() == 0, let chainTrace = Self.chainTrace, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let h = try APIHarness("peer")
        defer { h.close() }
        var st = stat()
        try #require(stat(h.client.socketPath, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600 && st.st_uid == getuid())
        // Let anyone reach the socket file: the per-connection check must still refuse.
        chmod(h.directory, 0o755)
        chmod(h.client.socketPath, 0o666)
        let nobody = E2ECommand.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                     chainTrace, "status", "--control", h.client.socketPath])
        #expect(nobody.status != 0 && nobody.stderr.contains("refused"), "\(nobody.status) \(nobody.stdout) \(nobody.stderr)")
        #expect(h.log.all.contains { $0.contains("uid 65534") && $0.contains("refused") }, "\(h.log.all)")
        let root = E2ECommand.run([chainTrace, "status", "--control", h.client.socketPath])
        #expect(root.status == 0 && root.stdout.contains("node e2e-sff"), "\(root.stderr)")
    }

    @Test func aControlGroupMemberIsLetInWithMode0660() throws {
        guard getuid() == 0, let chainTrace = Self.chainTrace, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
              getgrnam("nogroup") != nil else { return }
        let h = try APIHarness("group", group: "nogroup")
        defer { h.close() }
        var st = stat()
        try #require(stat(h.client.socketPath, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o660 && st.st_gid == getgrnam("nogroup").pointee.gr_gid)
        chmod(h.directory, 0o755)
        let member = E2ECommand.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                     chainTrace, "status", "--control", h.client.socketPath, "--json"])
        #expect(member.status == 0 && member.stdout.contains("\"node\":\"e2e-sff\""), "\(member.status) \(member.stderr)")
        #expect(throws: ControlError.self) { _ = try ControlServer(address: .unix(path: h.directory + "/x.sock", group: "no-such-group-sfc"),
                                                                   router: ControlRouter([]), logger: Logger(label: "t")) }
    }

    @Test func aNodeThatIsNotRunningIsAOneLineErrorNamingTheSocket() throws {
        guard let chainTrace = Self.chainTrace else { return }
        let r = E2ECommand.run([chainTrace, "status", "--node", "sfc-no-such-node-\(getpid())"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("/run/sfc/sfc-no-such-node-\(getpid()).sock"), "\(r.stderr)")
    }
}
