// A live trace record as chain-trace shows it: what the dataplane saw
// (ports, chain, instance, verdict, steps, the headers before and after),
// and the reference pipeline run on the same arriving frame, with every
// difference between the two (`compare`). A dataplane that records no
// steps for a packet gets the reference pipeline's (`steps_from`).
import Foundation
import SFCCore
import SFCTrace

package enum TraceRendering {
    package static func object(_ r: TraceRecord, tables: ForwardingTables) -> [String: Any] {
        let config = tables.config
        func port(_ p: Int?) -> String? { p.flatMap { $0 >= 0 && $0 < config.ports.count ? config.ports[$0].name : nil } }
        var o: [String: Any] = ["sequence": r.sequence, "generation": r.generation, "verdict": r.verdict.rawValue,
                                "ingress_length": r.ingressLength, "ingress_frame": hexBytes(r.ingressFrame)]
        o["ingress"] = port(r.ingress) ?? "port \(r.ingress)"
        let before = HeaderSummary(frame: r.ingressFrame)
        o["before"] = summary(before)
        if let reason = r.dropReason { o["drop_reason"] = reason.name }
        if let c = r.chain, c >= 0, c < tables.chains.count { o["chain"] = tables.chains[c].config.name }
        if let f = r.function, f >= 0, f < tables.functions.count {
            let function = tables.functions[f].config
            o["function"] = function.name
            if let i = r.instance, i >= 0, i < function.instances.count { o["instance"] = function.instances[i].name }
        }
        if r.verdict == .forward {
            o["egress"] = port(r.egress) ?? "port \(r.egress ?? -1)"
            o["egress_length"] = r.egressLength
            o["egress_frame"] = hexBytes(r.egressFrame)
            o["after"] = summary(HeaderSummary(frame: r.egressFrame))
        }
        // The reference pipeline on the same frame (the payload past the
        // recorded bytes does not change any decision: zeros stand in).
        var frame = r.ingressFrame
        if r.ingressLength > frame.count { frame += [UInt8](repeating: 0, count: r.ingressLength - frame.count) }
        if r.ingress >= 0 && r.ingress < config.ports.count {
            let (meta, out) = Pipeline(tables: tables).process(frame, ingress: r.ingress)
            o["steps"] = (r.steps ?? meta.trace.all).map(\.description)
            o["steps_from"] = r.steps == nil ? "reference pipeline" : "dataplane"
            var differences: [String] = []
            let simulatedVerdict = meta.verdict == .forward ? "forward" : "drop"
            if simulatedVerdict != r.verdict.rawValue { differences.append("verdict: live \(r.verdict.rawValue), simulate \(simulatedVerdict)") }
            if meta.verdict != .forward, r.verdict == .drop, meta.dropReason != r.dropReason {
                differences.append("drop reason: live \(r.dropReason?.name ?? "-"), simulate \(meta.dropReason?.name ?? "-")")
            }
            if meta.verdict == .forward, r.verdict == .forward {
                if Int(meta.egressPort) != r.egress {
                    differences.append("egress: live \(port(r.egress) ?? "-"), simulate \(port(Int(meta.egressPort)) ?? "-")")
                }
                let n = min(r.egressFrame.count, out.count)
                if out.count != r.egressLength || Array(out.prefix(n)) != Array(r.egressFrame.prefix(n)) {
                    differences.append("egress frame: live \(summary(HeaderSummary(frame: r.egressFrame))["text"] ?? "-") (\(r.egressLength) bytes), simulate \(HeaderSummary(frame: out).text) (\(out.count) bytes)")
                }
            }
            o["compare"] = differences
        }
        o["text"] = line(o, node: config.node.name)
        return o
    }

    /// One line, in simulate's words: "#3 modalities -> services hospital-edge-1 [classify+nsh-encap] chain dicom instance fw-1: IP to 10.50.1.5 => NSH spi 100 si 255 ttl 63".
    package static func line(_ o: [String: Any], node: String) -> String {
        let steps = (o["steps"] as? [String]).map { $0.joined(separator: ", ") } ?? ""
        var s = "#\(o["sequence"] ?? 0) \(o["ingress"] ?? "?") -> \(o["egress"] ?? "drop") \(node) [\(steps)]"
        if let chain = o["chain"] { s += " chain \(chain)" }
        if let instance = o["instance"] { s += " instance \(instance)" }
        let before = (o["before"] as? [String: Any])?["text"] ?? "-"
        if let after = (o["after"] as? [String: Any])?["text"] {
            s += ": \(before) => \(after)"
        } else {
            s += ": \(before) => dropped (\(o["drop_reason"] ?? "?"))"
        }
        return s
    }

    package static func summary(_ h: HeaderSummary) -> [String: Any] {
        var o = h.fields
        o["text"] = h.text
        return o
    }

}
