// What the control API's routes take and give: a parsed HTTP request and a
// JSON (or text) response. The server hands requests to a `ControlRouter`;
// nothing here knows about dataplanes.
import Foundation

public struct ControlRequest: Sendable {
    public var method: String
    /// The path without the query string, e.g. "/v1/steering/cam".
    public var path: String
    public var query: [String: String]
    public var body: Data
    /// Who asked (SO_PEERCRED of the Unix socket's peer; nil on TCP).
    public var peer: PeerCredentials?

    public init(method: String, path: String, query: [String: String] = [:], body: Data = Data(), peer: PeerCredentials? = nil) {
        self.method = method; self.path = path; self.query = query; self.body = body; self.peer = peer
    }

    /// The body as a JSON object; an empty body is an empty object.
    public func jsonObject() throws -> [String: Any] {
        if body.isEmpty || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: body) } catch {
            throw ControlError(400, "the request body is not valid JSON")
        }
        guard let object = value as? [String: Any] else { throw ControlError(400, "the request body must be a JSON object") }
        return object
    }
}

public struct ControlResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data

    public init(status: Int, contentType: String = "application/json", body: Data) {
        self.status = status; self.contentType = contentType; self.body = body
    }

    /// A JSON object or array (JSONSerialization types), keys sorted:
    /// written by JSONText, or by JSONSerialization when the value holds a
    /// type JSONText does not write.
    public static func json(_ value: Any, status: Int = 200) -> ControlResponse {
        let data = JSONText.encode(value).map { Data($0) }
            ?? (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ControlResponse(status: status, body: data + Data("\n".utf8))
    }

    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> ControlResponse {
        ControlResponse(status: status, contentType: contentType, body: Data(text.utf8))
    }

    /// `{"error": message}` plus whatever `extra` holds (e.g. diagnostics).
    public static func error(_ status: Int, _ message: String, extra: [String: Any] = [:]) -> ControlResponse {
        var object = extra
        object["error"] = message
        return json(object, status: status)
    }
}

/// An error a route turns into an HTTP status and a JSON error body.
public struct ControlError: Error, CustomStringConvertible {
    public let status: Int
    public let message: String
    public let extra: [String: any Sendable]
    public init(_ status: Int, _ message: String, extra: [String: any Sendable] = [:]) {
        self.status = status; self.message = message; self.extra = extra
    }
    public var description: String { message }
    public var response: ControlResponse { .error(status, message, extra: extra) }
}
