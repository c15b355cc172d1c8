// Which packets a live trace follows: the classifier's fields of the packet
// as it arrives (addresses, ports, protocol, ingress port), or its service
// header (NSH SPI/SI over Ethernet; an SRv6 packet's destination address).
// Every field given must match; none given matches every packet.
// Spec text: comma- or space-separated `key=value`, e.g.
//   "src=10.1.0.0/16,dport=80,proto=tcp"   "spi=100,si=254"   "da=fc00:1::10"
// The dataplanes implement the same test (Swift `matches`, BPF
// sfc_trace_match in BPF/include/sfc_trace.h), checked against each other.

public struct TraceFilter: Sendable, Equatable {
    public var source: IPPrefix?
    public var destination: IPPrefix?
    public var proto: UInt8?
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// Index of the ingress port (resolved from its name by `parse`).
    public var ingress: Int?
    public var spi: UInt32?
    public var si: UInt8?
    /// SRv6: the outer IPv6 destination address (the active segment).
    public var segment: IPv6Address?

    public init() {}

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The filter keys, for help and errors.
    public static let keys = ["src", "dst", "proto", "sport", "dport", "ingress", "spi", "si", "da"]

    /// Parses a filter spec; `ports` are the configuration's port names
    /// (for `ingress=NAME`). A filter that could never match is an error.
    public static func parse(_ spec: String, ports: [String]) throws -> TraceFilter {
        var f = TraceFilter()
        let items = spec.split(whereSeparator: { $0 == "," || $0 == " " }).filter { !$0.isEmpty }
        for item in items {
            guard let eq = item.firstIndex(of: "=") else {
                throw ParseError(description: "filter item '\(item)': expected KEY=VALUE (keys: \(keys.joined(separator: ", ")))")
            }
            let key = String(item[..<eq]).lowercased(), value = String(item[item.index(after: eq)...])
            func bad(_ expected: String) -> ParseError {
                ParseError(description: "filter item '\(item)': \(key) takes \(expected)")
            }
            func need<T>(_ value: T?, _ expected: String) throws -> T {
                guard let value else { throw bad(expected) }
                return value
            }
            switch key {
            case "src": f.source = try need(prefix(value), "an IPv4 or IPv6 address or prefix")
            case "dst": f.destination = try need(prefix(value), "an IPv4 or IPv6 address or prefix")
            case "proto": f.proto = try need(protocolNumber(value), "tcp, udp, icmp, icmpv6 or 0..255")
            case "sport": f.sourcePort = try need(UInt16(value), "a port 0..65535")
            case "dport": f.destinationPort = try need(UInt16(value), "a port 0..65535")
            case "ingress":
                guard let p = ports.firstIndex(of: value) else {
                    throw ParseError(description: "filter item '\(item)': no port named '\(value)' (ports: \(ports.joined(separator: ", ")))")
                }
                f.ingress = p
            case "spi":
                guard let n = UInt32(value), n < 1 << 24 else { throw bad("a service path identifier 0..16777215") }
                f.spi = n
            case "si": f.si = try need(UInt8(value), "a service index 0..255")
            case "da": f.segment = try need(IPv6Address(value), "an IPv6 address")
            default:
                throw ParseError(description: "filter item '\(item)': unknown key '\(key)' (keys: \(keys.joined(separator: ", ")))")
            }
        }
        try f.checkSatisfiable()
        return f
    }

    /// Refuses what no packet can match.
    func checkSatisfiable() throws {
        if let s = source, let d = destination, s.isIPv4 != d.isIPv4 {
            throw ParseError(description: "filter can never match: src is \(s.isIPv4 ? "IPv4" : "IPv6") but dst is \(d.isIPv4 ? "IPv4" : "IPv6")")
        }
        let classifier = source != nil || destination != nil || proto != nil || sourcePort != nil || destinationPort != nil
        if (spi != nil || si != nil) && (classifier || segment != nil) {
            throw ParseError(description: "filter can never match: spi/si select NSH packets, which the classifier's fields and da do not describe")
        }
        if segment != nil && (source != nil || destination != nil) {
            throw ParseError(description: "filter can never match: da is an SRv6 packet's destination; use dst for an IPv6 destination prefix instead, not both")
        }
        if (sourcePort != nil || destinationPort != nil), let p = proto, p != IPProtocolNumber.tcp, p != IPProtocolNumber.udp {
            throw ParseError(description: "filter can never match: ports need proto tcp or udp")
        }
        if let p = proto, let a = source ?? destination {
            if p == IPProtocolNumber.icmp && !a.isIPv4 { throw ParseError(description: "filter can never match: icmp (IPv4) with IPv6 addresses") }
            if p == IPProtocolNumber.icmpv6 && a.isIPv4 { throw ParseError(description: "filter can never match: icmpv6 with IPv4 addresses") }
        }
    }

    static func prefix(_ text: String) -> IPPrefix? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        if let a = IPv4Address(String(parts[0])) {
            let length = parts.count == 2 ? Int(parts[1]) : 32
            guard let length, (0...32).contains(length) else { return nil }
            return .v4(IPv4Prefix(address: a, length: length))
        }
        if let a = IPv6Address(String(parts[0])) {
            let length = parts.count == 2 ? Int(parts[1]) : 128
            guard let length, (0...128).contains(length) else { return nil }
            return .v6(IPv6Prefix(address: a, length: length))
        }
        return nil
    }

    static func protocolNumber(_ text: String) -> UInt8? { IPProtocolNumber.named(text) ?? UInt8(text) }

    /// Does the packet `frame` (an Ethernet frame, as it arrived on port `ingress`) match?
    public func matches(_ frame: UnsafeRawBufferPointer, ingress port: Int) -> Bool {
        if let i = ingress, i != port { return false }
        func u8(_ o: Int) -> UInt8? { o < frame.count ? frame[o] : nil }
        func u16(_ o: Int) -> UInt16? { o + 2 <= frame.count ? UInt16(frame[o]) << 8 | UInt16(frame[o + 1]) : nil }
        func u32(_ o: Int) -> UInt32? {
            guard let h = u16(o), let l = u16(o + 2) else { return nil }
            return UInt32(h) << 16 | UInt32(l)
        }
        func u64(_ o: Int) -> UInt64? {
            guard let h = u32(o), let l = u32(o + 4) else { return nil }
            return UInt64(h) << 32 | UInt64(l)
        }
        guard var type = u16(12) else { return false }
        var l3 = 14
        if type == 0x8100 { guard let t = u16(16) else { return false }; type = t; l3 = 18 }
        if spi != nil || si != nil {
            // NSH over Ethernet (RFC 8300 s2.3): SPI in bits 0..23 and SI in 24..31 of word 2.
            guard type == EtherType.nsh, let sp = u32(l3 + 4) else { return false }
            if let want = spi, sp >> 8 != want { return false }
            if let want = si, UInt8(sp & 0xFF) != want { return false }
            return true
        }
        let next: UInt8, l4: Int
        switch type {
        case EtherType.ipv4:
            guard segment == nil, let vihl = u8(l3), vihl >> 4 == 4, let p = u8(l3 + 9),
                  let s = u32(l3 + 12), let d = u32(l3 + 16) else { return false }
            if let f = source { guard case .v4(let pre) = f, pre.contains(IPv4Address(raw: s)) else { return false } }
            if let f = destination { guard case .v4(let pre) = f, pre.contains(IPv4Address(raw: d)) else { return false } }
            next = p; l4 = l3 + Int(vihl & 0x0F) * 4
        case EtherType.ipv6:
            guard let p = u8(l3 + 6), let sh = u64(l3 + 8), let sl = u64(l3 + 16),
                  let dh = u64(l3 + 24), let dl = u64(l3 + 32) else { return false }
            let s = IPv6Address(hi: sh, lo: sl), d = IPv6Address(hi: dh, lo: dl)
            if let want = segment, d != want { return false }
            if let f = source { guard case .v6(let pre) = f, pre.contains(s) else { return false } }
            if let f = destination { guard case .v6(let pre) = f, pre.contains(d) else { return false } }
            next = p; l4 = l3 + 40
        default:
            return false
        }
        if let want = proto, next != want { return false }
        if sourcePort != nil || destinationPort != nil {
            guard next == IPProtocolNumber.tcp || next == IPProtocolNumber.udp, let sp = u16(l4), let dp = u16(l4 + 2) else { return false }
            if let want = sourcePort, sp != want { return false }
            if let want = destinationPort, dp != want { return false }
        }
        return true
    }
}
