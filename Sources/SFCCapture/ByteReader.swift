// Bounds-checked integer reads from a byte array in a chosen byte order.
// Every read returns nil past the end; nothing here can trap.

struct ByteReader {
    let bytes: [UInt8]
    var bigEndian: Bool

    init(_ bytes: [UInt8], bigEndian: Bool = false) {
        self.bytes = bytes
        self.bigEndian = bigEndian
    }

    var count: Int { bytes.count }

    func has(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && bytes.count - offset >= length
    }

    func u16(_ offset: Int) -> UInt16? {
        guard has(offset, 2) else { return nil }
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(_ offset: Int) -> UInt32? {
        guard has(offset, 4) else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[offset + (bigEndian ? i : 3 - i)])
            v = v << 8 | byte
        }
        return v
    }

    func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard has(offset, length) else { return nil }
        return Array(bytes[offset..<(offset + length)])
    }
}

/// Appends integers in a chosen byte order (for the writers and tests).
struct ByteWriter {
    var bytes: [UInt8] = []
    var bigEndian: Bool

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    mutating func u16(_ v: UInt16) {
        let b = [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        bytes += bigEndian ? b : b.reversed()
    }

    mutating func u32(_ v: UInt32) {
        let b = (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * $0)) }
        bytes += bigEndian ? b : b.reversed()
    }
}
