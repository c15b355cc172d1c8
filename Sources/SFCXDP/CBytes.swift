// Turning SFCCore values into the bytes of the shared C structs: addresses
// in network byte order, fixed arrays (imported as tuples) written through
// their raw bytes.
import CLibBPF
import SFCCore

enum CBytes {
    /// The raw bytes of a C struct value, as a map key or value.
    static func of<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// Copies `bytes` into the start of a fixed-size C array field.
    static func copy<T>(_ bytes: [UInt8], into field: inout T) {
        withUnsafeMutableBytes(of: &field) { raw in
            precondition(bytes.count <= raw.count, "\(bytes.count) bytes into a \(raw.count)-byte field")
            raw.copyBytes(from: bytes)
        }
    }

    static func mac(_ m: MACAddress) -> [UInt8] { (0..<6).map { m.octet($0) } }
    static func ipv6(_ a: IPv6Address) -> [UInt8] { (0..<16).map { a.octet($0) } }
    static func ipv4(_ a: IPv4Address) -> [UInt8] { be32(a.raw) }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> UInt64(56 - 8 * $0)) } }

    /// A __be32 field holding `v` in network order.
    static func be32Field(_ v: UInt32) -> UInt32 { v.bigEndian }
    static func be16Field(_ v: UInt16) -> UInt16 { v.bigEndian }

    static let none = UInt32(SFC_NONE)

    static func adjacency(_ a: Adjacency?) -> sfc_adjacency {
        var out = sfc_adjacency()
        guard let a else { out.port = none; return out }
        out.port = UInt32(a.port)
        copy(mac(a.mac), into: &out.mac)
        out.vlan = a.vlan
        return out
    }
}
