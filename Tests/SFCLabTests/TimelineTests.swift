// The scenes' timeline: the text chart (one row of blocks per instance,
// events numbered under it) and the SVG (polylines, escaped labels, a
// well-formed document).
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SFCLab
import Testing

@Suite struct TimelineTests {
    static let timeline = Timeline(
        title: "pps of f",
        series: [.init(name: "i1", points: (1...10).map { .init(t: Double($0), value: Double($0) * 100) }),
                 .init(name: "i2", points: (6...10).map { .init(t: Double($0), value: 1000) })],
        events: [.init(t: 5, label: "scale-out: i2 <started> & added")])

    @Test func theTextChartHasARowPerInstanceScaledToThePeak() {
        let text = Self.timeline.text(width: 10)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "pps of f")
        #expect(lines[1] == "one column = 1s, █ = 1000 pps")
        // Column c holds t in [c, c+1): t = 1..9 in columns 1..9, t = 10 clamped into the last one (mean of 900 and 1000).
        #expect(lines[2] == "i1     | ▁▂▃▄▅▅▆▇█| peak 1000 pps", "\(lines[2])")
        #expect(lines[3] == "i2     |      ████| peak 1000 pps", "\(lines[3])")
        #expect(lines[4] == "       |     1    |")
        #expect(lines[5].hasPrefix("        0s ") && lines[5].hasSuffix("10s"))
        #expect(lines[6] == "  1 5s  scale-out: i2 <started> & added")
    }

    @Test func ratesFromCounterSamples() {
        let points = Timeline.rates([(0, 0), (0.5, 100), (1.0, 100), (1.5, 50)])
        #expect(points == [.init(t: 0.5, value: 200), .init(t: 1.0, value: 0), .init(t: 1.5, value: 0)])
    }

    @Test func theSVGIsWellFormedWithAPolylinePerRun() throws {
        let svg = Self.timeline.svg()
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        // The label is escaped, not markup.
        #expect(svg.contains("scale-out: i2 &lt;started&gt; &amp; added") && !svg.contains("<started>"))
        // A series with a hole is two polylines.
        var holed = Self.timeline
        holed.series = [.init(name: "x", points: [1, 2, 3, 10, 11, 12].map { .init(t: Double($0), value: 5) })]
        #expect(holed.svg().components(separatedBy: "<polyline").count - 1 == 2)
        // i1's first point (1 s, 100 pps): x = 70 + 1/10 of 810, y = 40 + 270 - 100/1000 of 270.
        #expect(svg.contains("points=\"151.0,283.0 "), "\(svg.prefix(2000))")

        final class Counter: NSObject, XMLParserDelegate {
            var elements: [String: Int] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements[name, default: 0] += 1
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.elements["svg"] == 1 && counter.elements["polyline"] == 2)
    }
}
