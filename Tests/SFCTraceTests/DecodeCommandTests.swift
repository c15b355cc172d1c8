// chain-trace decode end to end through the library: a file written by
// PcapWriter, text and JSON output, exit statuses.
import Foundation
import Testing
import SFCCapture
@testable import SFCTrace

extension DecodeTests {
@Suite struct Command {
    static let good = Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 100, si: 255, next: 1)
        + Build.ipv4(proto: 6, payload: Build.tcp(sport: 40000, dport: 104)))
    static let bad = Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 100, si: 255, ttl: 0, next: 1, version: 2)
        + Build.ipv4(proto: 6, payload: Build.tcp(sport: 40000, dport: 104)))

    func writeCapture(_ frames: [[UInt8]]) throws -> (dir: String, file: String) {
        let dir = ExternalTools.temporaryDirectory(prefix: "decode")
        let file = dir + "/in.pcap"
        try PcapWriter.write(path: file, packets: frames.enumerated().map {
            CapturedPacket(timestampNanoseconds: UInt64($0.offset) * 1_000_000_123, bytes: $0.element)
        })
        return (dir, file)
    }

    @Test func textOutputMarksViolationsAndCounts() throws {
        let (dir, file) = try writeCapture([Self.good, Self.bad])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = DecodeCommand.run(file: file, json: false)
        #expect(result.exitCode == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "packet 1  t=0.000000000  \(Self.good.count) bytes")
        #expect(lines.contains("  nsh  spi 100 si 255  ver 0 O 0 ttl 63 len 6 md 1 next 1  context 0x00000000 0x00000000 0x00000000 0x00000000"))
        #expect(lines.contains { $0.hasPrefix("packet 2  t=1.000000123") })
        #expect(lines.contains("  ! nsh: version 2, must be 0 [RFC 8300 s2.2]"))
        #expect(lines.contains("  ! nsh: TTL is 0: an SFF must not forward this packet [RFC 8300 s2.2]"))
        #expect(lines.last == "2 packet(s), 1 with violations (2 violation(s) in all)")
    }

    @Test func jsonOutputHasTheDocumentedShape() throws {
        let (dir, file) = try writeCapture([Self.good, Self.bad])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = DecodeCommand.run(file: file, json: true)
        #expect(result.exitCode == 0)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let packets = try #require(top["packets"] as? [[String: Any]])
        #expect(packets.count == 2)
        #expect(packets[0]["index"] as? Int == 1)
        #expect(packets[0]["length"] as? Int == Self.good.count)
        let layers = try #require(packets[0]["layers"] as? [[String: Any]])
        #expect(layers.map { $0["layer"] as? String } == ["ethernet", "nsh", "ipv4", "tcp"])
        #expect(layers[1]["spi"] as? Int == 100)
        #expect(layers[1]["si"] as? Int == 255)
        #expect(layers[1]["next_protocol"] as? Int == 1)
        #expect(layers[3]["dport"] as? Int == 104)
        #expect((packets[0]["violations"] as? [Any])?.isEmpty == true)
        let violations = try #require(packets[1]["violations"] as? [[String: Any]])
        #expect(violations.count == 2)
        #expect(violations[0]["reference"] as? String == "RFC 8300 s2.2")
        #expect(violations[0]["reason"] as? String == "nsh-bad-version")
        let summary = try #require(top["summary"] as? [String: Any])
        #expect(summary["packets"] as? Int == 2)
        #expect(summary["with_violations"] as? Int == 1)
    }

    @Test func unreadableFilesExitOne() throws {
        let dir = ExternalTools.temporaryDirectory(prefix: "decode")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = DecodeCommand.run(file: dir + "/nope.pcap", json: false)
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no such file"))
        #expect(FileManager.default.createFile(atPath: dir + "/text.pcap", contents: Data("hello, world\n".utf8)))
        let text = DecodeCommand.run(file: dir + "/text.pcap", json: true)
        #expect(text.exitCode == 1)
        #expect(text.stderr.contains("not a capture file"))
    }

    @Test func truncatedLastRecordIsAWarningNotAFailure() throws {
        let (dir, file) = try writeCapture([Self.good, Self.good])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try #require(FileManager.default.contents(atPath: file))
        try Data(bytes.dropLast(5)).write(to: URL(fileURLWithPath: file))
        let result = DecodeCommand.run(file: file, json: false)
        #expect(result.exitCode == 0)
        #expect(result.stdout.hasSuffix("1 packet(s), 0 with violations (0 violation(s) in all)\n"))
        #expect(result.stderr.contains("truncated record at byte"))
    }
}
}
