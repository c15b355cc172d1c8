// A scene's timeline: packets per second of each instance over time, with
// the events (scale-out, drain, a firewall killed, a flow moved), as a text
// chart for the terminal and as an SVG file (polylines, written here).
import Foundation

public struct Timeline: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        public var t: Double
        public var value: Double
        public init(t: Double, value: Double) { self.t = t; self.value = value }
    }
    public struct Series: Sendable, Equatable, Codable {
        public var name: String
        /// Oldest first; a series has no point where its instance did not run.
        public var points: [Point]
        public init(name: String, points: [Point]) { self.name = name; self.points = points }
    }
    public struct Event: Sendable, Equatable, Codable {
        public var t: Double
        public var label: String
        public init(t: Double, label: String) { self.t = t; self.label = label }
    }

    public var title: String
    public var unit: String
    public var series: [Series]
    public var events: [Event]

    public init(title: String, unit: String = "pps", series: [Series], events: [Event] = []) {
        self.title = title; self.unit = unit; self.series = series; self.events = events
    }

    /// Rates from counter samples: (t, counter) pairs -> (t, per-second rate between this and the previous sample).
    public static func rates(_ samples: [(t: Double, count: Int)]) -> [Point] {
        zip(samples, samples.dropFirst()).compactMap { a, b in
            b.t > a.t ? Point(t: b.t, value: Double(max(0, b.count - a.count)) / (b.t - a.t)) : nil
        }
    }

    var end: Double { max(series.flatMap { $0.points.map(\.t) }.max() ?? 0, events.map(\.t).max() ?? 0) }
    var peak: Double { series.flatMap { $0.points.map(\.value) }.max() ?? 0 }

    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One row per series, `width` columns over [0, end]: a column shows the
    /// mean of the points in it as a block of height value / peak (▁ is 0 to
    /// 1/8 of the peak), blank where the series has no point. A row of
    /// numbered marks under them places the events, listed below.
    public func text(width: Int = 60) -> String {
        let end = max(self.end, 1e-9), peak = self.peak
        let nameWidth = max(series.map(\.name.count).max() ?? 0, 6)
        func column(_ t: Double) -> Int { min(width - 1, max(0, Int(t / end * Double(width)))) }
        var out = "\(title)\n"
        out += "one column = \(Self.number(end / Double(width)))s, █ = \(Int(peak.rounded())) \(unit)\n"
        for s in series {
            var sums = [Double](repeating: 0, count: width), counts = [Int](repeating: 0, count: width)
            for p in s.points {
                sums[column(p.t)] += p.value
                counts[column(p.t)] += 1
            }
            var row = ""
            for i in 0..<width {
                if counts[i] == 0 { row += " "; continue }
                let mean = sums[i] / Double(counts[i])
                let level = peak > 0 ? min(7, Int(mean / peak * 8)) : 0
                row.append(Self.blocks[level])
            }
            let top = s.points.map(\.value).max() ?? 0
            out += s.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + " |" + row + "| peak \(Int(top.rounded())) \(unit)\n"
        }
        if !events.isEmpty {
            var marks = [Character](repeating: " ", count: width)
            for (i, e) in events.enumerated() {
                let c = column(e.t)
                marks[c] = marks[c] == " " ? Character(i < 9 ? "\(i + 1)" : "*") : "*"
            }
            out += "".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + " |" + String(marks) + "|\n"
        }
        let axisEnd = "\(Self.number(end))s"
        out += "".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  0s"
            + String(repeating: " ", count: max(1, width - 2 - axisEnd.count)) + axisEnd + "\n"
        for (i, e) in events.enumerated() {
            out += "  \(i < 9 ? "\(i + 1)" : "*") \(Self.number(e.t))s  \(e.label)\n"
        }
        return out
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The same chart as an SVG document: time on x, rate on y, one
    /// polyline per run of consecutive points of a series, a dashed line per
    /// event with its number, a legend with the events' text.
    public func svg(width: Int = 900, height: Int = 360) -> String {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let legendLines = series.count + events.count
        let total = Double(height) + Double(legendLines) * 18 + 10
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let end = max(self.end, 1e-9), peak = max(self.peak, 1)
        func x(_ t: Double) -> Double { left + t / end * plotW }
        func y(_ v: Double) -> Double { top + plotH - v / peak * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(Int(total))" viewBox="0 0 \(width) \(Int(total))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left))" y="22" font-size="15">\(Self.escape(title))</text>

            """
        // Axes and ticks.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        for i in 0...5 {
            let t = end * Double(i) / 5, v = peak * Double(i) / 5
            out += "<text x=\"\(f(x(t)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(Self.number(t))s</text>\n"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(Int(v.rounded()))</text>\n"
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(v)))\" stroke=\"#eeeeee\"/>\n"
        }
        out += "<text x=\"14\" y=\"\(f(top + plotH / 2))\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\" "
            + "text-anchor=\"middle\">\(Self.escape(unit))</text>\n"
        for (i, e) in events.enumerated() {
            out += "<line x1=\"\(f(x(e.t)))\" y1=\"\(f(top))\" x2=\"\(f(x(e.t)))\" y2=\"\(f(top + plotH))\" stroke=\"#777777\" "
                + "stroke-dasharray=\"4 3\"/>\n"
            out += "<text x=\"\(f(x(e.t) + 3))\" y=\"\(f(top + 12))\" fill=\"#444444\">\(i + 1)</text>\n"
        }
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            for run in Self.runs(s.points) {
                let points = run.map { "\(f(x($0.t))),\(f(y($0.value)))" }.joined(separator: " ")
                if run.count == 1 {
                    out += "<circle cx=\"\(f(x(run[0].t)))\" cy=\"\(f(y(run[0].value)))\" r=\"2\" fill=\"\(color)\"/>\n"
                } else {
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
                }
            }
        }
        var line = Double(height) + 8
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            out += "<rect x=\"\(f(left))\" y=\"\(f(line - 9))\" width=\"14\" height=\"4\" fill=\"\(color)\"/>\n"
            out += "<text x=\"\(f(left + 20))\" y=\"\(f(line))\">\(Self.escape(s.name))</text>\n"
            line += 18
        }
        for (i, e) in events.enumerated() {
            out += "<text x=\"\(f(left))\" y=\"\(f(line))\">\(i + 1)  \(Self.number(e.t))s  \(Self.escape(e.label))</text>\n"
            line += 18
        }
        return out + "</svg>\n"
    }

    /// Consecutive points, split where a gap is more than three times the series' usual step.
    static func runs(_ points: [Point]) -> [[Point]] {
        guard points.count > 1 else { return points.isEmpty ? [] : [points] }
        let steps = zip(points, points.dropFirst()).map { $1.t - $0.t }.sorted()
        let usual = steps[steps.count / 2]
        var runs: [[Point]] = [[points[0]]]
        for (a, b) in zip(points, points.dropFirst()) {
            if b.t - a.t > usual * 3 { runs.append([b]) } else { runs[runs.count - 1].append(b) }
        }
        return runs
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ v: Double) -> String {
        if v >= 10 || v == v.rounded() { return String(Int(v.rounded())) }
        return String(format: v >= 1 ? "%.1f" : "%.2f", v)
    }
}
