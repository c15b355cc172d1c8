// replay --dataplane dpdk: the capture goes through the real DPDK path.
// Every logical port is a net_pcap device; the ingress one reads the
// capture (rx_pcap=), each one writes what it sends (tx_pcap=). The main
// lcore polls until every packet has been received, processed and sent.
//
// net_pcap stamps what it writes with the time of sending, in a nanosecond
// file of its own format; so that both dataplanes' outputs compare byte for
// byte, the input is fed with each packet's index as its timestamp, a TX
// callback reads that index back from every sent mbuf, and the outputs are
// rewritten with the input packets' own timestamps.
import Foundation
import Logging
import SFCDaemon
import SFCCapture
import SFCCore
import SFCDPDK

enum DPDKReplay {
    struct Result {
        var summary: ReplaySummary
        var counters: Counters
        var notes: String
    }

    /// How long the input may stall before the replay gives up.
    static let stallSeconds = 20.0

    static func run(_ packets: [CapturedPacket], ingress: Int, tables: ForwardingTables, logger: Logger) throws -> Result {
        var summary = ReplaySummary()
        summary.inputPackets = packets.count
        var accepted: [CapturedPacket] = []
        for packet in packets {
            if let why = ReplayCommand.skipReason(packet) { summary.skipped[why, default: 0] += 1 } else { accepted.append(packet) }
        }
        let work = NSTemporaryDirectory() + "sfc-replay-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard !work.contains(","), !work.contains("=") else {
            throw DPDKError(.io, "the temporary directory \(work) contains ',' or '=', which DPDK device arguments cannot carry: set TMPDIR")
        }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Timestamp = index in microseconds: net_pcap hands it back in the mbuf's Rx timestamp field.
        let indexed = accepted.enumerated().map { CapturedPacket(timestampNanoseconds: UInt64($0.offset) * 1000, bytes: $0.element.bytes) }
        try PcapWriter.write(path: work + "/in.pcap", packets: indexed, resolution: .microseconds)

        let names = tables.ports.map(\.name)
        let devices: [DPDKPortConfig?] = names.indices.map { p in
            let rx = p == ingress ? "rx_pcap=\(work)/in.pcap," : ""
            return DPDKPortConfig(device: "net_pcap\(p),\(rx)tx_pcap=\(work)/tx\(p).pcap", rxDescriptors: 256, txDescriptors: 256)
        }
        let dpdk = DPDKConfig(lcores: [0], hugepages: .auto, memoryMB: 256, ealArguments: ["--log-level=notice", "--no-telemetry"], ports: devices)
        // Buffers as large as the reference pipeline's, so the same packets fit.
        let plan = DPDKRuntime.plan(descriptors: devices.count * 512, lcores: 1, ports: names.count,
                                    maxFrame: PacketBatch.defaultSlotSize - PacketBatch.defaultHeadroom)
        let runtime = try DPDKRuntime(config: dpdk, plan: plan, portNames: names, logger: logger)
        defer { runtime.shutdown() }
        let dataplane = try DPDKDataplane(runtime: runtime, tables: tables, devices: devices, lcores: [0], logger: logger)
        defer { dataplane.close() }
        let taps = try dataplane.ports.map { try TXTap(port: $0) }

        let worker = dataplane.workers[0]
        var received = 0
        var lastProgress = Date()
        while received < accepted.count {
            let n = worker.poll()
            received += n
            if n > 0 {
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > stallSeconds {
                throw DPDKError(.io, "net_pcap delivered \(received) of \(accepted.count) packets and then nothing for \(Int(stallSeconds)) s")
            }
        }
        dataplane.stopPorts()  // closes the tx_pcap files
        for tap in taps { tap.remove() }

        for (p, name) in names.enumerated() where !taps[p].values.isEmpty {
            let sent = try CaptureReader.read(path: "\(work)/tx\(p).pcap")
            let indices = taps[p].values
            guard sent.count == indices.count else {
                throw DPDKError(.io, "port \(name): net_pcap wrote \(sent.count) packets but tx_burst was handed \(indices.count)")
            }
            summary.outputs[name] = zip(sent, indices).map { packet, index in
                CapturedPacket(timestampNanoseconds: accepted[Int(index)].timestampNanoseconds, bytes: packet.bytes)
            }
            summary.forwarded[name] = sent.count
        }
        let counters = dataplane.counters
        for reason in DropReason.allCases where counters.drops(reason) > 0 {
            summary.dropped[reason.name] = Int(counters.drops(reason))
        }
        let stats = dataplane.stats
        var notes = ""
        let refused = stats.txRefused.reduce(0, +)
        if refused > 0 || stats.multiSegmentDropped > 0 || stats.multiSegmentLinearized > 0 {
            notes = "dpdk: tx refused \(refused), multi-segment linearized \(stats.multiSegmentLinearized), dropped \(stats.multiSegmentDropped)\n"
        }
        if runtime.pool.inUse != 0 { notes += "dpdk: \(runtime.pool.inUse) mbufs still in use after the replay\n" }
        return Result(summary: summary, counters: counters, notes: notes)
    }
}
