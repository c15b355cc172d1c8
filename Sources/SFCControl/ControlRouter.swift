// Routes: (method, path template) -> handler. The table is data so that the
// OpenAPI document (docs/control-api.yaml) can be checked against it in both
// directions: every documented operation is served, nothing undocumented is.
import Foundation

public struct ControlRoute: Sendable {
    public let method: String
    /// Segments; one written `{name}` matches any single segment.
    public let template: String
    public let handler: @Sendable (ControlRequest, [String: String]) throws -> ControlResponse

    public init(_ method: String, _ template: String,
                _ handler: @escaping @Sendable (ControlRequest, [String: String]) throws -> ControlResponse) {
        self.method = method; self.template = template; self.handler = handler
    }

    func match(_ path: String) -> [String: String]? {
        let want = template.split(separator: "/", omittingEmptySubsequences: true)
        let have = path.split(separator: "/", omittingEmptySubsequences: true)
        guard want.count == have.count else { return nil }
        var parameters: [String: String] = [:]
        for (w, h) in zip(want, have) {
            if w.hasPrefix("{") && w.hasSuffix("}") {
                parameters[String(w.dropFirst().dropLast())] = String(h).removingPercentEncoding ?? String(h)
            } else if w != h {
                return nil
            }
        }
        return parameters
    }
}

public struct ControlRouter: Sendable {
    public let routes: [ControlRoute]
    public init(_ routes: [ControlRoute]) { self.routes = routes }

    /// 404 for an unknown path, 405 (with Allow) for a known path and another method.
    public func respond(to request: ControlRequest) -> ControlResponse {
        var methods: [String] = []
        for route in routes {
            guard let parameters = route.match(request.path) else { continue }
            guard route.method == request.method else { methods.append(route.method); continue }
            do { return try route.handler(request, parameters) } catch let error as ControlError {
                return error.response
            } catch {
                return .error(500, "\(error)")
            }
        }
        if !methods.isEmpty {
            return .error(405, "\(request.method) is not allowed on \(request.path) (allowed: \(methods.joined(separator: ", ")))")
        }
        return .error(404, "no such resource: \(request.path) (see docs/control-api.yaml)")
    }
}
