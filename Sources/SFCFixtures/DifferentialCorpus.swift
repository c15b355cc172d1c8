// Packets for differential tests between dataplanes: valid traffic for every
// chain of a configuration (each classifier rule's flows, and every frame
// that re-enters the forwarder on the way along the chain: what NSH-aware
// functions send back, what returns to a proxy, SRv6 at each SID), then
// mutations of it (truncations, flipped bits and bad lengths in the NSH,
// SRH and IP headers, padding, wrong ingress). The same seed gives the same
// corpus, so a mismatch can be replayed.
import SFCCore
import SFCTrace

public struct CorpusPacket: Sendable, Equatable {
    public var ingress: Int
    public var frame: [UInt8]
    /// How the packet was made, for a mismatch report.
    public var origin: String
    public init(ingress: Int, frame: [UInt8], origin: String) { self.ingress = ingress; self.frame = frame; self.origin = origin }
}

public enum DifferentialCorpus {
    /// SplitMix64: small, seedable, good enough to pick fields.
    public struct Random: Sendable {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ z >> 30) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ z >> 27) &* 0x94D0_49BB_1331_11EB
            return z ^ z >> 31
        }
        public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
        mutating func port(in range: ClosedRange<UInt16>) -> UInt16 {
            range.lowerBound &+ UInt16(truncatingIfNeeded: below(Int(range.upperBound) - Int(range.lowerBound) + 1))
        }
    }

    /// `flowsPerRule` flows for every classifier rule, each walked through
    /// its whole chain by the simulator; every frame the forwarder receives
    /// on the way is a corpus packet. Reverse-direction and unclassified
    /// packets are included too.
    public static func valid(tables: ForwardingTables, flowsPerRule: Int, seed: UInt64) -> [CorpusPacket] {
        let config = tables.config
        let simulator = Simulator(tables: tables)
        var rng = Random(seed: seed)
        var out: [CorpusPacket] = []
        let untrusted = config.ports.indices.filter { !config.ports[$0].trusted }
        for rule in config.rules {
            for flow in 0..<flowsPerRule {
                guard let spec = flowSpec(rule, &rng) else { continue }
                let ingress = rule.ingress ?? (untrusted.isEmpty ? 0 : untrusted[rng.below(untrusted.count)])
                let frame = PacketBuilder.frame(destination: config.ports[ingress].mac, endpoints: spec.endpoints,
                                                transport: spec.transport,
                                                payload: payload(&rng), dscp: spec.dscp, ttl: UInt8(2 + rng.below(200)))
                let origin = "rule '\(rule.name)' flow \(flow)"
                out.append(CorpusPacket(ingress: ingress, frame: frame, origin: origin))
                let result = simulator.run(frame: frame, ingress: ingress)
                // Function hops are what came back to the forwarder.
                for (h, hop) in result.hops.enumerated() where hop.node != config.node.name && !hop.frame.isEmpty {
                    if let port = hop.egressPort.flatMap(config.portIndex(named:)) {
                        out.append(CorpusPacket(ingress: port, frame: hop.frame, origin: "\(origin), hop \(h) (\(hop.behavior))"))
                    }
                }
                // The reply direction of the same flow.
                let reverse = PacketBuilder.frame(destination: config.ports[ingress].mac, endpoints: swapped(spec.endpoints),
                                                  transport: swapped(spec.transport), payload: [], dscp: spec.dscp)
                out.append(CorpusPacket(ingress: ingress, frame: reverse, origin: "\(origin), reversed"))
            }
        }
        return out
    }

    /// `count` mutations of packets drawn from `valid`.
    public static func mutations(of valid: [CorpusPacket], count: Int, ports: Int, seed: UInt64) -> [CorpusPacket] {
        guard !valid.isEmpty else { return [] }
        var rng = Random(seed: seed)
        var out: [CorpusPacket] = []
        out.reserveCapacity(count)
        for n in 0..<count {
            let base = valid[rng.below(valid.count)]
            var frame = base.frame
            var ingress = base.ingress
            let what: String
            switch rng.below(8) {
            case 0:
                let cut = rng.below(frame.count)
                frame.removeLast(frame.count - cut)
                what = "truncated to \(cut)"
            case 1, 2:
                // A bit in the headers: Ethernet, NSH / IP, SRH, more often than in the payload.
                let span = min(frame.count, 14 + 48 + 8 + 16 * 4)
                let i = rng.below(span), bit = rng.below(8)
                frame[i] ^= UInt8(1 << bit)
                what = "bit \(bit) of byte \(i) flipped"
            case 3:
                let i = rng.below(min(frame.count, 160)), v = UInt8(truncatingIfNeeded: rng.next())
                frame[i] = v
                what = "byte \(i) set to \(v)"
            case 4:
                what = badLength(&frame, &rng)
            case 5:
                let extra = 1 + rng.below(64)
                frame += (0..<extra).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                what = "\(extra) bytes appended"
            case 6:
                ingress = rng.below(max(1, ports))
                what = "ingress \(ingress)"
            default:
                let i = rng.below(frame.count), j = rng.below(frame.count)
                frame[i] ^= 0xFF; frame[j] = 0
                what = "bytes \(i) inverted, \(j) zeroed"
            }
            out.append(CorpusPacket(ingress: ingress, frame: frame, origin: "mutation \(n) of [\(base.origin)]: \(what)"))
        }
        return out
    }

    /// Sets a length or index field of the outermost service header, or of
    /// the IP header, to an arbitrary value.
    static func badLength(_ frame: inout [UInt8], _ rng: inout Random) -> String {
        guard frame.count >= 14 else { return "too short to change a length" }
        var l3 = 14
        var etherType = Int(frame[12]) << 8 | Int(frame[13])
        if (etherType == 0x8100 || etherType == 0x88A8) && frame.count >= 18 {
            etherType = Int(frame[16]) << 8 | Int(frame[17]); l3 = 18
        }
        let value = UInt8(truncatingIfNeeded: rng.next())
        func set(_ offset: Int, _ name: String) -> String {
            guard l3 + offset < frame.count else { return "\(name) out of frame" }
            frame[l3 + offset] = value
            return "\(name) = \(value)"
        }
        switch etherType {
        case 0x894F:  // NSH: byte 1 low 6 bits = length (with TTL bits), byte 2 = MD type, byte 3 = next protocol, SI
            switch rng.below(4) {
            case 0: return set(1, "NSH TTL/length byte")
            case 1: return set(2, "NSH MD type byte")
            case 2: return set(3, "NSH next protocol")
            default: return set(7, "NSH SI")
            }
        case 0x86DD:
            // With an SRH right after the IPv6 header: Hdr Ext Len, type, SL, Last Entry.
            let hasSRH = frame.count > l3 + 6 && frame[l3 + 6] == 43
            switch rng.below(hasSRH ? 6 : 2) {
            case 0: return set(4, "IPv6 payload length (high byte)")
            case 1: return set(5, "IPv6 payload length (low byte)")
            case 2: return set(41, "SRH Hdr Ext Len")
            case 3: return set(42, "SRH routing type")
            case 4: return set(43, "SRH Segments Left")
            default: return set(44, "SRH Last Entry")
            }
        default:
            switch rng.below(3) {
            case 0: return set(0, "IPv4 version/IHL")
            case 1: return set(2, "IPv4 total length (high byte)")
            default: return set(3, "IPv4 total length (low byte)")
            }
        }
    }

    static func flowSpec(_ rule: ClassifierRule, _ rng: inout Random) -> PacketSpec? {
        let endpoints: IPEndpoints
        if rule.family == .ipv4 {
            endpoints = .v4(host(rule.source4, &rng, fallback: 0x0A01_0000), host(rule.destination4, &rng, fallback: 0x0A14_0000))
        } else {
            endpoints = .v6(host(rule.source6, &rng), host(rule.destination6, &rng))
        }
        let transport: TransportSpec
        switch rule.proto {
        case nil:
            let s = rng.port(in: rule.sourcePorts), d = rng.port(in: rule.destinationPorts)
            switch rng.below(3) {
            case 0: transport = .udp(sourcePort: s, destinationPort: d)
            case 1 where rule.sourcePorts == 0...65535 && rule.destinationPorts == 0...65535:
                transport = .icmpEcho(identifier: UInt16(truncatingIfNeeded: rng.next()), sequence: 1)
            default: transport = .tcp(sourcePort: s, destinationPort: d)
            }
        case IPProtocolNumber.tcp?:
            transport = .tcp(sourcePort: rng.port(in: rule.sourcePorts), destinationPort: rng.port(in: rule.destinationPorts))
        case IPProtocolNumber.udp?:
            transport = .udp(sourcePort: rng.port(in: rule.sourcePorts), destinationPort: rng.port(in: rule.destinationPorts))
        case IPProtocolNumber.icmp?, IPProtocolNumber.icmpv6?:
            transport = .icmpEcho(identifier: UInt16(truncatingIfNeeded: rng.next()), sequence: UInt16(rng.below(100)))
        default:
            return nil
        }
        return PacketSpec(endpoints: endpoints, transport: transport, dscp: rule.dscp ?? UInt8(rng.below(64)))
    }

    static func host(_ p: IPv4Prefix, _ rng: inout Random, fallback: UInt32) -> IPv4Address {
        let mask = IPv4Prefix.mask(p.length)
        let base = p.length == 0 ? fallback : p.address.raw & mask
        return IPv4Address(raw: base | UInt32(truncatingIfNeeded: rng.next()) & ~mask & (p.length == 0 ? 0xFFFF : 0xFFFF_FFFF))
    }

    static func host(_ p: IPv6Prefix, _ rng: inout Random) -> IPv6Address {
        let (mhi, mlo) = IPv6Prefix.mask(p.length)
        let base = p.length == 0 ? IPv6Address("2001:db8:99::")! : p.address
        return IPv6Address(hi: base.hi & mhi | rng.next() & ~mhi, lo: base.lo & mlo | rng.next() & ~mlo)
    }

    static func payload(_ rng: inout Random) -> [UInt8] {
        (0..<rng.below(200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func swapped(_ e: IPEndpoints) -> IPEndpoints {
        switch e {
        case .v4(let a, let b): return .v4(b, a)
        case .v6(let a, let b): return .v6(b, a)
        }
    }

    static func swapped(_ t: TransportSpec) -> TransportSpec {
        switch t {
        case .tcp(let s, let d): return .tcp(sourcePort: d, destinationPort: s)
        case .udp(let s, let d): return .udp(sourcePort: d, destinationPort: s)
        case .icmpEcho(let id, let seq): return .icmpEcho(identifier: id, sequence: seq)
        }
    }
}
