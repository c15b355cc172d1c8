// sfc-forwarder replay: every packet of a capture, as if received on one
// port, through a dataplane; what each port sends is written to
// DIR/<port>.pcap, and the counts per egress port and per drop reason are
// printed.
import Foundation
import Logging
import SFCDaemon
import SFCCapture
import SFCConfig
import SFCCore
import SFCRuntime
import SFCTrace

public enum DataplaneKind: String, CaseIterable, Sendable {
    case reference, dpdk, xdp, auto
}

public struct ReplayOptions: Sendable {
    public var config: String
    public var dataplane: DataplaneKind
    public var ingress: String
    public var input: String
    public var outputDirectory: String
    public var json: Bool
    /// XDP: the BPF object (--bpf-object); nil: beside the binary.
    public var bpfObject: String?
    public init(config: String, dataplane: DataplaneKind, ingress: String, input: String, outputDirectory: String, json: Bool,
                bpfObject: String? = nil) {
        self.config = config; self.dataplane = dataplane; self.ingress = ingress; self.input = input
        self.outputDirectory = outputDirectory; self.json = json; self.bpfObject = bpfObject
    }
}

/// What a replay produced, independent of how it is printed.
public struct ReplaySummary: Sendable {
    public var inputPackets = 0
    public var skipped: [String: Int] = [:]
    public var forwarded: [String: Int] = [:]
    public var dropped: [String: Int] = [:]
    public var outputs: [String: [CapturedPacket]] = [:]
}

public enum ReplayCommand {
    /// - Parameter allowEAL: the dpdk dataplane starts DPDK's EAL, which can
    ///   run once per process; only the sfc-forwarder binary passes true
    ///   (a test process calling this must not start it).
    public static func run(_ options: ReplayOptions, allowEAL: Bool = false, logger: Logger = Logger(label: "sfc-forwarder")) -> CommandResult {
        let (loaded, diagnostics) = ChainFile.load(path: options.config)
        guard let config = loaded else {
            return CommandResult(stderr: diagnostics.map(\.rendered).joined(separator: "\n"), exitCode: 1)
        }
        guard let ingress = config.portIndex(named: options.ingress) else {
            return CommandResult(stderr: "unknown ingress port '\(options.ingress)' (ports: \(config.ports.map(\.name).joined(separator: ", ")))",
                                 exitCode: 1)
        }
        switch options.dataplane {
        case .reference:
            break
        case .dpdk where allowEAL, .xdp:
            break
        case .dpdk:
            return CommandResult(stderr: "the dpdk dataplane starts DPDK's EAL, which runs once per process: "
                                 + "run it through the sfc-forwarder binary (`sfc-forwarder replay --dataplane dpdk ...`)", exitCode: 2)
        default:
            return CommandResult(stderr: "replay takes --dataplane reference, dpdk or xdp", exitCode: 2)
        }
        let contents: CaptureContents
        do { contents = try CaptureReader.load(path: options.input) } catch {
            return CommandResult(stderr: "\(error)", exitCode: 1)
        }
        let tables = ForwardingTables(config)
        let summary: ReplaySummary
        let counters: Counters
        var notes = ""
        if options.dataplane == .dpdk {
            do {
                let result = try DPDKReplay.run(contents.packets, ingress: ingress, tables: tables, logger: logger)
                summary = result.summary
                counters = result.counters
                notes = result.notes
            } catch {
                return CommandResult(stderr: "\(error)", exitCode: 1)
            }
        } else if options.dataplane == .xdp {
            do {
                (summary, counters) = try XDPReplay.run(contents.packets, ingress: ingress, config: config, objectPath: options.bpfObject, logger: logger)
            } catch {
                return CommandResult(stderr: "\(error)", exitCode: 1)
            }
        } else {
            let pipeline = Pipeline(tables: tables)
            summary = replay(contents.packets, ingress: ingress, pipeline: pipeline)
            counters = pipeline.counters
        }
        do {
            try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
            for (port, packets) in summary.outputs {
                try PcapWriter.write(path: options.outputDirectory + "/" + port + ".pcap", packets: packets)
            }
        } catch {
            return CommandResult(stderr: "cannot write to \(options.outputDirectory): \(error)", exitCode: 1)
        }
        let report = CountersReport(tables: tables, counters: counters)
        let warnings = contents.warnings.map { "warning: \($0)" }.joined(separator: "\n")
        if options.json {
            let object: [String: Any] = ["dataplane": options.dataplane.rawValue, "input_packets": summary.inputPackets,
                                         "forwarded": summary.forwarded, "dropped": summary.dropped,
                                         "skipped": summary.skipped, "counters": report.dictionary]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n", stderr: warnings)
        }
        var lines = ["\(summary.inputPackets) packets replayed on port \(options.ingress) through the \(options.dataplane.rawValue) dataplane"]
        for (port, n) in summary.forwarded.sorted(by: { $0.key < $1.key }) {
            lines.append("  sent on \(port): \(n) -> \(options.outputDirectory)/\(port).pcap")
        }
        for (reason, n) in summary.dropped.sorted(by: { $0.key < $1.key }) { lines.append("  dropped \(reason): \(n)") }
        for (why, n) in summary.skipped.sorted(by: { $0.key < $1.key }) { lines.append("  skipped (\(why)): \(n)") }
        return CommandResult(stdout: lines.joined(separator: "\n") + "\n\n" + report.text + notes, stderr: warnings)
    }

    /// Why a captured packet is not replayed (nil: it is). Both dataplanes skip the same packets.
    static func skipReason(_ packet: CapturedPacket) -> String? {
        if packet.linkType != LinkType.ethernet { return "link type \(packet.linkType) is not Ethernet" }
        if packet.bytes.count > PacketBatch.defaultSlotSize - PacketBatch.defaultHeadroom { return "larger than a packet buffer" }
        return nil
    }

    /// Runs the packets through the pipeline in bursts of 32.
    public static func replay(_ packets: [CapturedPacket], ingress: Int, pipeline: Pipeline) -> ReplaySummary {
        var summary = ReplaySummary()
        let ports = pipeline.tables.ports
        let batch = PacketBatch(capacity: 32)
        var timestamps: [UInt64] = []
        func flush() {
            pipeline.process(batch)
            for i in 0..<batch.count {
                let meta = batch.meta[i]
                if meta.verdict == .forward {
                    let port = ports[Int(meta.egressPort)].name
                    summary.forwarded[port, default: 0] += 1
                    summary.outputs[port, default: []].append(CapturedPacket(timestampNanoseconds: timestamps[i], bytes: batch.bytes(at: i)))
                } else {
                    summary.dropped[meta.dropReason?.name ?? "unknown", default: 0] += 1
                }
            }
            batch.reset()
            timestamps.removeAll(keepingCapacity: true)
        }
        for packet in packets {
            summary.inputPackets += 1
            if let why = skipReason(packet) {
                summary.skipped[why, default: 0] += 1
                continue
            }
            guard batch.append(packet.bytes, ingress: ingress) else {
                summary.skipped["larger than a packet buffer", default: 0] += 1
                continue
            }
            timestamps.append(packet.timestampNanoseconds)
            if batch.count == batch.capacity { flush() }
        }
        if batch.count > 0 { flush() }
        return summary
    }
}
