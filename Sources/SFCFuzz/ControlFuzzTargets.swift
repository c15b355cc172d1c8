// The control API's fuzz targets (issue 15 part 1): what a local client
// may send the daemon's socket. `control-api` takes raw HTTP/1.1 bytes
// (any number of requests) through SwiftNIO's request decoder, the
// server's request parsing and the daemon's routes (ControlHarness: the
// reference dataplane, Chains/multi-instance.yaml); `steer-rule` takes the
// text of a steering rule (the YAML that POST /v1/steering and `chain-trace
// steer` carry) through the same route. Invariants: every answer is a
// status the API documents, a JSON body, an error body naming the error;
// the daemon still answers afterwards; state is put back between inputs.
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SFCControl
import SFCDaemon

extension FuzzTargets {
    /// The chain file the daemon runs: NSH and SRv6 chains, functions with instances.
    static let controlChainFile = repositoryRoot + "/Chains/multi-instance.yaml"

    nonisolated(unsafe) static var harness: ControlHarness? = {
        do { return try ControlHarness(chainFile: controlChainFile) } catch {
            FileHandle.standardError.write(Data("sfc-fuzz: \(error)\n".utf8))
            return nil
        }
    }()

    /// The statuses docs/control-api.yaml gives. 500 only where the reference
    /// dataplane says it cannot do something (it has no live trace).
    static let documentedStatuses: Set<Int> = [200, 201, 400, 403, 404, 405, 409, 413, 422]

    /// Raw bytes to the requests SwiftNIO's decoder makes of them (a decoding error
    /// ends the stream, as the server's error handler answers 400 and closes).
    static func decodeRequests(_ data: [UInt8], limit: Int = 16) -> [ControlRequest] {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        guard (try? channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))) != nil else { return [] }
        var buffer = channel.allocator.buffer(capacity: data.count)
        buffer.writeBytes(data)
        _ = try? channel.writeInbound(buffer)
        var requests: [ControlRequest] = []
        var head: HTTPRequestHead?
        var body = Data()
        while requests.count < limit, let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let h): head = h; body = Data()
            case .body(let chunk): body.append(contentsOf: chunk.readableBytesView)
            case .end:
                if let h = head { requests.append(ControlRequest(head: h, body: body, peer: nil)) }
                head = nil
            }
        }
        return requests
    }

    static func checkResponse(_ request: ControlRequest, _ response: ControlResponse, _ data: [UInt8]) {
        let what = "\(request.method) \(request.path)"
        // The router matches a path by its non-empty components ("//v1/trace" is /v1/trace), so this does too.
        let isTrace = request.path.split(separator: "/", omittingEmptySubsequences: true) == ["v1", "trace"]
        let allowed = documentedStatuses.contains(response.status) || (response.status == 500 && isTrace)
        guard allowed else {
            violated("\(what) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))", data)
        }
        guard response.contentType == "application/json" else { return }
        guard let value = try? JSONSerialization.jsonObject(with: response.body) else { violated("\(what): a body that is not JSON", data) }
        if response.status >= 400 {
            guard let error = (value as? [String: Any])?["error"] as? String, !error.isEmpty else {
                violated("\(what) answered \(response.status) without an error message", data)
            }
        }
    }

    /// Raw HTTP/1.1 bytes: each request decoded, routed and checked; then the daemon still answers.
    public static func controlAPI(_ data: [UInt8]) {
        guard let harness else { return }
        defer { harness.reset() }
        for request in decodeRequests(data) {
            checkResponse(request, harness.router.respond(to: request), data)
        }
        let status = harness.router.respond(to: ControlRequest(method: "GET", path: "/v1/status"))
        if status.status != 200 { violated("GET /v1/status answered \(status.status) after the input", data) }
    }

    /// A steering rule's text (YAML), as POST /v1/steering carries it: added (201) or refused
    /// (400, 422) with a diagnostic; added means it is listed, and then unsteered.
    public static func steerRule(_ data: [UInt8]) {
        guard let harness else { return }
        defer { harness.reset() }
        let rule = String(decoding: data, as: UTF8.self)
        guard let body = JSONText.encode(["rule": rule]).map({ Data($0) }) else { return }
        let request = ControlRequest(method: "POST", path: "/v1/steering", body: body)
        let before = harness.steeringCount
        let response = harness.router.respond(to: request)
        checkResponse(request, response, data)
        let after = harness.steeringCount
        switch response.status {
        case 201: if after != before + 1 { violated("a steering rule answered 201 but \(after - before) rules were added", data) }
        default: if after != before { violated("a refused steering rule (\(response.status)) changed the rules", data) }
        }
    }
}
