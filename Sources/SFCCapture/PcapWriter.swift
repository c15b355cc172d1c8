// Writes classic pcap files (one link type per file, Ethernet by default).
import Foundation

public enum PcapTimestampResolution: Sendable {
    case microseconds
    case nanoseconds
}

public struct PcapWriter {
    public let path: String
    public let linkType: UInt32
    public let resolution: PcapTimestampResolution
    private let handle: FileHandle

    /// Creates (or truncates) `path` and writes the file header.
    public init(path: String, linkType: UInt32 = LinkType.ethernet,
                resolution: PcapTimestampResolution = .nanoseconds, snapLength: UInt32 = 262_144) throws {
        self.path = path
        self.linkType = linkType
        self.resolution = resolution
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CaptureError.cannotWrite(path: path, reason: "cannot create the file")
        }
        self.handle = handle
        try append(PcapWriter.fileHeader(linkType: linkType, resolution: resolution, snapLength: snapLength))
    }

    public mutating func write(_ bytes: [UInt8], timestampNanoseconds: UInt64) throws {
        try write(CapturedPacket(timestampNanoseconds: timestampNanoseconds, linkType: linkType, bytes: bytes))
    }

    public mutating func write(_ packet: CapturedPacket) throws {
        try append(PcapWriter.record(packet, resolution: resolution))
    }

    public func close() {
        try? handle.close()
    }

    private func append(_ bytes: [UInt8]) throws {
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw CaptureError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// Writes `packets` to `path` in one go.
    public static func write(path: String, packets: [CapturedPacket], linkType: UInt32 = LinkType.ethernet,
                             resolution: PcapTimestampResolution = .nanoseconds) throws {
        var writer = try PcapWriter(path: path, linkType: linkType, resolution: resolution)
        defer { writer.close() }
        for packet in packets { try writer.write(packet) }
    }

    /// The whole file as bytes, in either byte order (tests use big-endian files).
    public static func encode(_ packets: [CapturedPacket], linkType: UInt32 = LinkType.ethernet,
                              resolution: PcapTimestampResolution = .nanoseconds, bigEndian: Bool = false) -> [UInt8] {
        var out = fileHeader(linkType: linkType, resolution: resolution, snapLength: 262_144, bigEndian: bigEndian)
        for packet in packets { out += record(packet, resolution: resolution, bigEndian: bigEndian) }
        return out
    }

    static func fileHeader(linkType: UInt32, resolution: PcapTimestampResolution, snapLength: UInt32,
                           bigEndian: Bool = false) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(resolution == .nanoseconds ? ClassicPcap.magicNanoseconds : ClassicPcap.magicMicroseconds)
        w.u16(2)            // version 2.4
        w.u16(4)
        w.u32(0)            // thiszone
        w.u32(0)            // sigfigs
        w.u32(snapLength)
        w.u32(linkType)
        return w.bytes
    }

    static func record(_ packet: CapturedPacket, resolution: PcapTimestampResolution, bigEndian: Bool = false) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        let seconds = packet.timestampNanoseconds / 1_000_000_000
        let nanos = packet.timestampNanoseconds % 1_000_000_000
        w.u32(UInt32(truncatingIfNeeded: seconds))
        w.u32(UInt32(resolution == .nanoseconds ? nanos : nanos / 1_000))
        w.u32(UInt32(packet.bytes.count))
        w.u32(UInt32(truncatingIfNeeded: max(packet.originalLength, packet.bytes.count)))
        return w.bytes + packet.bytes
    }
}
