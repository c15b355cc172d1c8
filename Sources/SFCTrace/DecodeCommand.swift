// chain-trace decode: read a pcap/pcapng file, dissect every packet, print
// text or JSON. Exit 0 when the file was read (violations are findings, not
// failures), 1 when it could not be read.
import SFCCapture
import SFCRuntime

public enum DecodeCommand {
    public static func run(file: String, json: Bool) -> CommandResult {
        let contents: CaptureContents
        do {
            contents = try CaptureReader.load(path: file)
        } catch let error as CaptureError {
            return CommandResult(stderr: "decode: \(error)\n", exitCode: 1)
        } catch {
            return CommandResult(stderr: "decode: \(file): \(error)\n", exitCode: 1)
        }
        let decoded = contents.packets.enumerated().map { index, packet in
            DecodedPacket(index: index + 1, packet: packet,
                          dissection: PacketDissector.dissect(packet.bytes, linkType: packet.linkType))
        }
        let warnings = contents.warnings.map { "decode: warning: \(file): \($0)\n" }.joined()
        let output = json ? DecodeJSON.render(decoded, warnings: contents.warnings) : DecodeText.render(decoded)
        return CommandResult(stdout: output, stderr: warnings, exitCode: 0)
    }
}

/// One packet of the file with what the dissector made of it.
public struct DecodedPacket: Sendable {
    /// 1-based, like Wireshark's frame number.
    public var index: Int
    public var packet: CapturedPacket
    public var dissection: Dissection
}
