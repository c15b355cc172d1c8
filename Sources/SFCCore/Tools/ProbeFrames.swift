// The heartbeat frames the daemon sends through an instance, built from the
// same tables the dataplanes run (docs/PIPELINE.md "Liveness probes"):
// - nsh-unaware and sr-unaware instances: the probe's IPv4 packet, bare, on
//   the instance's attachment; it comes back on the return attachment;
// - nsh-aware instances (local attachment): inside NSH with the O bit set
//   (RFC 8300 s2.2) and the SPI/SI of a path that reaches the function, so
//   the function returns it with SI - 1 like any packet of that path.
// - sr-aware instances: in SRv6 with the segment list [the instance's SID,
//   the node's probe SID]; the function sends it on to the probe SID.
// Instances behind a remote SFF are not probed here (their SFF does).

public struct ProbeFrame: Sendable, Equatable {
    /// The port the frame leaves on.
    public var port: Int
    public var bytes: [UInt8]
    public init(port: Int, bytes: [UInt8]) { self.port = port; self.bytes = bytes }
}

public enum ProbeFrames {
    /// Why an instance cannot be probed by this forwarder (nil: it can).
    public static func unprobeable(_ tables: ForwardingTables, function f: Int, instance i: Int) -> String? {
        let function = tables.functions[f].config
        let instance = function.instances[i]
        switch function.kind {
        case .srAware:
            guard let sid = instance.sid else { return "no SID" }
            if tables.node.probeSID == nil { return "the node has no probe-sid to return to" }
            if tables.node.srv6Source == nil { return "the node has no srv6-source" }
            if tables.routes6.lookup(sid) == nil { return "no route to its SID" }
            return nil
        case .nshAware:
            if instance.peer != nil { return "behind a remote SFF, which probes it" }
            if instance.attachment == nil { return "no attachment" }
            if path(tables, function: f) == nil { return "in no NSH chain: no path to probe it on" }
            return nil
        case .nshUnaware, .srUnaware:
            return instance.attachment == nil ? "no attachment" : nil
        }
    }

    /// The L4 payload of a probe: magic, token, sequence (big endian).
    public static func payload(token: UInt32, sequence: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        for word in [UInt32(SharedSpec.SFC_PROBE_MAGIC), token, sequence] {
            out += [UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
        }
        return out
    }

    /// The probe's IPv4 packet for `tuple`.
    public static func ipPacket(_ tuple: ProbeTuple, token: UInt32, sequence: UInt32) -> [UInt8] {
        let transport: TransportSpec
        switch tuple.proto {
        case IPProtocolNumber.tcp: transport = .tcp(sourcePort: tuple.sourcePort, destinationPort: tuple.destinationPort)
        case IPProtocolNumber.udp: transport = .udp(sourcePort: tuple.sourcePort, destinationPort: tuple.destinationPort)
        default: transport = .icmpEcho(identifier: UInt16(truncatingIfNeeded: token), sequence: UInt16(truncatingIfNeeded: sequence))
        }
        return PacketBuilder.ipPacket(endpoints: .v4(tuple.source, tuple.destination), transport: transport,
                                      payload: payload(token: token, sequence: sequence))
    }

    /// The frame that probes instance `i` of function `f` with `tuple`, or
    /// nil when it cannot be probed (see `unprobeable`).
    public static func frame(_ tables: ForwardingTables, function f: Int, instance i: Int, tuple: ProbeTuple,
                             token: UInt32, sequence: UInt32) -> ProbeFrame? {
        guard unprobeable(tables, function: f, instance: i) == nil else { return nil }
        let ip = ipPacket(tuple, token: token, sequence: sequence)
        if tables.functions[f].config.kind == .srAware { return srv6Frame(tables, function: f, instance: i, ip: ip) }
        guard let via = tables.functions[f].config.instances[i].attachment else { return nil }
        let source = tables.ports[via.port].mac
        switch tables.functions[f].config.kind {
        case .nshAware:
            guard let (c, k) = path(tables, function: f) else { return nil }
            let chain = tables.chains[c]
            var nsh = [UInt8](repeating: 0, count: NSHHeader.baseSize + chain.contextBytes.count)
            nsh.withUnsafeMutableBytes { raw in
                let q = raw.baseAddress!
                NSHHeader.writeBase(q, ttl: chain.config.ttl, lengthWords: chain.nshLengthWords, mdType: chain.mdType,
                                    nextProtocol: NSHNextProtocol.ipv4, spi: chain.config.spi,
                                    si: UInt8(truncatingIfNeeded: Int(chain.config.startSI) - k))
                q.storeBytes(of: q.load(as: UInt8.self) | 0x20, as: UInt8.self)  // the O bit
            }
            for (n, byte) in chain.contextBytes.enumerated() { nsh[NSHHeader.baseSize + n] = byte }
            let eth = PacketBuilder.ethernet(destination: via.mac, source: source, vlan: via.vlan, etherType: EtherType.nsh)
            return ProbeFrame(port: via.port, bytes: eth + nsh + ip)
        default:
            let eth = PacketBuilder.ethernet(destination: via.mac, source: source, vlan: via.vlan, etherType: EtherType.ipv4)
            return ProbeFrame(port: via.port, bytes: eth + ip)
        }
    }

    /// An sr-aware instance's probe: the IPv4 probe in SRv6 from the node's
    /// srv6-source, segment list [the instance's SID, the probe SID] (SL 1,
    /// DA the instance's SID), out where the routes send its SID. The
    /// function's End (or any SR-aware processing of its SID) sends it on to
    /// the probe SID, where this node consumes it.
    static func srv6Frame(_ tables: ForwardingTables, function f: Int, instance i: Int, ip: [UInt8]) -> ProbeFrame? {
        guard let sid = tables.functions[f].config.instances[i].sid, let probe = tables.node.probeSID,
              let source = tables.node.srv6Source, let via = tables.routes6.lookup(sid) else { return nil }
        let srh = SegmentRoutingHeader.fixedSize + 2 * 16
        var outer = [UInt8](repeating: 0, count: IPv6Header.size + srh)
        outer.withUnsafeMutableBytes { raw in
            let q = raw.baseAddress!
            IPv6Header.write(q, trafficClass: 0, flowLabel: 0, payloadLength: srh + ip.count, nextHeader: IPv6NextHeader.routing,
                             hopLimit: UInt8(SharedSpec.SFC_ENCAP_HOP_LIMIT), source: source, destination: sid)
            let r = q + IPv6Header.size
            SegmentRoutingHeader.writeFixed(r, nextHeader: IPv6NextHeader.ipv4, segments: 2, segmentsLeft: 1, lastEntry: 1)
            r.setIPv6(SegmentRoutingHeader.fixedSize, probe)        // Segment List[0]: the last segment
            r.setIPv6(SegmentRoutingHeader.fixedSize + 16, sid)     // Segment List[1]: the first
        }
        let eth = PacketBuilder.ethernet(destination: via.mac, source: tables.ports[via.port].mac, vlan: via.vlan,
                                         etherType: EtherType.ipv6)
        return ProbeFrame(port: via.port, bytes: eth + outer + ip)
    }

    /// The first NSH chain position served by function `f`: (chain, hop).
    static func path(_ tables: ForwardingTables, function f: Int) -> (Int, Int)? {
        for (c, chain) in tables.chains.enumerated() where chain.config.encapsulation == .nsh {
            if let k = chain.config.hops.firstIndex(of: f) { return (c, k) }
        }
        return nil
    }
}
