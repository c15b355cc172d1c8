// Builds test and simulation packets with correct lengths and checksums.
// Tools only: allocates freely, never used on the forwarding path.

public enum IPEndpoints: Sendable, Equatable {
    case v4(IPv4Address, IPv4Address)
    case v6(IPv6Address, IPv6Address)
}

public enum TransportSpec: Sendable, Equatable {
    case tcp(sourcePort: UInt16, destinationPort: UInt16)
    case udp(sourcePort: UInt16, destinationPort: UInt16)
    /// ICMP echo request (ICMPv6 echo request over IPv6).
    case icmpEcho(identifier: UInt16, sequence: UInt16)
}

public enum PacketBuilder {
    /// Ethernet + IP + transport with `payload`, checksums filled in.
    public static func frame(source: MACAddress = MACAddress(0x02, 0, 0, 0, 0, 0xFE), destination: MACAddress,
                             vlan: UInt16 = 0, endpoints: IPEndpoints, transport: TransportSpec,
                             payload: [UInt8] = Array("sfc chain-trace!".utf8), dscp: UInt8 = 0, ttl: UInt8 = 64) -> [UInt8] {
        let ip = ipPacket(endpoints: endpoints, transport: transport, payload: payload, dscp: dscp, ttl: ttl)
        return ethernet(destination: destination, source: source, vlan: vlan,
                        etherType: ip[0] >> 4 == 6 ? EtherType.ipv6 : EtherType.ipv4) + ip
    }

    public static func ethernet(destination: MACAddress, source: MACAddress, vlan: UInt16 = 0, etherType: UInt16) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: EthernetHeader.length(vlan: vlan))
        bytes.withUnsafeMutableBytes {
            EthernetHeader.write($0.baseAddress!, destination: destination, source: source, vlan: vlan, etherType: etherType)
        }
        return bytes
    }

    /// An IP packet (no Ethernet).
    public static func ipPacket(endpoints: IPEndpoints, transport: TransportSpec, payload: [UInt8],
                                dscp: UInt8 = 0, ttl: UInt8 = 64) -> [UInt8] {
        switch endpoints {
        case .v4(let src, let dst):
            var l4 = transportHeader(transport, payload: payload, v6: false)
            let proto = protocolNumber(transport, v6: false)
            // ICMPv4 has no pseudo-header (RFC 792); TCP and UDP do.
            let pseudo: UInt32? = proto == IPProtocolNumber.icmp ? nil : pseudoSum4(src, dst, proto: proto, length: l4.count)
            fillChecksum(&l4, transport, pseudo: pseudo)
            var ip = [UInt8](repeating: 0, count: 20)
            ip.withUnsafeMutableBytes {
                IPv4Header.write($0.baseAddress!, tos: dscp << 2, totalLength: 20 + l4.count, identification: 1,
                                 dontFragment: true, ttl: ttl, proto: proto, source: src, destination: dst)
            }
            return ip + l4
        case .v6(let src, let dst):
            var l4 = transportHeader(transport, payload: payload, v6: true)
            let proto = protocolNumber(transport, v6: true)
            let pseudo = pseudoSum6(src, dst, proto: proto, length: l4.count)
            fillChecksum(&l4, transport, pseudo: pseudo)
            var ip = [UInt8](repeating: 0, count: 40)
            ip.withUnsafeMutableBytes {
                IPv6Header.write($0.baseAddress!, trafficClass: dscp << 2, flowLabel: 0, payloadLength: l4.count,
                                 nextHeader: proto, hopLimit: ttl, source: src, destination: dst)
            }
            return ip + l4
        }
    }

    static func protocolNumber(_ t: TransportSpec, v6: Bool) -> UInt8 {
        switch t {
        case .tcp: return IPProtocolNumber.tcp
        case .udp: return IPProtocolNumber.udp
        case .icmpEcho: return v6 ? IPProtocolNumber.icmpv6 : IPProtocolNumber.icmp
        }
    }

    static func transportHeader(_ t: TransportSpec, payload: [UInt8], v6: Bool) -> [UInt8] {
        switch t {
        case .tcp(let sp, let dp):
            // A SYN with a 64 KiB window; sequence number fixed for repeatability.
            return [UInt8(sp >> 8), UInt8(sp & 0xFF), UInt8(dp >> 8), UInt8(dp & 0xFF),
                    0x00, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0x50, 0x02, 0xFF, 0xFF, 0, 0, 0, 0] + payload
        case .udp(let sp, let dp):
            let length = 8 + payload.count
            return [UInt8(sp >> 8), UInt8(sp & 0xFF), UInt8(dp >> 8), UInt8(dp & 0xFF),
                    UInt8(length >> 8), UInt8(length & 0xFF), 0, 0] + payload
        case .icmpEcho(let id, let seq):
            return [v6 ? 128 : 8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xFF), UInt8(seq >> 8), UInt8(seq & 0xFF)] + payload
        }
    }

    static func checksumOffset(_ t: TransportSpec) -> Int {
        switch t {
        case .tcp: return 16
        case .udp: return 6
        case .icmpEcho: return 2
        }
    }

    static func fillChecksum(_ l4: inout [UInt8], _ t: TransportSpec, pseudo: UInt32?) {
        let offset = checksumOffset(t)
        let sum = l4.withUnsafeBytes { Checksum.sum($0.baseAddress!, count: l4.count, initial: pseudo ?? 0) }
        var value = Checksum.fold(sum)
        if case .udp = t, value == 0 { value = 0xFFFF }
        l4[offset] = UInt8(value >> 8)
        l4[offset + 1] = UInt8(value & 0xFF)
    }

    static func pseudoSum4(_ s: IPv4Address, _ d: IPv4Address, proto: UInt8, length: Int) -> UInt32 {
        var sum: UInt32 = 0
        sum &+= s.raw >> 16; sum &+= s.raw & 0xFFFF; sum &+= d.raw >> 16; sum &+= d.raw & 0xFFFF
        sum &+= UInt32(proto); sum &+= UInt32(length)
        return sum
    }

    static func pseudoSum6(_ s: IPv6Address, _ d: IPv6Address, proto: UInt8, length: Int) -> UInt32 {
        var sum: UInt32 = 0
        for i in 0..<8 { sum &+= UInt32(s.word(i)); sum &+= UInt32(d.word(i)) }
        sum &+= UInt32(length >> 16); sum &+= UInt32(length & 0xFFFF); sum &+= UInt32(proto)
        return sum
    }
}
