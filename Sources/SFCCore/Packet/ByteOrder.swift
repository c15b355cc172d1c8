// Unaligned big-endian loads and stores. Header fields sit at arbitrary
// offsets in packet buffers, so every access goes through loadUnaligned.

extension UnsafeRawPointer {
    @inline(__always) public func be8(_ offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }
    @inline(__always) public func be16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) public func be32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) public func be64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    @inline(__always) public func mac(_ offset: Int) -> MACAddress {
        MACAddress(raw: UInt64(be16(offset)) << 32 | UInt64(be32(offset + 2)))
    }
    @inline(__always) public func ipv4(_ offset: Int) -> IPv4Address { IPv4Address(raw: be32(offset)) }
    @inline(__always) public func ipv6(_ offset: Int) -> IPv6Address {
        IPv6Address(hi: be64(offset), lo: be64(offset + 8))
    }
}

extension UnsafeMutableRawPointer {
    @inline(__always) public func be8(_ offset: Int) -> UInt8 { UnsafeRawPointer(self).be8(offset) }
    @inline(__always) public func be16(_ offset: Int) -> UInt16 { UnsafeRawPointer(self).be16(offset) }
    @inline(__always) public func be32(_ offset: Int) -> UInt32 { UnsafeRawPointer(self).be32(offset) }
    @inline(__always) public func be64(_ offset: Int) -> UInt64 { UnsafeRawPointer(self).be64(offset) }
    @inline(__always) public func mac(_ offset: Int) -> MACAddress { UnsafeRawPointer(self).mac(offset) }
    @inline(__always) public func ipv4(_ offset: Int) -> IPv4Address { UnsafeRawPointer(self).ipv4(offset) }
    @inline(__always) public func ipv6(_ offset: Int) -> IPv6Address { UnsafeRawPointer(self).ipv6(offset) }

    @inline(__always) public func setBE8(_ offset: Int, _ v: UInt8) { storeBytes(of: v, toByteOffset: offset, as: UInt8.self) }
    @inline(__always) public func setBE16(_ offset: Int, _ v: UInt16) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt16.self)
    }
    @inline(__always) public func setBE32(_ offset: Int, _ v: UInt32) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
    }
    @inline(__always) public func setBE64(_ offset: Int, _ v: UInt64) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt64.self)
    }
    @inline(__always) public func setMAC(_ offset: Int, _ m: MACAddress) {
        setBE16(offset, UInt16(truncatingIfNeeded: m.raw >> 32))
        setBE32(offset + 2, UInt32(truncatingIfNeeded: m.raw))
    }
    @inline(__always) public func setIPv4(_ offset: Int, _ a: IPv4Address) { setBE32(offset, a.raw) }
    @inline(__always) public func setIPv6(_ offset: Int, _ a: IPv6Address) {
        setBE64(offset, a.hi)
        setBE64(offset + 8, a.lo)
    }
}
