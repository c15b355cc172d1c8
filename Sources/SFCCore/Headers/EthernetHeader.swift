// Ethernet II with an optional 802.1Q (or 802.1ad) tag.

public struct EthernetHeader {
    public static let size = 14
    public static let tagSize = 4

    public let destination: MACAddress
    public let source: MACAddress
    /// 0 when untagged; the 12-bit VLAN ID otherwise.
    public let vlan: UInt16
    /// The ethertype after any tag.
    public let etherType: UInt16
    /// Bytes up to the payload: 14, or 18 with one tag.
    public let headerLength: Int

    /// Returns nil when `count` is too short for the header (and its tag).
    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= EthernetHeader.size else { return nil }
        destination = p.mac(0)
        source = p.mac(6)
        let type = p.be16(12)
        if type == EtherType.vlan || type == EtherType.qinq {
            guard count >= EthernetHeader.size + EthernetHeader.tagSize else { return nil }
            vlan = p.be16(14) & 0x0FFF
            etherType = p.be16(16)
            headerLength = 18
        } else {
            vlan = 0
            etherType = type
            headerLength = 14
        }
    }

    /// Writes an Ethernet header (18 bytes when `vlan` != 0) at `p`.
    @inline(__always)
    public static func write(_ p: UnsafeMutableRawPointer, destination: MACAddress, source: MACAddress,
                             vlan: UInt16, etherType: UInt16) {
        p.setMAC(0, destination)
        p.setMAC(6, source)
        if vlan != 0 {
            p.setBE16(12, EtherType.vlan)
            p.setBE16(14, vlan & 0x0FFF)
            p.setBE16(16, etherType)
        } else {
            p.setBE16(12, etherType)
        }
    }

    @inline(__always) public static func length(vlan: UInt16) -> Int { vlan != 0 ? 18 : 14 }
}
