// What an SFF does at one (SPI, SI), precomputed: VPP's adjacency rewrite
// string for NSH. One record per entry of `ForwardingTables.nshPaths`
// (same index), built with the tables. In the common case, one NSH-aware
// instance reached directly over Ethernet (RFC 8300 s4.3, "NSH directly
// over Ethernet"), forwarding is then the copy of a ready outgoing Ethernet
// header plus the counters: no chain, function, instance or port record is
// read per packet. Every other case (several instances, a VXLAN-GPE peer,
// an NSH proxy, the end of the path, an instance that is down) takes the
// general path in Pipeline.nshForward, which stays the definition.

public struct NSHNextHop: Sendable {
    /// The rewrite below applies (while the instance is up).
    public var direct: Bool
    /// The outgoing Ethernet header (14 bytes, 18 with a VLAN tag; ethertype
    /// NSH) as three overlapping 8-byte stores at 0, min(8, L - 8) and L - 8.
    public var l2: (UInt64, UInt64, UInt64)
    public var l2Length: Int
    public var port: Int32
    /// The egress port's MTU (what `emit` checks).
    public var mtu: Int
    public var chain: Int32
    public var position: Int32
    /// instanceCounterBase[f] of the single instance: its state in
    /// LiveInstances and its instance counter.
    public var instanceSlot: Int32
    /// hopCounterBase[chain] + position.
    public var hopCounter: Int32

    static let general = NSHNextHop(direct: false, l2: (0, 0, 0), l2Length: 0, port: -1, mtu: 0, chain: -1, position: -1,
                                    instanceSlot: -1, hopCounter: -1)

    /// Writes the Ethernet header at `p` (`l2Length` bytes).
    @inline(__always)
    public func writeL2(_ p: UnsafeMutableRawPointer) {
        p.storeBytes(of: l2.0, as: UInt64.self)
        p.storeBytes(of: l2.1, toByteOffset: min(8, l2Length - 8), as: UInt64.self)
        p.storeBytes(of: l2.2, toByteOffset: l2Length - 8, as: UInt64.self)
    }

    /// The record of path entry `path`, given the rest of the tables.
    static func make(_ path: PathEntry, chains: [ChainEntry], functions: [FunctionEntry], ports: [PortConfig],
                     hopCounterBase: [Int], instanceCounterBase: [Int]) -> NSHNextHop {
        let c = Int(path.chain), k = Int(path.position)
        guard k < chains[c].config.hops.count else { return general }
        let f = chains[c].config.hops[k]
        let function = functions[f]
        guard function.config.kind == .nshAware, function.config.instances.count == 1, function.instanceIDs.count == 1,
              function.config.instances[0].peer == nil, let via = function.config.instances[0].attachment,
              via.port >= 0 && via.port < ports.count else { return general }
        let length = EthernetHeader.length(vlan: via.vlan)
        var bytes = [UInt8](repeating: 0, count: 18)
        bytes.withUnsafeMutableBytes { raw in
            EthernetHeader.write(raw.baseAddress!, destination: via.mac, source: ports[via.port].mac, vlan: via.vlan,
                                 etherType: EtherType.nsh)
        }
        let words = bytes.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: min(8, length - 8), as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self))
        }
        return NSHNextHop(direct: true, l2: words, l2Length: length, port: Int32(via.port), mtu: ports[via.port].mtu,
                          chain: Int32(c), position: Int32(k), instanceSlot: Int32(instanceCounterBase[f]),
                          hopCounter: Int32(hopCounterBase[c] + k))
    }
}
