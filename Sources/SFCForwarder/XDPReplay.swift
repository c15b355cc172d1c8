// replay --dataplane xdp: each packet of the capture through the XDP
// program with BPF_PROG_RUN, in order, on one loaded program; what it
// redirects is filed under the egress port.
import Logging
import SFCDaemon
import SFCCapture
import SFCCore
import SFCXDP

enum XDPReplay {
    static func run(_ packets: [CapturedPacket], ingress: Int, config: CompiledConfig,
                    objectPath: String? = nil, logger: Logger) throws -> (summary: ReplaySummary, counters: Counters) {
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: objectPath), logger: logger)
        let ports = config.ports.map(\.name)
        var summary = ReplaySummary()
        for packet in packets {
            summary.inputPackets += 1
            if let why = ReplayCommand.skipReason(packet) {
                summary.skipped[why, default: 0] += 1
                continue
            }
            let result: XDPRunResult
            do { result = try dataplane.run(packet.bytes, ingress: ingress) } catch let error as XDPError where error.kind == .frameTooShort {
                summary.dropped[DropReason.truncated.name, default: 0] += 1  // a runt no driver passes to XDP
                continue
            }
            switch result.outcome(ingress: ingress) {
            case .forward(let p):
                let port = p >= 0 && p < ports.count ? ports[p] : "port-\(p)"
                summary.forwarded[port, default: 0] += 1
                summary.outputs[port, default: []].append(CapturedPacket(timestampNanoseconds: packet.timestampNanoseconds,
                                                                         bytes: result.output))
            case .drop(let reason):
                summary.dropped[reason?.name ?? "code-\(result.reasonCode)", default: 0] += 1
            case .passed:
                summary.dropped["passed-to-kernel", default: 0] += 1
            case .consumed:
                summary.dropped["consumed", default: 0] += 1
            case .aborted:
                summary.dropped["xdp-aborted", default: 0] += 1
            }
        }
        return (summary, try dataplane.counters())
    }
}
