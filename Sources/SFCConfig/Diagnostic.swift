// Diagnostics: one problem found in a chain file, with the exact position of
// the YAML node it is about, rendered the way compilers do so editors can
// jump to it.

public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    public var severity: Severity
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars (as libyaml counts).
    public var column: Int
    public var message: String

    public init(severity: Severity, file: String, line: Int, column: Int, message: String) {
        self.severity = severity; self.file = file; self.line = line; self.column = column; self.message = message
    }

    /// `FILE:LINE:COL: error: message`, always one line: control characters
    /// in the file name or the message (which quotes names and values from
    /// the file) are escaped, so hostile text can neither cut the stream nor
    /// forge a diagnostic line.
    public var rendered: String {
        "\(Diagnostic.escaped(file)):\(line):\(column): \(severity.rawValue): \(Diagnostic.escaped(message))"
    }

    /// `text` with every control character written as an escape: `\n`,
    /// `\r`, `\t`, `\0`, else `\u{1b}` style. Escaped: C0 and C1 controls
    /// and DEL, the Unicode line and paragraph separators (U+2028, U+2029)
    /// and the bidirectional formatting characters (which can make a line
    /// read differently from what it says). A backslash is left as it is,
    /// so escaping twice changes nothing.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true          // C0, DEL, C1 (NEL U+0085 included)
        case 0x2028, 0x2029: return true                    // line / paragraph separator
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi controls
        default: return false
        }
    }
}

/// A position in the source text (1-based line and column).
public struct SourcePosition: Hashable, Sendable, Comparable {
    public var line: Int
    public var column: Int
    /// Set when the text is not the chain file itself (a rule steered in at
    /// run time): its diagnostics name this instead of the file.
    public var file: String? = nil
    /// What positions read from YAML get as `file` (see SteeringRuleText).
    @TaskLocal static var currentFile: String?
    static let start = SourcePosition(line: 1, column: 1)
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// A value read from the file together with where it was written.
public struct Located<Value> {
    public var value: Value
    public var position: SourcePosition
    public init(_ value: Value, at position: SourcePosition) { self.value = value; self.position = position }
}

/// Collects the diagnostics of one file while the layers run.
/// Public so section handlers report into the same, sorted, list.
public final class DiagnosticSink {
    public let file: String
    private(set) var items: [Diagnostic] = []
    private(set) var errorCount = 0

    init(file: String) { self.file = file }

    public func error(_ message: String, at position: SourcePosition) {
        errorCount += 1
        items.append(Diagnostic(severity: .error, file: position.file ?? file, line: position.line, column: position.column, message: message))
    }

    func warning(_ message: String, at position: SourcePosition) {
        items.append(Diagnostic(severity: .warning, file: position.file ?? file, line: position.line, column: position.column, message: message))
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, at position: SourcePosition) {
        switch severity {
        case .error: error(message, at: position)
        case .warning: warning(message, at: position)
        }
    }

    /// A diagnostic another sink made (ChainFileParseCache's), counted again.
    func replay(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { errorCount += 1 }
        items.append(diagnostic)
    }

    var hasErrors: Bool { errorCount > 0 }

    /// Diagnostics in source order (stable for equal positions), which is
    /// how people read them.
    var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            let ka = (a.element.line, a.element.column, a.offset)
            let kb = (b.element.line, b.element.column, b.offset)
            return ka < kb
        }.map(\.element)
    }
}
