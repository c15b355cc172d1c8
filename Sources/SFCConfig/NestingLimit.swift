// The YAML composer recurses once per nesting level, so a hostile file like
// "[[[[..." 100,000 deep would overflow the stack. No chain file needs more
// than a handful of levels: reject absurd nesting before parsing.

enum NestingLimit {
    static let maxFlowDepth = 64
    static let maxIndent = 256
    static let maxDashesPerLine = 32

    /// The position of the first place that nests too deeply, with a reason.
    static func violation(in text: String) -> (SourcePosition, String)? {
        var flowDepth = 0
        var line = 1
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { line += 1 }
            var column = 0
            var indent = 0
            var atIndent = true
            var dashes = 0
            var quote: Character?
            var previous: Character = " "
            for ch in rawLine {
                column += 1
                if atIndent {
                    if ch == " " || ch == "\t" { indent += 1; previous = ch; continue }
                    atIndent = false
                    if indent > maxIndent {
                        return (SourcePosition(line: line, column: column), "indented more than \(maxIndent) columns")
                    }
                }
                if let q = quote {
                    if ch == q { quote = nil }
                } else if ch == "#" && (previous == " " || previous == "\t" || column == 1) {
                    break
                } else if ch == "\"" || ch == "'" {
                    if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" {
                        quote = ch
                    }
                } else if ch == "[" || ch == "{" {
                    flowDepth += 1
                    if flowDepth > maxFlowDepth {
                        return (SourcePosition(line: line, column: column), "more than \(maxFlowDepth) nested [ ] or { }")
                    }
                } else if ch == "]" || ch == "}" {
                    flowDepth = max(0, flowDepth - 1)
                } else if ch == "-" && (previous == " " || column == 1) {
                    dashes += 1
                    if dashes > maxDashesPerLine {
                        return (SourcePosition(line: line, column: column), "more than \(maxDashesPerLine) nested lists on one line")
                    }
                }
                previous = ch
            }
        }
        return nil
    }
}
