// `run` forwards until SIGTERM and exits cleanly with its counters; start-up
// problems are errors that name the port and say what to do.
import Foundation
@testable import SFCTestSupport
import Testing
import SFCCapture
import SFCConfig
import SFCCore

@Suite(.serialized) struct DPDKCommandTests {
    static let chainFile = Forwarder.repositoryRoot + "/Chains/hospital-edge.yaml"

    func devices(_ config: CompiledConfig, except skip: Int? = nil, replacing: (Int, String)? = nil) -> [String] {
        config.ports.indices.compactMap { p in
            if p == skip { return nil }
            if let (rp, device) = replacing, rp == p { return "--device=\(config.ports[p].name)=\(device)" }
            return "--device=\(config.ports[p].name)=net_null\(p)"
        }
    }

    @Test func runForwardsUntilSIGTERMThenPrintsCountersAndExitsZero() throws {
        guard Forwarder.ready() else { return }
        let config = try #require(ChainFile.load(path: Self.chainFile).config)
        let ingress = try #require(config.ports.firstIndex { !$0.trusted })
        let packets = try #require(DPDKReplayTests.mixedCaptures(config)[ingress])
        let dir = Forwarder.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PcapWriter.write(path: dir + "/in.pcap", packets: packets, resolution: .microseconds)
        var args = ["run", "--config", Self.chainFile, "--dataplane", "dpdk", "--json"]
        for (p, port) in config.ports.enumerated() {
            let rx = p == ingress ? "rx_pcap=\(dir)/in.pcap," : ""
            args.append("--device=\(port.name)=net_pcap\(p),\(rx)tx_pcap=\(dir)/\(port.name).pcap")
        }
        let r = try Forwarder.run(args, signalAfter: 3)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try Forwarder.json(r.stdout)
        let ports = try #require(json["ports"] as? [String: [String: Any]])
        #expect(ports[config.ports[ingress].name]?["rx"] as? Int == packets.count)
        let tx = ports.values.reduce(0) { $0 + ($1["tx"] as? Int ?? 0) }
        let drops = (json["drops"] as? [String: Int] ?? [:]).values.reduce(0, +)
        #expect(tx + drops == packets.count && tx > 0)
        // What the counters say was sent is what the devices wrote.
        for port in config.ports {
            let written = (try? CaptureReader.read(path: "\(dir)/\(port.name).pcap").count) ?? 0
            #expect(written == ports[port.name]?["tx"] as? Int, "port \(port.name)")
        }
    }

    @Test func runTakesItsDevicesFromTheChainFilesDPDKSection() throws {
        guard Forwarder.ready() else { return }
        let config = try #require(ChainFile.load(path: Self.chainFile).config)
        let ingress = try #require(config.ports.firstIndex { !$0.trusted })
        let packets = try #require(DPDKReplayTests.mixedCaptures(config)[ingress])
        let dir = Forwarder.temporaryDirectory("yaml")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PcapWriter.write(path: dir + "/in.pcap", packets: packets, resolution: .microseconds)
        var yaml = try String(contentsOfFile: Self.chainFile, encoding: .utf8)
        yaml += "\ndpdk:\n  lcores: [0]\n  hugepages: auto\n  memory-mb: 256\n  ports:\n"
        for (p, port) in config.ports.enumerated() {
            let rx = p == ingress ? "rx_pcap=\(dir)/in.pcap," : ""
            yaml += "    - {port: \(port.name), device: \"net_pcap\(p),\(rx)tx_pcap=\(dir)/\(port.name).pcap\", rx-ring: 256, tx-ring: 256}\n"
        }
        try yaml.write(toFile: dir + "/chain.yaml", atomically: true, encoding: .utf8)
        let r = try Forwarder.run(["run", "--config", dir + "/chain.yaml", "--json"], signalAfter: 2)
        #expect(r.status == 0, "\(r.stderr)")
        let ports = try #require(try Forwarder.json(r.stdout)["ports"] as? [String: [String: Any]])
        #expect(ports[config.ports[ingress].name]?["rx"] as? Int == packets.count)
    }

    @Test func aPortWithoutADeviceIsAClearError() throws {
        guard Forwarder.ready() else { return }
        let config = try #require(ChainFile.load(path: Self.chainFile).config)
        let last = config.ports.count - 1
        let r = try Forwarder.run(["run", "--config", Self.chainFile] + devices(config, except: last))
        #expect(r.status == 1)
        #expect(r.stderr.contains("port '\(config.ports[last].name)' has no DPDK device"), "\(r.stderr)")
        #expect(r.stderr.contains("--device \(config.ports[last].name)=DEVICE"))
    }

    @Test func aDeviceThatDoesNotExistIsAClearError() throws {
        guard Forwarder.ready() else { return }
        let config = try #require(ChainFile.load(path: Self.chainFile).config)
        let name = config.ports[0].name
        // No such driver: caught before EAL starts.
        var r = try Forwarder.run(["run", "--config", Self.chainFile] + devices(config, replacing: (0, "net_nosuchdriver0")))
        #expect(r.status == 1)
        #expect(r.stderr.contains("device 'net_nosuchdriver0' of port '\(name)' does not exist"), "\(r.stderr)")
        #expect(r.stderr.contains("net_af_packet"))
        // A PCI address with no device behind it: EAL starts, the port is not there.
        r = try Forwarder.run(["run", "--config", Self.chainFile] + devices(config, replacing: (0, "0000:7f:1f.7")))
        #expect(r.status == 1)
        #expect(r.stderr.contains("device '0000:7f:1f.7' of port '\(name)' does not exist"), "\(r.stderr)")
        #expect(r.stderr.contains("dpdk-devbind"))
        // A driver that refuses its arguments (a capture that is not there).
        r = try Forwarder.run(["run", "--config", Self.chainFile]
                              + devices(config, replacing: (0, "net_pcap0,rx_pcap=/nonexistent/in.pcap")))
        #expect(r.status == 1)
        #expect(r.stderr.contains("of port '\(name)' does not exist"), "\(r.stderr)")
    }

    @Test func aMempoolThatDoesNotFitIsAClearError() throws {
        guard Forwarder.ready() else { return }
        let config = try #require(ChainFile.load(path: Self.chainFile).config)
        let r = try Forwarder.run(["run", "--config", Self.chainFile, "--memory", "64"] + devices(config))
        #expect(r.status == 1)
        #expect(r.stderr.contains("more than the 64 MiB given to EAL"), "\(r.stderr)")
    }
}
