// The flow hash every dataplane computes the same way (the XDP programs
// implement exactly this), so that all of them pick the same instance.
//
// It is symmetric: the two endpoints (address, port) are put in a canonical
// order first, so both directions of a flow hash alike and reach the same
// instance of a stateful function (firewall, DPI).

public enum FlowHash {
    /// The murmur3 32-bit finalizer: a cheap, well-mixing bijection.
    @inline(__always)
    public static func fmix32(_ value: UInt32) -> UInt32 {
        var h = value
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        return h
    }

    /// Folds one 32-bit word into the running hash.
    @inline(__always)
    public static func mix(_ h: UInt32, _ word: UInt32) -> UInt32 {
        fmix32(h ^ word) &+ 0x9E37_79B9
    }

    /// The seed without a flow-hash key (SFC_FLOWHASH_SEED): public, so
    /// anyone can work out where a flow goes. A node's key replaces it.
    public static let seed: UInt32 = 0x5FC0_5FC0

    /// Hash of the IP packet at `p` (IPv4 or IPv6 by its version nibble).
    /// Ports are used only for unfragmented TCP/UDP; anything unparsable
    /// hashes to 0 so it still goes somewhere deterministic.
    @inline(__always)
    /// `seed` is the node's (ForwardingTables.flowSeed): the public one
    /// without a flow-hash key.
    public static func ofIPPacket(_ p: UnsafeRawPointer, count: Int, seed: UInt32 = FlowHash.seed) -> UInt32 {
        guard count >= 1 else { return 0 }
        switch p.be8(0) >> 4 {
        case 4: return ofIPv4(p, count: count, seed: seed)
        case 6: return ofIPv6(p, count: count, seed: seed)
        default: return 0
        }
    }

    @inline(__always)
    static func ports(_ p: UnsafeRawPointer, at offset: Int, count: Int, proto: UInt8) -> (UInt16, UInt16) {
        guard proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp, offset + 4 <= count else { return (0, 0) }
        return (p.be16(offset), p.be16(offset + 2))
    }

    public static func ofIPv4(_ p: UnsafeRawPointer, count: Int, seed: UInt32 = FlowHash.seed) -> UInt32 {
        guard let ip = IPv4Header(p, count: count), ip.version == 4, ip.headerLength >= 20 else { return 0 }
        var sport: UInt16 = 0, dport: UInt16 = 0
        if ip.fragmentField & 0x3FFF == 0 {
            (sport, dport) = ports(p, at: ip.headerLength, count: count, proto: ip.proto)
        }
        var a = ip.source.raw, b = ip.destination.raw
        if (a, sport) > (b, dport) { swap(&a, &b); swap(&sport, &dport) }
        var h = seed
        h = mix(h, a)
        h = mix(h, b)
        h = mix(h, UInt32(sport) << 16 | UInt32(dport))
        h = mix(h, UInt32(ip.proto))
        return fmix32(h)
    }

    public static func ofIPv6(_ p: UnsafeRawPointer, count: Int, seed: UInt32 = FlowHash.seed) -> UInt32 {
        guard let ip = IPv6Header(p, count: count), ip.version == 6 else { return 0 }
        var proto = ip.nextHeader
        var sport: UInt16 = 0, dport: UInt16 = 0
        if let chain = ip.walkExtensions(), !chain.laterFragment {
            proto = chain.upperProtocol
            (sport, dport) = ports(p, at: chain.upperOffset, count: count, proto: proto)
        }
        var a = ip.source, b = ip.destination
        if (a, sport) > (b, dport) { swap(&a, &b); swap(&sport, &dport) }
        var h = seed
        // Eight address words, most significant first (unrolled: no array per packet).
        h = mix(h, UInt32(truncatingIfNeeded: a.hi >> 32)); h = mix(h, UInt32(truncatingIfNeeded: a.hi))
        h = mix(h, UInt32(truncatingIfNeeded: a.lo >> 32)); h = mix(h, UInt32(truncatingIfNeeded: a.lo))
        h = mix(h, UInt32(truncatingIfNeeded: b.hi >> 32)); h = mix(h, UInt32(truncatingIfNeeded: b.hi))
        h = mix(h, UInt32(truncatingIfNeeded: b.lo >> 32)); h = mix(h, UInt32(truncatingIfNeeded: b.lo))
        h = mix(h, UInt32(sport) << 16 | UInt32(dport))
        h = mix(h, UInt32(proto))
        return fmix32(h)
    }

    /// The seed a node's flow-hash key gives: the first four bytes of
    /// SHA-256 over a label and the key. The hash keeps a 32-bit state, so
    /// this hides where flows go from a sender who knows the algorithm but
    /// not the key; it is not a MAC (docs/SECURITY.md).
    public static func seed(key: [UInt8]) -> UInt32 {
        let d = SHA256.digest(Array("sfc flow hash seed\0".utf8) + key)
        return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
    }

    /// FNV-1a over a name: stable identity for an instance, independent of
    /// its position in the file.
    public static func ofName(_ name: String) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for byte in name.utf8 { h = (h ^ UInt32(byte)) &* 0x0100_0193 }
        return fmix32(h)
    }
}
