// chain-trace's side of the control API: one HTTP/1.1 request per
// connection over the forwarder's Unix socket, blocking (a CLI waits for
// its answer anyway). Written on plain sockets so the CLI needs no server
// library.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ControlClient: Sendable {
    public let socketPath: String

    /// The default socket of a node (what `sfc-forwarder run` creates).
    public static func defaultPath(node: String) -> String { "/run/sfc/\(node).sock" }

    public init(node: String?, control: String?) throws {
        if let control { socketPath = control; return }
        guard let node, !node.isEmpty else { throw ClientError("give --node NODE (or --control PATH)") }
        socketPath = Self.defaultPath(node: node)
    }

    public struct ClientError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    public struct Reply {
        public let status: Int
        public let body: Data
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        public var errorMessage: String { (json?["error"] as? String) ?? String(decoding: body, as: UTF8.self) }
    }

    /// Sends one request; `timeout` bounds the whole exchange.
    public func request(_ method: String, _ path: String, json: [String: Any]? = nil, timeout: Double = 30) throws -> Reply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ClientError("socket path too long: \(socketPath)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let why = String(cString: strerror(errno))
            throw ClientError("cannot reach the forwarder at \(socketPath): \(why) (is `sfc-forwarder run` running for this node?)")
        }
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? Data()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: sfc\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if json != nil { head += "Content-Type: application/json\r\n" }
        head += "\r\n"
        try writeAll(fd, Data(head.utf8) + body)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError("reading the answer from \(socketPath): \(errno == EAGAIN ? "timed out after \(timeout) s" : String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return try Self.parse(received, from: socketPath)
    }

    private func writeAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; throw ClientError("writing to \(socketPath): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
    }

    static func parse(_ data: Data, from path: String) throws -> Reply {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientError("the forwarder at \(path) closed the connection without a complete answer")
        }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError("a malformed answer from \(path): \(statusLine)") }
        return Reply(status: status, body: Data(data[end.upperBound...]))
    }
}
