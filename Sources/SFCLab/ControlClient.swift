// The forwarder's control API as the lab's scenes and its VNF manager use
// it: curl on the Unix socket, JSON in and out; an HTTP error becomes a
// LabError with the API's message.
import Foundation

/// The control API over its Unix socket (curl), as the scenes use it.
struct ControlClient {
    let socket: String

    struct Instance { var state: String; var packets: Int }

    func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        var argv = ["curl", "-s", "--max-time", "30", "--unix-socket", socket, "-X", method, "-w", "\n%{http_code}"]
        if let body {
            argv += ["-H", "Content-Type: application/json", "-d", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)]
        }
        let r = Shell.run(argv + ["http://sfc" + path], timeout: 40)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let answer = Shell.json(lines.dropLast().joined(separator: "\n")) as? [String: Any] ?? [:]
        guard r.ok, (200..<300).contains(status) else {
            throw LabError("\(method) \(path): HTTP \(status) \(answer["error"] ?? r.stdout) \(r.stderr)")
        }
        return answer
    }

    /// Every instance by (function, instance).
    func instances() throws -> [String: [String: Instance]] {
        var out: [String: [String: Instance]] = [:]
        for f in try request("GET", "/v1/instances")["functions"] as? [[String: Any]] ?? [] {
            guard let name = f["function"] as? String else { continue }
            for i in f["instances"] as? [[String: Any]] ?? [] {
                guard let n = i["name"] as? String else { continue }
                out[name, default: [:]][n] = Instance(state: i["state"] as? String ?? "?", packets: i["packets"] as? Int ?? 0)
            }
        }
        return out
    }

    func waitForStates(_ keys: [(String, String)], _ state: String, timeout: Double, what: String) throws {
        var last = ""
        do {
            try FailoverScene.wait(timeout: timeout, what: what) {
                let o = try instances()
                last = keys.map { "\($0.0)/\($0.1) \(o[$0.0]?[$0.1]?.state ?? "?")" }.joined(separator: ", ")
                return keys.allSatisfy { o[$0.0]?[$0.1]?.state == state }
            }
        } catch {
            throw LabError("\(error) (last seen: \(last))")
        }
    }
}
