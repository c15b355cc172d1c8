// Reads a classic pcap or a pcapng file, whichever the first bytes announce.
import Foundation

/// What a capture file held, plus what was wrong with its end (a truncated
/// last record is dropped and reported here rather than thrown).
public struct CaptureContents: Sendable, Equatable {
    public var packets: [CapturedPacket] = []
    public var warnings: [String] = []
    public init(packets: [CapturedPacket] = [], warnings: [String] = []) {
        self.packets = packets; self.warnings = warnings
    }
}

public enum CaptureReader {
    /// The packets of a capture file; a truncated last record is dropped silently
    /// (use `load` to see the warning).
    public static func read(path: String) throws -> [CapturedPacket] { try load(path: path).packets }

    public static func read(bytes: [UInt8]) throws -> [CapturedPacket] { try load(bytes: bytes).packets }

    public static func load(path: String) throws -> CaptureContents {
        try load(bytes: readFile(path))
    }

    public static func load(bytes: [UInt8]) throws -> CaptureContents {
        if let format = ClassicPcap.recognise(bytes) {
            return try ClassicPcap.read(bytes, bigEndian: format.bigEndian, nanoseconds: format.nanoseconds)
        }
        if Pcapng.recognise(bytes) {
            return try Pcapng.read(bytes)
        }
        throw CaptureError.notACaptureFile(firstBytes: Array(bytes.prefix(8)))
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CaptureError.cannotOpen(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw CaptureError.cannotOpen(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptureError.cannotOpen(path: path, reason: "not readable")
        }
        return [UInt8](data)
    }
}
