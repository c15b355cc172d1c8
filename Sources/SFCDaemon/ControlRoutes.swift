// The control API's operations (docs/control-api.yaml is their contract,
// ControlAPITests hold the two together) mapped onto the daemon.
import Foundation
import SFCConfig
import SFCControl
import SFCCore

package enum ControlRoutes {
    /// Largest trace a request may ask for, and its longest wait.
    package static let maxTraceCount = 10_000
    package static let maxTraceSeconds = 300.0

    package static func router(_ daemon: NodeDaemon) -> ControlRouter {
        ControlRouter([
            ControlRoute("GET", "/v1/status") { _, _ in .json(daemon.status()) },
            ControlRoute("GET", "/v1/counters") { _, _ in
                do { return .json(try daemon.countersObject()) } catch { return .error(500, "reading the counters: \(error)") }
            },
            ControlRoute("GET", "/v1/config") { _, _ in .json(daemon.configuration()) },
            ControlRoute("POST", "/v1/reload") { request, _ in
                let body = try request.jsonObject()
                var path: String?
                if let value = body["config"] {
                    guard let p = value as? String, !p.isEmpty else { throw ControlError(400, "config must be a file path (a string)") }
                    if let why = request.peer?.readRefusal(path: p) { throw ControlError(403, why) }
                    path = p
                }
                return response(daemon.reload(path: path), created: false)
            },
            ControlRoute("GET", "/v1/steering") { _, _ in .json(daemon.steeringList()) },
            ControlRoute("POST", "/v1/steering") { request, _ in
                let body = try request.jsonObject()
                guard let rule = body["rule"] as? String, !rule.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw ControlError(400, "rule must be a chain-file rule in YAML (a string), e.g. \"{name: cam, priority: 5, chain: dpi, source: 10.1.5.7}\"")
                }
                var duration: Double?
                if let value = body["hard_timeout"] {
                    guard let d = (value as? NSNumber)?.doubleValue, d > 0, d <= 31_536_000 else {
                        throw ControlError(400, "hard_timeout must be a number of seconds, more than 0 and at most a year")
                    }
                    duration = d
                }
                var idle: Double?
                if let value = body["idle_timeout"] {
                    guard let d = (value as? NSNumber)?.doubleValue, d > 0, d <= 31_536_000 else {
                        throw ControlError(400, "idle_timeout must be a number of seconds, more than 0 and at most a year")
                    }
                    idle = d
                }
                return response(daemon.steer(rule: rule, duration: duration, idle: idle), created: true)
            },
            ControlRoute("DELETE", "/v1/steering/{name}") { _, parameters in
                let name = parameters["name"] ?? ""
                guard let outcome = daemon.unsteer(name: name) else {
                    throw ControlError(404, "no steering rule named '\(name)' on \(daemon.node)")
                }
                return response(outcome, created: false)
            },
            ControlRoute("GET", "/v1/instances") { _, _ in .json(daemon.instances()) },
            ControlRoute("POST", "/v1/instances/{function}/{instance}") { request, parameters in
                let body = try request.jsonObject()
                for key in body.keys where key != "state" && key != "weight" {
                    throw ControlError(400, "unknown field '\(key)': give state (up, down, drain) and/or weight")
                }
                var state: InstanceState?
                if let value = body["state"] {
                    guard let text = value as? String, let s = InstanceState(rawValue: text) else {
                        throw ControlError(400, "state must be up, down or drain")
                    }
                    state = s
                }
                var weight: Int?
                if let value = body["weight"] {
                    guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
                        throw ControlError(400, "weight must be a whole number")
                    }
                    weight = n.intValue
                }
                return .json(try daemon.setInstance(function: parameters["function"] ?? "", instance: parameters["instance"] ?? "",
                                                    state: state, weight: weight))
            },
            ControlRoute("POST", "/v1/trace") { request, _ in
                let body = try request.jsonObject()
                let filter = body["filter"] as? String ?? ""
                if body["filter"] != nil && !(body["filter"] is String) { throw ControlError(400, "filter must be a string") }
                let count = (body["count"] as? NSNumber)?.intValue ?? 10
                guard (1...maxTraceCount).contains(count) else { throw ControlError(400, "count must be 1...\(maxTraceCount)") }
                let timeout = (body["timeout"] as? NSNumber)?.doubleValue ?? 10
                guard timeout > 0 && timeout <= maxTraceSeconds else { throw ControlError(400, "timeout must be a number of seconds in (0, \(Int(maxTraceSeconds))]") }
                return .json(try daemon.trace(filter: filter, count: count, timeout: timeout))
            },
        ])
    }

    package static func metricsRouter(_ daemon: NodeDaemon) -> ControlRouter {
        ControlRouter([
            ControlRoute("GET", "/metrics") { _, _ in
                .text(daemon.metricsText(), contentType: PrometheusExposition.contentType)
            },
        ])
    }

    package static func response(_ outcome: NodeDaemon.Outcome, created: Bool) -> ControlResponse {
        switch outcome {
        case .applied(let generation, let seconds):
            return .json(["generation": generation, "apply_seconds": seconds], status: created ? 201 : 200)
        case .invalid(let diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }
            return .error(422, errors.first.map { "refused: \($0.rendered)" } ?? "refused",
                          extra: ["diagnostics": diagnostics.map(\.rendered)])
        case .failed(let why):
            return .error(500, why)
        }
    }
}
