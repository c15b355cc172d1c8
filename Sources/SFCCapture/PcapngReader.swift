// pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks
//   type (32) | total length (32) | body ... | total length (32)
// A Section Header Block (SHB) starts each section and fixes its byte order
// through the magic 0x1A2B3C4D; Interface Description Blocks (IDB) number the
// interfaces of the section from 0; Enhanced (EPB), Simple (SPB) and the
// obsolete Packet Block carry packets. Other blocks are skipped.

enum Pcapng {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 0x0000_0001
    static let obsoletePacket: UInt32 = 0x0000_0002
    static let simplePacket: UInt32 = 0x0000_0003
    static let enhancedPacket: UInt32 = 0x0000_0006
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D

    /// Interface options this reader honours (draft-ietf-opsawg-pcapng s4.2).
    static let optionEnd: UInt16 = 0
    static let optionTimestampResolution: UInt16 = 9
    static let optionTimestampOffset: UInt16 = 14

    struct Interface {
        var linkType: UInt32
        var snapLength: UInt32
        /// if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds. Default 6.
        var resolution: UInt8 = 6
        var offsetSeconds: Int64 = 0

        /// Converts a timestamp in this interface's units to nanoseconds since the epoch.
        func nanoseconds(_ ticks: UInt64) -> UInt64 {
            let exponent = Int(resolution & 0x7F)
            var result: UInt64
            if resolution & 0x80 == 0 {
                if exponent <= 9 {
                    var scale: UInt64 = 1
                    for _ in 0..<(9 - exponent) { scale *= 10 }
                    result = ticks &* scale
                } else {
                    var divisor: UInt64 = 1
                    for _ in 0..<min(exponent - 9, 19) { divisor *= 10 }
                    result = ticks / divisor
                }
            } else if exponent >= 64 {
                result = 0
            } else {
                let seconds = ticks >> UInt64(exponent)
                let fraction = ticks & ((UInt64(1) << UInt64(exponent)) &- 1)
                let fractionNanos = Double(fraction) / Double(sign: .plus, exponent: exponent, significand: 1) * 1e9
                result = seconds &* 1_000_000_000 &+ UInt64(fractionNanos)
            }
            let offsetNanos = offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !offsetNanos.overflow else { return result }
            return offsetNanos.partialValue >= 0 ? result &+ UInt64(offsetNanos.partialValue)
                                                 : result &- UInt64(-offsetNanos.partialValue)
        }
    }

    static func recognise(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && ByteReader(bytes, bigEndian: true).u32(0)! == sectionHeader
    }

    static func read(_ bytes: [UInt8]) throws -> CaptureContents {
        var r = ByteReader(bytes)
        var contents = CaptureContents()
        var interfaces: [Interface] = []
        var offset = 0
        func truncated(_ have: Int, _ need: Int) {
            contents.warnings.append(CaptureError.truncatedRecord(offset: offset, have: have, need: need).description
                                     + "; kept the \(contents.packets.count) packet(s) before it")
        }
        while offset < bytes.count {
            guard r.has(offset, 8) else { truncated(bytes.count - offset, 8); break }
            var big = r
            big.bigEndian = true
            let type = big.u32(offset)!
            if type == sectionHeader {
                // The byte order of the new section comes from its magic, read both ways.
                guard r.has(offset, 12) else { truncated(bytes.count - offset, 12); break }
                if big.u32(offset + 8)! == byteOrderMagic {
                    r.bigEndian = true
                } else {
                    big.bigEndian = false
                    guard big.u32(offset + 8)! == byteOrderMagic else {
                        throw CaptureError.corruptBlock(offset: offset, reason: "section header without the byte-order magic 1A2B3C4D")
                    }
                    r.bigEndian = false
                }
                interfaces = []
            }
            let blockType = r.u32(offset)!
            let length = Int(r.u32(offset + 4)!)
            guard length >= 12, length % 4 == 0 else {
                throw CaptureError.corruptBlock(offset: offset, reason: "total length \(length) is not a multiple of 4 of at least 12")
            }
            guard r.has(offset, length) else { truncated(bytes.count - offset, length); break }
            guard r.u32(offset + length - 4)! == UInt32(length) else {
                throw CaptureError.corruptBlock(offset: offset,
                    reason: "trailing total length \(r.u32(offset + length - 4)!) differs from the leading \(length)")
            }
            switch blockType {
            case sectionHeader:
                guard length >= 28 else {
                    throw CaptureError.corruptBlock(offset: offset, reason: "section header of \(length) bytes, at least 28 needed")
                }
                let major = r.u16(offset + 12)!
                guard major == 1 else {
                    throw CaptureError.corruptBlock(offset: offset, reason: "pcapng major version \(major), only 1 is known")
                }
            case interfaceDescription:
                guard length >= 20 else {
                    throw CaptureError.corruptBlock(offset: offset, reason: "interface description of \(length) bytes, at least 20 needed")
                }
                var interface = Interface(linkType: UInt32(r.u16(offset + 8)!), snapLength: r.u32(offset + 12)!)
                readInterfaceOptions(r, from: offset + 16, to: offset + length - 4, into: &interface)
                interfaces.append(interface)
            case enhancedPacket, obsoletePacket:
                guard length >= 32 else {
                    throw CaptureError.corruptBlock(offset: offset, reason: "packet block of \(length) bytes, at least 32 needed")
                }
                let index = blockType == enhancedPacket ? Int(r.u32(offset + 8)!) : Int(r.u16(offset + 8)!)
                guard index < interfaces.count else {
                    throw CaptureError.unknownInterface(offset: offset, interface: index, defined: interfaces.count)
                }
                let ticks = UInt64(r.u32(offset + 12)!) << 32 | UInt64(r.u32(offset + 16)!)
                let captured = Int(r.u32(offset + 20)!)
                let original = Int(r.u32(offset + 24)!)
                guard captured <= length - 32 else {
                    throw CaptureError.corruptBlock(offset: offset,
                        reason: "captured length \(captured) does not fit a block of \(length) bytes")
                }
                let interface = interfaces[index]
                contents.packets.append(CapturedPacket(
                    timestampNanoseconds: interface.nanoseconds(ticks), linkType: interface.linkType,
                    bytes: r.slice(offset + 28, captured)!, originalLength: max(original, captured)))
            case simplePacket:
                guard length >= 16 else {
                    throw CaptureError.corruptBlock(offset: offset, reason: "simple packet block of \(length) bytes, at least 16 needed")
                }
                guard let interface = interfaces.first else {
                    throw CaptureError.unknownInterface(offset: offset, interface: 0, defined: 0)
                }
                let original = Int(r.u32(offset + 8)!)
                var captured = min(original, length - 16)
                if interface.snapLength > 0 { captured = min(captured, Int(interface.snapLength)) }
                contents.packets.append(CapturedPacket(
                    timestampNanoseconds: 0, linkType: interface.linkType,
                    bytes: r.slice(offset + 12, captured)!, originalLength: original))
            default:
                break // Name resolution, statistics, custom blocks: not needed here.
            }
            offset += length
        }
        return contents
    }

    /// Reads if_tsresol and if_tsoffset; stops quietly at a malformed option.
    static func readInterfaceOptions(_ r: ByteReader, from start: Int, to end: Int, into interface: inout Interface) {
        var offset = start
        while offset + 4 <= end {
            let code = r.u16(offset)!
            let length = Int(r.u16(offset + 2)!)
            guard code != optionEnd, offset + 4 + length <= end else { return }
            if code == optionTimestampResolution, length >= 1 {
                interface.resolution = r.bytes[offset + 4]
            } else if code == optionTimestampOffset, length >= 8 {
                let hi = UInt64(r.u32(offset + 4 + (r.bigEndian ? 0 : 4))!)
                let lo = UInt64(r.u32(offset + 4 + (r.bigEndian ? 4 : 0))!)
                interface.offsetSeconds = Int64(bitPattern: hi << 32 | lo)
            }
            offset += 4 + (length + 3) / 4 * 4
        }
    }
}
