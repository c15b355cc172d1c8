// Numbers from the IANA registries that the header views and stages share.

public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let ipv6: UInt16 = 0x86DD
    public static let vlan: UInt16 = 0x8100
    public static let qinq: UInt16 = 0x88A8
    public static let nsh: UInt16 = 0x894F
    public static let arp: UInt16 = 0x0806
}

/// NSH Next Protocol values (RFC 8300 section 11.2.5).
public enum NSHNextProtocol {
    public static let ipv4: UInt8 = 1
    public static let ipv6: UInt8 = 2
    public static let ethernet: UInt8 = 3
    public static let nsh: UInt8 = 4
    public static let mpls: UInt8 = 5
}

public enum UDPPort {
    /// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe).
    public static let vxlanGPE: UInt16 = 4790
}

/// IPv6 Next Header values relevant here.
public enum IPv6NextHeader {
    public static let hopByHop: UInt8 = 0
    public static let ipv4: UInt8 = 4
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6: UInt8 = 41
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let esp: UInt8 = 50
    public static let auth: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let noNext: UInt8 = 59
    public static let destinationOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    /// RFC 8986 section 10.1: Ethernet carried in an IPv6 payload.
    public static let ethernet: UInt8 = 143
}
