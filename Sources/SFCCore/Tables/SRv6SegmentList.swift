// An SRv6 chain's segment list as the headend writes it, precomputed when no
// hop has a choice of instance (VPP's SR policy rewrite, in part): the n
// segments of the path in Segment List order (RFC 8754 s2: entry i is
// P[n-1-i], entry n-1 the first segment visited), 16 network-order bytes
// each. H.Encaps copies entries 0..<listCount into the SRH and takes the DA
// from entry Segments Left; H.Encaps.Red (RFC 8986 s5.2) uses the same
// entries, its list one shorter. Empty when some hop has several
// instances: pushSRv6 then resolves each segment from the chosen instance.

enum SRv6SegmentList {
    static func make(_ chain: ChainConfig, endSegment: IPv6Address, functions: [FunctionEntry]) -> [UInt8] {
        guard chain.encapsulation == .srv6 else { return [] }
        var path: [IPv6Address] = []
        for f in chain.hops {
            guard functions[f].config.instances.count == 1, functions[f].instanceIDs.count == 1 else { return [] }
            path.append(functions[f].config.instances[0].sid ?? IPv6Address(hi: 0, lo: 0))
        }
        path.append(endSegment)
        var bytes = [UInt8](repeating: 0, count: 16 * path.count)
        bytes.withUnsafeMutableBytes { raw in
            for (i, segment) in path.reversed().enumerated() { raw.baseAddress!.setIPv6(16 * i, segment) }
        }
        return bytes
    }
}
