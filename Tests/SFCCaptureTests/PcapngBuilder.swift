// Builds pcapng files block by block, in either byte order, for the reader tests.

struct PcapngBuilder {
    var bigEndian: Bool
    var bytes: [UInt8] = []

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    func u16(_ v: UInt16) -> [UInt8] {
        let b = [UInt8(v >> 8), UInt8(v & 0xFF)]
        return bigEndian ? b : b.reversed()
    }

    func u32(_ v: UInt32) -> [UInt8] {
        let b = (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * $0)) }
        return bigEndian ? b : b.reversed()
    }

    static func pad(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }

    /// type | total length | body | total length.
    mutating func block(_ type: UInt32, _ body: [UInt8]) {
        let padded = PcapngBuilder.pad(body)
        let total = UInt32(12 + padded.count)
        bytes += u32(type) + u32(total) + padded + u32(total)
    }

    /// A Section Header Block; switches this builder to `bigEndian` for what follows.
    mutating func section(bigEndian: Bool) {
        self.bigEndian = bigEndian
        block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(1) + u16(0) + [UInt8](repeating: 0xFF, count: 8))
    }

    /// An Interface Description Block with optional if_tsresol and if_tsoffset.
    mutating func interface(linkType: UInt16, snapLength: UInt32 = 0, tsresol: UInt8? = nil, tsoffset: Int64? = nil) {
        var body = u16(linkType) + u16(0) + u32(snapLength)
        // if_name first: an option the reader must step over.
        body += u16(2) + u16(3) + PcapngBuilder.pad(Array("et0".utf8))
        if let tsresol { body += u16(9) + u16(1) + [tsresol, 0, 0, 0] }
        if let tsoffset {
            let v = UInt64(bitPattern: tsoffset)
            body += u16(14) + u16(8) + u32(UInt32(v >> 32)) + u32(UInt32(v & 0xFFFF_FFFF))
            if !bigEndian {
                // A 64-bit option is little-endian as a whole: low word first.
                body.removeLast(8)
                body += u32(UInt32(v & 0xFFFF_FFFF)) + u32(UInt32(v >> 32))
            }
        }
        body += u16(0) + u16(0)
        block(1, body)
    }

    mutating func enhanced(interface: UInt32, ticks: UInt64, data: [UInt8], originalLength: Int? = nil) {
        block(6, u32(interface) + u32(UInt32(ticks >> 32)) + u32(UInt32(ticks & 0xFFFF_FFFF))
              + u32(UInt32(data.count)) + u32(UInt32(originalLength ?? data.count)) + PcapngBuilder.pad(data))
    }

    mutating func simple(data: [UInt8], originalLength: Int? = nil) {
        block(3, u32(UInt32(originalLength ?? data.count)) + PcapngBuilder.pad(data))
    }
}
