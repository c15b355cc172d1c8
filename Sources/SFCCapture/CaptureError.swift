// Why a capture file could not be read. Every message names the byte offset
// where reading stopped, so a corrupt file can be inspected with a hex dump.

public enum CaptureError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case notACaptureFile(firstBytes: [UInt8])
    case truncatedFileHeader(have: Int, need: Int)
    case truncatedRecord(offset: Int, have: Int, need: Int)
    case corruptRecord(offset: Int, reason: String)
    case corruptBlock(offset: Int, reason: String)
    case unknownInterface(offset: Int, interface: Int, defined: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .notACaptureFile(first):
            let hex = first.map { byte in
                let s = String(byte, radix: 16)
                return s.count == 1 ? "0" + s : s
            }.joined(separator: " ")
            return "not a capture file: no pcap or pcapng magic number (first bytes: \(hex.isEmpty ? "none, the file is empty" : hex))"
        case let .truncatedFileHeader(have, need):
            return "truncated file header: \(have) of \(need) bytes"
        case let .truncatedRecord(offset, have, need):
            return "truncated record at byte \(offset): \(need) bytes announced, \(have) present (\(need - have) missing)"
        case let .corruptRecord(offset, reason):
            return "corrupt record at byte \(offset): \(reason)"
        case let .corruptBlock(offset, reason):
            return "corrupt pcapng block at byte \(offset): \(reason)"
        case let .unknownInterface(offset, interface, defined):
            return "pcapng packet block at byte \(offset) names interface \(interface), but only \(defined) interface(s) are defined"
        }
    }
}
