// pcapng: sections in either byte order, several interfaces with their own
// link types and timestamp resolutions, simple packets, unknown blocks, and
// every kind of damage.
import Testing
@testable import SFCCapture

@Suite struct PcapngTests {
    /// Three interfaces: Ethernet in microseconds, raw IP in nanoseconds, IPv6 in 2^-20 s.
    func threeInterfaces(bigEndian: Bool) -> [UInt8] {
        var b = PcapngBuilder()
        b.section(bigEndian: bigEndian)
        b.interface(linkType: 1)
        b.interface(linkType: 101, tsresol: 9)
        b.block(0x0000_0BAD, [1, 2, 3, 4, 5])                  // a custom block: skipped
        b.interface(linkType: 229, tsresol: 0x80 | 20)
        b.enhanced(interface: 0, ticks: 1_700_000_000_000_001, data: frameA)
        b.enhanced(interface: 1, ticks: 1_700_000_000_000_000_002, data: frameB, originalLength: 2000)
        b.block(5, [0, 0, 0, 0])                               // interface statistics: skipped
        b.enhanced(interface: 2, ticks: 3 << 20 | 1 << 19, data: [0x60, 0, 0, 0])
        return b.bytes
    }

    @Test(arguments: [false, true])
    func severalInterfacesEitherByteOrder(bigEndian: Bool) throws {
        let read = try CaptureReader.read(bytes: threeInterfaces(bigEndian: bigEndian))
        #expect(read.count == 3)
        #expect(read.map(\.linkType) == [1, 101, 229])
        #expect(read.map(\.bytes) == [frameA, frameB, [0x60, 0, 0, 0]])
        #expect(read.map(\.timestampNanoseconds) == [1_700_000_000_000_001_000, 1_700_000_000_000_000_002, 3_500_000_000])
        #expect(read[1].originalLength == 2000)
    }

    @Test func sectionsMayChangeByteOrderAndRestartInterfaces() throws {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhanced(interface: 0, ticks: 1, data: frameA)
        b.section(bigEndian: true)
        b.interface(linkType: 101, tsoffset: 10)
        b.enhanced(interface: 0, ticks: 2, data: frameB)
        let read = try CaptureReader.read(bytes: b.bytes)
        #expect(read.map(\.linkType) == [1, 101])
        #expect(read.map(\.timestampNanoseconds) == [1_000, 10_000_002_000])
    }

    @Test func simplePacketBlockUsesInterfaceZero() throws {
        var b = PcapngBuilder()
        b.section(bigEndian: true)
        b.interface(linkType: 1, snapLength: 40)
        b.simple(data: frameA, originalLength: 60)
        let read = try CaptureReader.read(bytes: b.bytes)
        #expect(read.count == 1)
        #expect(read[0].bytes == Array(frameA.prefix(40)))
        #expect(read[0].originalLength == 60)
        #expect(read[0].timestampNanoseconds == 0)
    }

    @Test func packetBeforeAnyInterfaceIsAnError() {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhanced(interface: 3, ticks: 0, data: frameA)
        #expect(throws: CaptureError.unknownInterface(offset: 28 + 32, interface: 3, defined: 1)) {
            try CaptureReader.read(bytes: b.bytes)
        }
        var s = PcapngBuilder()
        s.section(bigEndian: false)
        s.simple(data: frameA)
        #expect(throws: CaptureError.unknownInterface(offset: 28, interface: 0, defined: 0)) { try CaptureReader.read(bytes: s.bytes) }
    }

    @Test func sectionWithoutByteOrderMagic() {
        var bytes = threeInterfaces(bigEndian: false)
        bytes[8] = 0
        #expect(throws: CaptureError.corruptBlock(offset: 0, reason: "section header without the byte-order magic 1A2B3C4D")) {
            try CaptureReader.read(bytes: bytes)
        }
    }

    @Test func blockLengthNotAMultipleOfFour() {
        var bytes = threeInterfaces(bigEndian: false)
        bytes[28 + 4] = 31                                    // first IDB's total length (little-endian low byte)
        #expect(throws: CaptureError.self) { try CaptureReader.read(bytes: bytes) }
    }

    @Test func trailingLengthMismatch() {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        var bytes = b.bytes
        bytes[bytes.count - 4] ^= 0x04
        do {
            _ = try CaptureReader.read(bytes: bytes)
            Issue.record("no error")
        } catch {
            #expect("\(error)".hasPrefix("corrupt pcapng block at byte 28: trailing total length"))
        }
    }

    @Test func capturedLengthLargerThanTheBlock() {
        var b = PcapngBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhanced(interface: 0, ticks: 0, data: [1, 2, 3, 4])
        var bytes = b.bytes
        bytes[bytes.count - 32 + 20 - 4] = 200                 // captured length of the EPB
        #expect(throws: CaptureError.self) { try CaptureReader.read(bytes: bytes) }
    }

    @Test func unsupportedMajorVersion() {
        var bytes = threeInterfaces(bigEndian: true)
        bytes[13] = 2
        #expect(throws: CaptureError.corruptBlock(offset: 0, reason: "pcapng major version 2, only 1 is known")) {
            try CaptureReader.read(bytes: bytes)
        }
    }

    @Test func truncatedLastBlockKeepsThePacketsBefore() throws {
        let bytes = threeInterfaces(bigEndian: true)
        let contents = try CaptureReader.load(bytes: Array(bytes.dropLast(3)))
        #expect(contents.packets.count == 2)
        #expect(contents.warnings.count == 1)
        #expect(contents.warnings[0].hasPrefix("truncated record at byte"))
    }

    /// Every cut of a valid file is handled: a CaptureError or a prefix of the packets, never a trap.
    @Test(arguments: [false, true])
    func everyTruncationLengthIsHandled(bigEndian: Bool) throws {
        let bytes = threeInterfaces(bigEndian: bigEndian)
        let all = try CaptureReader.read(bytes: bytes)
        for cut in 0..<bytes.count {
            do {
                let read = try CaptureReader.read(bytes: Array(bytes.prefix(cut)))
                #expect(all.starts(with: read), "cut \(cut)")
            } catch {
                #expect(error is CaptureError, "cut \(cut)")
            }
        }
    }

    /// Flipping any single byte never traps.
    @Test func everySingleByteCorruptionIsHandled() {
        let bytes = threeInterfaces(bigEndian: false)
        for i in 0..<bytes.count {
            for flip: UInt8 in [0xFF, 0x80, 0x01] {
                var damaged = bytes
                damaged[i] ^= flip
                _ = try? CaptureReader.load(bytes: damaged)
            }
        }
    }
}
