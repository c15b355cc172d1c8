// Classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
// a 24-byte file header, then records of a 16-byte header plus the data.
// Magic 0xA1B2C3D4 = microsecond, 0xA1B23C4D = nanosecond timestamps;
// read as the other byte order, the file was written on the other endianness.

enum ClassicPcap {
    static let magicMicroseconds: UInt32 = 0xA1B2_C3D4
    static let magicNanoseconds: UInt32 = 0xA1B2_3C4D
    static let fileHeaderSize = 24
    static let recordHeaderSize = 16
    /// Larger captured lengths than this are taken as corruption, not data.
    static let maximumRecordLength = 64 * 1024 * 1024

    /// The byte order and resolution the magic announces, or nil.
    static func recognise(_ bytes: [UInt8]) -> (bigEndian: Bool, nanoseconds: Bool)? {
        guard bytes.count >= 4 else { return nil }
        let be = ByteReader(bytes, bigEndian: true).u32(0)!
        let le = ByteReader(bytes, bigEndian: false).u32(0)!
        switch (be, le) {
        case (magicMicroseconds, _): return (true, false)
        case (magicNanoseconds, _): return (true, true)
        case (_, magicMicroseconds): return (false, false)
        case (_, magicNanoseconds): return (false, true)
        default: return nil
        }
    }

    static func read(_ bytes: [UInt8], bigEndian: Bool, nanoseconds: Bool) throws -> CaptureContents {
        guard bytes.count >= fileHeaderSize else {
            throw CaptureError.truncatedFileHeader(have: bytes.count, need: fileHeaderSize)
        }
        let r = ByteReader(bytes, bigEndian: bigEndian)
        // The low 16 bits are the link type; the upper bits may carry FCS information.
        let linkType = r.u32(20)! & 0xFFFF
        var contents = CaptureContents()
        var offset = fileHeaderSize
        while offset < bytes.count {
            guard r.has(offset, recordHeaderSize) else {
                contents.warnings.append(CaptureError.truncatedRecord(
                    offset: offset, have: bytes.count - offset, need: recordHeaderSize).description
                    + "; kept the \(contents.packets.count) packet(s) before it")
                break
            }
            let seconds = UInt64(r.u32(offset)!)
            let fraction = UInt64(r.u32(offset + 4)!)
            let included = Int(r.u32(offset + 8)!)
            let original = Int(r.u32(offset + 12)!)
            guard included <= maximumRecordLength else {
                throw CaptureError.corruptRecord(offset: offset,
                    reason: "captured length \(included) is larger than any packet (limit \(maximumRecordLength))")
            }
            let dataOffset = offset + recordHeaderSize
            guard let data = r.slice(dataOffset, included) else {
                contents.warnings.append(CaptureError.truncatedRecord(
                    offset: offset, have: bytes.count - dataOffset, need: included).description
                    + "; kept the \(contents.packets.count) packet(s) before it")
                break
            }
            let stamp = seconds &* 1_000_000_000 &+ (nanoseconds ? fraction : fraction &* 1_000)
            contents.packets.append(CapturedPacket(timestampNanoseconds: stamp, linkType: linkType,
                                                   bytes: data, originalLength: max(original, included)))
            offset = dataOffset + included
        }
        return contents
    }
}
