// sfc-forwarder replay with the reference dataplane: a mixed capture in,
// one capture per egress port out, every packet accounted for.
import Foundation
import Testing
import SFCCapture
import SFCConfig
@testable import SFCCore
@testable import SFCDaemon
@testable import SFCForwarder
@testable import SFCTrace

@Suite struct ReplayTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// One packet per chain of the file (built as `simulate --chain` does), plus malformed ones.
    func mixedCapture(_ config: CompiledConfig, ingress: Int) throws -> [CapturedPacket] {
        let tables = ForwardingTables(config)
        var frames: [[UInt8]] = []
        for chain in config.chains {
            guard let choice = try? PacketForChain.build(chain: chain.name, tables: tables), choice.ingress == ingress else { continue }
            frames.append(PacketBuilder.frame(destination: config.ports[ingress].mac, endpoints: choice.spec.endpoints,
                                              transport: choice.spec.transport, dscp: choice.spec.dscp))
        }
        let good = try #require(frames.first)
        frames.append(Array(good.prefix(20)))                         // truncated IPv4
        frames.append(Array(good.prefix(12)) + [0x08, 0x06] + Array(repeating: 0, count: 28))  // ARP
        var badIHL = good; badIHL[14] = 0x41; frames.append(badIHL)   // IHL 1
        return frames.enumerated().map { CapturedPacket(timestampNanoseconds: UInt64($0.offset) * 1000, bytes: $0.element) }
    }

    @Test func replayWritesOneCapturePerEgressPortAndCountsEveryPacket() throws {
        let file = Self.root + "/Chains/hospital-edge.yaml"
        let config = try #require(ChainFile.load(path: file).config)
        let ingress = try #require(config.ports.firstIndex { !$0.trusted })
        let packets = try mixedCapture(config, ingress: ingress)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try PcapWriter.write(path: dir + "/in.pcap", packets: packets)

        let result = ReplayCommand.run(ReplayOptions(config: file, dataplane: .reference, ingress: config.ports[ingress].name,
                                                     input: dir + "/in.pcap", outputDirectory: dir + "/out", json: true))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let forwarded = try #require(json["forwarded"] as? [String: Int])
        let dropped = try #require(json["dropped"] as? [String: Int])
        #expect(json["input_packets"] as? Int == packets.count)
        #expect(forwarded.values.reduce(0, +) + dropped.values.reduce(0, +) == packets.count)
        #expect(dropped["truncated"] == 1 && dropped["unsupported-ethertype"] == 1 && dropped["ipv4-bad-header"] == 1)

        // Each output file holds exactly what the pipeline sends on that port, in order.
        let pipeline = Pipeline(tables: ForwardingTables(config))
        var expected: [String: [[UInt8]]] = [:]
        for packet in packets {
            let r = pipeline.process(packet.bytes, ingress: ingress)
            if r.meta.verdict == .forward { expected[config.ports[Int(r.meta.egressPort)].name, default: []].append(r.output) }
        }
        #expect(Set(expected.keys) == Set(forwarded.keys))
        for (port, frames) in expected {
            let written = try CaptureReader.read(path: "\(dir)/out/\(port).pcap").map(\.bytes)
            #expect(written == frames, "port \(port)")
        }
    }

    @Test func unknownPortsAndUnbuiltDataplanesAreClearErrors() {
        let file = Self.root + "/Chains/hospital-edge.yaml"
        var r = ReplayCommand.run(ReplayOptions(config: file, dataplane: .reference, ingress: "nope", input: "/x", outputDirectory: "/tmp/x", json: false))
        #expect(r.exitCode == 1 && r.stderr.contains("unknown ingress port"))
        r = ReplayCommand.run(ReplayOptions(config: file, dataplane: .reference, ingress: "modalities", input: "/nonexistent.pcap",
                                            outputDirectory: "/tmp/x", json: false))
        #expect(r.exitCode == 1 && r.stderr.contains("nonexistent"))
        r = ReplayCommand.run(ReplayOptions(config: file, dataplane: .dpdk, ingress: "modalities", input: "/x", outputDirectory: "/tmp/x", json: false))
        #expect(r.exitCode == 2 && r.stderr.contains("dpdk"))
    }
}
