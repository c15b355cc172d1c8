// Classic pcap: what PcapWriter writes, CaptureReader reads back, in both byte
// orders and both timestamp resolutions; truncated and corrupt files.
import Foundation
import Testing
@testable import SFCCapture

let frameA: [UInt8] = Array(0..<60)
let frameB: [UInt8] = [0xFF, 0xEE] + [UInt8](repeating: 0x42, count: 100)

func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "sfc-capture-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)-\(name)"
}

@Suite struct ClassicPcapTests {
    let packets = [
        CapturedPacket(timestampNanoseconds: 1_700_000_000_123_456_789, bytes: frameA),
        CapturedPacket(timestampNanoseconds: 1_700_000_001_000_000_001, bytes: frameB, originalLength: 1500),
    ]

    @Test func fileRoundTripKeepsNanoseconds() throws {
        let path = temporaryPath("rt.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PcapWriter.write(path: path, packets: packets)
        #expect(try CaptureReader.read(path: path) == packets)
    }

    @Test func streamingWriterMatchesTheConvenience() throws {
        let path = temporaryPath("stream.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = try PcapWriter(path: path)
        try writer.write(frameA, timestampNanoseconds: 5)
        try writer.write(frameB, timestampNanoseconds: 6)
        writer.close()
        let read = try CaptureReader.read(path: path)
        #expect(read.map(\.bytes) == [frameA, frameB])
        #expect(read.map(\.timestampNanoseconds) == [5, 6])
        #expect(read.allSatisfy { $0.linkType == LinkType.ethernet })
    }

    @Test func microsecondFilesDropTheNanoseconds() throws {
        let bytes = PcapWriter.encode(packets, resolution: .microseconds)
        #expect(Array(bytes.prefix(4)) == [0xD4, 0xC3, 0xB2, 0xA1])
        let read = try CaptureReader.read(bytes: bytes)
        #expect(read.map(\.timestampNanoseconds) == [1_700_000_000_123_456_000, 1_700_000_001_000_000_000])
    }

    @Test(arguments: [false, true], [PcapTimestampResolution.microseconds, .nanoseconds])
    func bothByteOrdersReadTheSame(bigEndian: Bool, resolution: PcapTimestampResolution) throws {
        let bytes = PcapWriter.encode(packets, linkType: LinkType.raw, resolution: resolution, bigEndian: bigEndian)
        let magic: [UInt8] = resolution == .nanoseconds ? [0xA1, 0xB2, 0x3C, 0x4D] : [0xA1, 0xB2, 0xC3, 0xD4]
        #expect(Array(bytes.prefix(4)) == (bigEndian ? magic : magic.reversed()))
        let read = try CaptureReader.read(bytes: bytes)
        #expect(read.map(\.bytes) == [frameA, frameB])
        #expect(read.map(\.originalLength) == [60, 1500])
        #expect(read.allSatisfy { $0.linkType == LinkType.raw })
        #expect(read[1].isSnapped)
    }

    @Test func emptyFileWithOnlyAHeader() throws {
        #expect(try CaptureReader.read(bytes: PcapWriter.encode([])) == [])
    }

    @Test func notACaptureFile() {
        for bytes: [UInt8] in [[], Array("hello world, not a pcap".utf8), [0xA1, 0xB2]] {
            #expect(throws: CaptureError.notACaptureFile(firstBytes: Array(bytes.prefix(8)))) {
                try CaptureReader.read(bytes: bytes)
            }
        }
        let error = CaptureError.notACaptureFile(firstBytes: [0x68, 0x65])
        #expect(error.description.hasPrefix("not a capture file"))
    }

    @Test func truncatedFileHeader() {
        let bytes = Array(PcapWriter.encode([]).prefix(10))
        #expect(throws: CaptureError.truncatedFileHeader(have: 10, need: 24)) { try CaptureReader.read(bytes: bytes) }
    }

    @Test func truncatedLastRecordKeepsThePacketsBefore() throws {
        let bytes = PcapWriter.encode(packets)
        let cut = Array(bytes.dropLast(7))
        let contents = try CaptureReader.load(bytes: cut)
        #expect(contents.packets == [packets[0]])
        let secondRecord = 24 + 16 + frameA.count
        #expect(contents.warnings == ["truncated record at byte \(secondRecord): \(frameB.count) bytes announced, \(frameB.count - 7) present (7 missing); kept the 1 packet(s) before it"])
        // Cut inside the record header itself.
        let cutHeader = Array(bytes.prefix(secondRecord + 5))
        let headerOnly = try CaptureReader.load(bytes: cutHeader)
        #expect(headerOnly.packets == [packets[0]])
        #expect(headerOnly.warnings.first?.hasPrefix("truncated record at byte \(secondRecord): 16 bytes announced, 5 present") == true)
    }

    /// Every cut of a valid file either throws a CaptureError or returns a prefix of the packets.
    @Test func everyTruncationLengthIsHandled() {
        let bytes = PcapWriter.encode(packets, bigEndian: true)
        for cut in 0..<bytes.count {
            do {
                let read = try CaptureReader.read(bytes: Array(bytes.prefix(cut)))
                #expect(packets.starts(with: read), "cut \(cut)")
            } catch {
                #expect(error is CaptureError, "cut \(cut)")
                #expect(cut < 24, "cut \(cut): \(error)")
            }
        }
    }

    @Test func absurdCapturedLengthIsCorruption() {
        var bytes = PcapWriter.encode([packets[0]])
        bytes[24 + 8] = 0; bytes[24 + 9] = 0; bytes[24 + 10] = 0; bytes[24 + 11] = 0x7F   // incl_len 0x7F000000, little-endian
        #expect(throws: CaptureError.self) { try CaptureReader.read(bytes: bytes) }
        do { _ = try CaptureReader.read(bytes: bytes) } catch {
            #expect("\(error)".hasPrefix("corrupt record at byte 24: captured length"))
        }
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: CaptureError.cannotOpen(path: "/nonexistent/x.pcap", reason: "no such file")) {
            try CaptureReader.read(path: "/nonexistent/x.pcap")
        }
        #expect(throws: CaptureError.cannotOpen(path: "/tmp", reason: "is a directory")) { try CaptureReader.read(path: "/tmp") }
        #expect(throws: CaptureError.self) { try PcapWriter(path: "/nonexistent/dir/out.pcap") }
    }
}
