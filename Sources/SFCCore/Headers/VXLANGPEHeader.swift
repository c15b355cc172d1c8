// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe section 3.3):
//  0 R R Ver(2) I P B O | Reserved (16) | Next Protocol (8)
//  4 VNI (24) | Reserved (8)
// Next Protocol 0x4 is NSH.

public struct VXLANGPEHeader {
    public static let size = 8
    public static let flagI: UInt8 = 0x08
    public static let flagP: UInt8 = 0x04
    public static let nextProtocolNSH: UInt8 = 0x04

    public let p: UnsafeRawPointer

    @inline(__always)
    public init?(_ p: UnsafeRawPointer, count: Int) {
        guard count >= VXLANGPEHeader.size else { return nil }
        self.p = p
    }

    @inline(__always) public var flags: UInt8 { p.be8(0) }
    @inline(__always) public var version: UInt8 { (p.be8(0) >> 4) & 0x3 }
    @inline(__always) public var nextProtocol: UInt8 { p.be8(3) }
    @inline(__always) public var vni: UInt32 { p.be32(4) >> 8 }

    /// Version 0, P bit set, carrying NSH.
    @inline(__always) public var carriesNSH: Bool {
        version == 0 && flags & VXLANGPEHeader.flagP != 0 && nextProtocol == VXLANGPEHeader.nextProtocolNSH
    }

    @inline(__always)
    public static func write(_ q: UnsafeMutableRawPointer, vni: UInt32, nextProtocol: UInt8) {
        q.setBE32(0, UInt32(flagI | flagP) << 24 | UInt32(nextProtocol))
        q.setBE32(4, vni << 8)
    }
}
