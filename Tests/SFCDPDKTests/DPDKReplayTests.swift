// replay with the reference and with the DPDK dataplane over the same mixed
// capture (a packet for every chain of every file in Chains/, built as
// `chain-trace simulate --chain` builds it, in several sizes and bursts,
// plus malformed packets) writes identical files and identical counts.
import Foundation
@testable import SFCTestSupport
import Testing
import SFCCapture
import SFCConfig
import SFCCore
@testable import SFCTrace

@Suite(.serialized) struct DPDKReplayTests {
    static var chainFiles: [String] {
        let dir = Forwarder.repositoryRoot + "/Chains"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir + "/" + $0 }
    }

    /// Per ingress port: the packets of every chain entering there, 40 of each
    /// (payload sizes 0...1400, so bursts fill and some frames exceed an MTU),
    /// then malformed ones.
    static func mixedCaptures(_ config: CompiledConfig) -> [Int: [CapturedPacket]] {
        let tables = ForwardingTables(config)
        var frames: [Int: [[UInt8]]] = [:]
        for chain in config.chains {
            guard let choice = try? PacketForChain.build(chain: chain.name, tables: tables) else { continue }
            for k in 0..<40 {
                let payload = (0..<(k * 37 % 1401)).map { UInt8(truncatingIfNeeded: $0 &+ k) }
                frames[choice.ingress, default: []].append(
                    PacketBuilder.frame(destination: config.ports[choice.ingress].mac, endpoints: choice.spec.endpoints,
                                        transport: choice.spec.transport, payload: payload, dscp: choice.spec.dscp))
            }
        }
        var out: [Int: [CapturedPacket]] = [:]
        for (ingress, list) in frames {
            let good = list[0]
            var all = list
            all.append(Array(good.prefix(20)))                                            // truncated IPv4
            all.append(Array(good.prefix(12)) + [0x08, 0x06] + Array(repeating: 0, count: 28))  // ARP
            var badIHL = good; badIHL[14] = 0x41; all.append(badIHL)                      // IHL 1
            all.append(Array(good.prefix(12)) + [0x89, 0x4F] + Array(repeating: 0, count: 24))  // NSH on an untrusted port
            all.append(Array(good.prefix(10)))                                            // runt
            out[ingress] = all.enumerated().map {
                CapturedPacket(timestampNanoseconds: 1_700_000_000_000_000_000 + UInt64($0.offset) * 1_234_567, bytes: $0.element)
            }
        }
        return out
    }

    @Test func replayOnDPDKWritesTheSameFilesAndCountsAsTheReference() throws {
        guard Forwarder.ready() else { return }
        let files = Self.chainFiles
        #expect(!files.isEmpty)
        var replays = 0
        for file in files {
            let config = try #require(ChainFile.load(path: file).config, "\(file) does not load")
            for (ingress, packets) in Self.mixedCaptures(config).sorted(by: { $0.key < $1.key }) {
                let dir = Forwarder.temporaryDirectory("replay")
                defer { try? FileManager.default.removeItem(atPath: dir) }
                try PcapWriter.write(path: dir + "/in.pcap", packets: packets)
                var results: [String: [String: Any]] = [:]
                for dataplane in ["reference", "dpdk"] {
                    let r = try Forwarder.run(["replay", "--config", file, "--dataplane", dataplane,
                                               "--ingress", config.ports[ingress].name, "--input", dir + "/in.pcap",
                                               "--output-dir", dir + "/" + dataplane, "--json"])
                    #expect(r.status == 0, "\(dataplane) \(file): \(r.stderr)")
                    results[dataplane] = try Forwarder.json(r.stdout)
                }
                let where_ = "\((file as NSString).lastPathComponent) ingress \(config.ports[ingress].name)"
                let reference = try #require(results["reference"]), dpdk = try #require(results["dpdk"])
                #expect(reference["input_packets"] as? Int == packets.count)
                for key in ["input_packets", "forwarded", "dropped", "skipped", "counters"] {
                    #expect(NSDictionary(dictionary: reference).value(forKey: key) as? NSObject
                            == NSDictionary(dictionary: dpdk).value(forKey: key) as? NSObject, "\(where_): \(key) differs")
                }
                let refFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/reference").sorted()
                let dpdkFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/dpdk").sorted()
                #expect(refFiles == dpdkFiles, "\(where_): output files differ")
                #expect(!refFiles.isEmpty, "\(where_): nothing was forwarded")
                for name in refFiles where dpdkFiles.contains(name) {
                    let a = FileManager.default.contents(atPath: "\(dir)/reference/\(name)")
                    let b = FileManager.default.contents(atPath: "\(dir)/dpdk/\(name)")
                    #expect(a != nil && a == b, "\(where_): \(name) is not byte-identical")
                }
                replays += 1
            }
        }
        #expect(replays >= files.count)
    }
}
