// An HTTP request head (as SwiftNIO's decoder gives it) and its body to a
// ControlRequest: the path without its query, the query's keys and values
// percent-decoded ('+' is a space in a value). Public so that the
// control-api fuzz target (Sources/SFCFuzz) parses requests exactly as the
// server does.
import Foundation
import NIOHTTP1

extension ControlRequest {
    public init(head: HTTPRequestHead, body: Data, peer: PeerCredentials?) {
        var path = head.uri
        var query: [String: String] = [:]
        if let q = path.firstIndex(of: "?") {
            for item in path[path.index(after: q)...].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
                query[key] = value
            }
            path = String(path[..<q])
        }
        self.init(method: head.method.rawValue, path: path, query: query, body: body, peer: peer)
    }
}
