// Parses the packet descriptions chain-trace accepts:
//   tcp 10.1.0.5:40000 -> 10.20.0.9:104
//   udp [2001:db8::1]:5000 -> [2001:db8::2]:53
//   icmp 10.1.0.5 -> 10.20.0.9            (icmpv6 for IPv6, or icmp with IPv6 addresses)
// optionally followed by `dscp N`.
import SFCConfig
import SFCCore

public struct PacketSpec: Sendable, Equatable {
    public var endpoints: IPEndpoints
    public var transport: TransportSpec
    public var dscp: UInt8

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case malformed(String)
        public var description: String {
            // `why` quotes the command line: escaped, so it stays one line.
            switch self { case .malformed(let why): return "bad packet spec: \(Diagnostic.escaped(why))" }
        }
    }

    public init(endpoints: IPEndpoints, transport: TransportSpec, dscp: UInt8 = 0) {
        self.endpoints = endpoints; self.transport = transport; self.dscp = dscp
    }

    public init(parsing text: String) throws {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 4 || words.count == 6, words[2] == "->" else {
            throw ParseError.malformed("expected 'PROTO SRC -> DST [dscp N]', got '\(text)'")
        }
        var dscp: UInt8 = 0
        if words.count == 6 {
            guard words[4] == "dscp", let value = UInt8(words[5]), value < 64 else {
                throw ParseError.malformed("expected 'dscp 0..63' after the destination")
            }
            dscp = value
        }
        let proto = words[0].lowercased()
        let source = try PacketSpec.endpoint(words[1], needsPort: proto == "tcp" || proto == "udp")
        let destination = try PacketSpec.endpoint(words[3], needsPort: proto == "tcp" || proto == "udp")
        switch (source.address, destination.address) {
        case (.v4(let a), .v4(let b)): endpoints = .v4(a, b)
        case (.v6(let a), .v6(let b)): endpoints = .v6(a, b)
        default: throw ParseError.malformed("source and destination must be the same IP version")
        }
        switch proto {
        case "tcp": transport = .tcp(sourcePort: source.port!, destinationPort: destination.port!)
        case "udp": transport = .udp(sourcePort: source.port!, destinationPort: destination.port!)
        case "icmp", "icmpv6":
            guard source.port == nil && destination.port == nil else { throw ParseError.malformed("icmp takes no ports") }
            if proto == "icmpv6", case .v4 = endpoints { throw ParseError.malformed("icmpv6 needs IPv6 addresses") }
            transport = .icmpEcho(identifier: 0x5fc, sequence: 1)
        default:
            throw ParseError.malformed("protocol must be tcp, udp, icmp or icmpv6, not '\(words[0])'")
        }
        self.dscp = dscp
    }

    enum Address { case v4(IPv4Address), v6(IPv6Address) }

    static func endpoint(_ text: String, needsPort: Bool) throws -> (address: Address, port: UInt16?) {
        var host = text
        var port: UInt16?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ParseError.malformed("missing ']' in '\(text)'") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()) else { throw ParseError.malformed("bad port in '\(text)'") }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1 {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let p = UInt16(parts[1]) else { throw ParseError.malformed("bad port in '\(text)'") }
            host = String(parts[0]); port = p
        }
        if needsPort && port == nil { throw ParseError.malformed("'\(text)' needs a port (ADDRESS:PORT or [IPv6]:PORT)") }
        if let v4 = IPv4Address(host) { return (.v4(v4), port) }
        if let v6 = IPv6Address(host) { return (.v6(v6), port) }
        throw ParseError.malformed("'\(host)' is not an IPv4 or IPv6 address")
    }

    public var description: String {
        func show(_ a: String, _ port: UInt16?, v6: Bool) -> String {
            guard let port else { return a }
            return v6 ? "[\(a)]:\(port)" : "\(a):\(port)"
        }
        let (src, dst, v6): (String, String, Bool)
        switch endpoints {
        case .v4(let a, let b): (src, dst, v6) = (a.description, b.description, false)
        case .v6(let a, let b): (src, dst, v6) = (a.description, b.description, true)
        }
        switch transport {
        case .tcp(let s, let d): return "tcp \(show(src, s, v6: v6)) -> \(show(dst, d, v6: v6))"
        case .udp(let s, let d): return "udp \(show(src, s, v6: v6)) -> \(show(dst, d, v6: v6))"
        case .icmpEcho: return "\(v6 ? "icmpv6" : "icmp") \(src) -> \(dst)"
        }
    }
}
