// The YAML composer recurses once per nesting level, so a hostile file like
// "[[[[..." 100,000 deep would overflow the stack. No chain file needs more
// than a handful of levels: reject absurd nesting before parsing.
//
// The scan runs over the UTF-8 bytes (every character it looks for is
// ASCII): going through Characters cost a quarter of compiling a
// 100,000-rule file, and "\r\n" is a single Character, so CRLF files were
// one long line. Columns count Unicode scalars, as libyaml does.

enum NestingLimit {
    static let maxFlowDepth = 64
    static let maxIndent = 256
    static let maxDashesPerLine = 32

    /// The position of the first place that nests too deeply, with a reason.
    static func violation(in text: String) -> (SourcePosition, String)? {
        if let found = text.utf8.withContiguousStorageIfAvailable({ violation(inUTF8: $0) }) { return found }
        return Array(text.utf8).withUnsafeBufferPointer { violation(inUTF8: $0) }
    }

    private static func violation(inUTF8 bytes: UnsafeBufferPointer<UInt8>) -> (SourcePosition, String)? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n")
        let quote2 = UInt8(ascii: "\""), quote1 = UInt8(ascii: "'"), hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-")
        let openBracket = UInt8(ascii: "["), openBrace = UInt8(ascii: "{")
        let closeBracket = UInt8(ascii: "]"), closeBrace = UInt8(ascii: "}")
        let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")

        var flowDepth = 0
        var line = 1
        var i = 0
        let count = bytes.count
        while i <= count {
            // One line: bytes[i..<end].
            var end = i
            while end < count && bytes[end] != newline { end += 1 }
            var column = 0
            var indent = 0
            var atIndent = true
            var dashes = 0
            var quote: UInt8 = 0          // 0: not inside a quoted scalar
            var previous = space
            var j = i
            scan: while j < end {
                let ch = bytes[j]
                j += 1
                if ch & 0xC0 == 0x80 { continue }   // UTF-8 continuation byte: same scalar
                column += 1
                if atIndent {
                    if ch == space || ch == tab { indent += 1; previous = ch; continue }
                    atIndent = false
                    if indent > maxIndent {
                        return (SourcePosition(line: line, column: column), "indented more than \(maxIndent) columns")
                    }
                }
                if quote != 0 {
                    if ch == quote { quote = 0 }
                } else if ch == hash && (previous == space || previous == tab || column == 1) {
                    break scan
                } else if ch == quote2 || ch == quote1 {
                    if previous == space || previous == openBracket || previous == openBrace || previous == comma
                        || previous == colon {
                        quote = ch
                    }
                } else if ch == openBracket || ch == openBrace {
                    flowDepth += 1
                    if flowDepth > maxFlowDepth {
                        return (SourcePosition(line: line, column: column), "more than \(maxFlowDepth) nested [ ] or { }")
                    }
                } else if ch == closeBracket || ch == closeBrace {
                    flowDepth = max(0, flowDepth - 1)
                } else if ch == dash && (previous == space || column == 1) {
                    dashes += 1
                    if dashes > maxDashesPerLine {
                        return (SourcePosition(line: line, column: column), "more than \(maxDashesPerLine) nested lists on one line")
                    }
                }
                previous = ch
            }
            line += 1
            i = end + 1
        }
        return nil
    }
}
