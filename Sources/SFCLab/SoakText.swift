// The soak's report as text: what ran, the per-minute table, what the
// columns mean, the outages, the generator's counts and the criteria.
import Foundation

struct SoakText {
    let result: SoakResult

    func render() -> String {
        let r = result, o = r.options
        var out = "sfc-lab soak: dataplane \(r.dataplane), \(r.config) (node \(r.node)), \(r.minutes.count) of \(o.minutes) minute(s)"
            + (o.minuteSeconds == 60 ? "" : " of \(ScalePolicy.format(o.minuteSeconds)) s") + "\n"
        out += "started \(r.started) on \(r.machine)\n"
        out += "load: \(ScalePolicy.format(o.pps)) datagrams/s client -> server over \(o.flows) UDP flows (each \(ScalePolicy.format(o.flowSeconds)) s, "
            + "then a new one), each echoed back; a reload every \(ScalePolicy.format(o.reloadSeconds)) s (two chain files in turn); "
            + "status, counters and /metrics every \(ScalePolicy.format(o.querySeconds)) s; \(r.pair.joined(separator: ", ")) (\(r.function)) "
            + "in turn lose their links for \(ScalePolicy.format(o.outageSeconds / 2)) s of every \(ScalePolicy.format(o.outageSeconds)) s\n\n"
        out += table()
        out += """

            sent: classified into a chain (both directions), delivered: at a chain's end, drops: per reason, from the forwarder's
            counters over the minute; lost = sent - delivered - drops (taken by no counter: lost, or in flight at a sample);
            outage: what the forwarder sent instances from just before their links went down until it had them down (the most
            an outage can lose); down: the vnfs whose links went down; RSS, fds, threads: /proc of sfc-forwarder at the minute's end
            (the least of three reads 0.1 s apart); reloads, queries: done (/failed); gen: the table generation.

            """
        out += outageLine() + trafficLine()
        let t = r.end.totals
        out += "after the traffic stopped: sent \(t.sent), delivered \(t.delivered), drops \(t.drops.isEmpty ? "none" : SoakJudge.list(t.drops)), "
            + "lost \(t.lost); sent into dead links \(r.outages.map(\.packets).reduce(0, +))\n\n"
        out += "criteria (minute \(r.criteria.baselineMinute - 1) is the warm-up, minute \(r.criteria.baselineMinute) the baseline):\n"
        for c in r.checks { out += "  [\(c.ok ? "ok" : "FAIL")] \(c.name): \(c.detail)\n" }
        out += r.ok ? "result: PASS\n" : "result: FAIL\n"
        return out
    }

    static let header = ["min", "sent", "delivered", "lost", "drops", "outage", "down", "RSS MiB", "fds", "threads", "reloads", "queries", "gen"]
    static let left: Set<Int> = [4, 6]

    func table() -> String {
        let rows = result.minutes.map { m -> [String] in
            [String(m.minute), String(m.sent), String(m.delivered), String(m.lost),
             m.drops.isEmpty ? "-" : SoakJudge.list(m.drops), String(m.outagePackets), m.outages.isEmpty ? "-" : m.outages.joined(separator: " "),
             String(format: "%.1f", Double(m.process.rssKiB) / 1024), String(m.process.fds), String(m.process.threads),
             m.reloadsFailed > 0 ? "\(m.reloads)/\(m.reloadsFailed)" : String(m.reloads),
             m.queriesFailed > 0 ? "\(m.queries)/\(m.queriesFailed)" : String(m.queries), String(m.generation)]
        }
        return Self.format([Self.header] + rows, left: Self.left)
    }

    /// Columns padded to their widest cell; numbers right-aligned, the `left` columns left-aligned.
    static func format(_ rows: [[String]], left: Set<Int>) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return left.contains(i) ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }

    func outageLine() -> String {
        let r = result
        func ms(_ v: [Double]) -> String {
            guard let lo = v.min(), let hi = v.max() else { return "-" }
            return String(format: "%.0f-%.0f ms", lo * 1000, hi * 1000)
        }
        let perVNF = r.pair.map { p in "\(p) \(r.outages.filter { $0.vnf == p }.count)" }.joined(separator: ", ")
        return "outages: \(r.outages.count) (\(perVNF)): taken out \(ms(r.outages.compactMap(\.detectedAfter))) after the links went down, "
            + "in again \(ms(r.outages.compactMap(\.backAfter))) after they came back (upper bounds: polled between reloads and queries)\n"
    }

    func trafficLine() -> String {
        guard let g = result.traffic else { return "traffic generator: no counts\n" }
        return "traffic generator (soak_udp.py): client sent \(g.clientSent), server received \(g.serverReceived) and echoed \(g.serverEchoed), "
            + "client received \(g.clientReceived); \(g.flows) flows"
            + (g.serverKernelReceived.map { "; the hosts' eth0 received: server \($0), client \(g.clientKernelReceived ?? 0)" } ?? "") + "\n"
    }
}
