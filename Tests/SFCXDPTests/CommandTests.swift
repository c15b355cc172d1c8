// The sfc-forwarder commands on the XDP dataplane: replay gives the
// reference's outputs and counters byte for byte; run --dataplane auto
// picks XDP when no port has a DPDK device; the repeat runner times.
import Foundation
import SFCCapture
import SFCCore
import SFCFixtures
import SFCForwarder
import SFCTrace
import SFCXDP
import Testing

@Suite struct CommandTests {
    @Test func replayOnXDPGivesTheReferenceOutputsAndCounters() throws {
        guard XDPTest.requireRoot() else { return }
        _ = try XDPTest.objectPath()
        let file = try FixtureFile.load(path: XDPTest.repositoryRoot + "/Tests/Fixtures/classifier.json")
        let packets = file.cases.filter { $0.ingressPort == "clients" }.enumerated().compactMap { i, c in
            FixtureFile.decodeHex(c.input).map { CapturedPacket(timestampNanoseconds: UInt64(i) * 1000, bytes: $0) }
        }
        #expect(packets.count > 10)
        let dir = NSTemporaryDirectory() + "sfc-xdp-replay-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PcapWriter.write(path: dir + "/in.pcap", packets: packets)
        var summaries: [DataplaneKind: [String: Any]] = [:]
        for kind in [DataplaneKind.reference, .xdp] {
            let r = ReplayCommand.run(ReplayOptions(config: XDPTest.repositoryRoot + "/" + file.config, dataplane: kind, ingress: "clients",
                                                    input: dir + "/in.pcap", outputDirectory: dir + "/\(kind.rawValue)", json: true))
            #expect(r.exitCode == 0, "\(kind): \(r.stderr)")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            json["dataplane"] = nil
            summaries[kind] = json
        }
        let reference = try JSONSerialization.data(withJSONObject: summaries[.reference] ?? [:], options: [.sortedKeys])
        let xdp = try JSONSerialization.data(withJSONObject: summaries[.xdp] ?? [:], options: [.sortedKeys])
        #expect(String(decoding: xdp, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
        let outputs = try FileManager.default.contentsOfDirectory(atPath: dir + "/reference").sorted()
        #expect(!outputs.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/xdp").sorted() == outputs)
        for name in outputs {
            let a = try CaptureReader.read(path: dir + "/reference/" + name).map(\.bytes)
            let b = try CaptureReader.read(path: dir + "/xdp/" + name).map(\.bytes)
            #expect(a == b, "\(name) differs between the reference and XDP")
        }
    }

    @Test func runAutoChoosesXDPWithoutDPDKDevicesAndNeedsInterfaces() throws {
        let r = RunCommand.run(RunOptions(config: XDPTest.repositoryRoot + "/Tests/Fixtures/configs/reference.yaml", dataplane: .auto),
                               logger: .init(label: "test"))
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("`interface:`") && r.stderr.contains("XDP"), "\(r.stderr)")
    }

    @Test func theRepeatRunnerTimesOnePacket() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config()
        let (bytes, ingressName) = try TableSwapTests.firstNSHCase()
        let ingress = try #require(config.portIndex(named: ingressName))
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let timed = try dataplane.benchmark(bytes, ingress: ingress, repeat: 1000)
        // The kernel reported a time (no bound on it: a test never asserts a duration).
        #expect(timed.nanoseconds > 0)
        #expect(try dataplane.counters().rxPackets[ingress] == 1000)
    }
}
