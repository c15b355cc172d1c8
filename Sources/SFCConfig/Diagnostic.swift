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

    /// `FILE:LINE:COL: error: message`
    public var rendered: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// A position in the source text (1-based line and column).
struct SourcePosition: Hashable, Sendable, Comparable {
    var line: Int
    var column: Int
    static let start = SourcePosition(line: 1, column: 1)
    static func < (a: SourcePosition, b: SourcePosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// A value read from the file together with where it was written.
struct Located<Value> {
    var value: Value
    var position: SourcePosition
    init(_ value: Value, at position: SourcePosition) { self.value = value; self.position = position }
}

/// Collects the diagnostics of one file while the layers run.
final class DiagnosticSink {
    let file: String
    private(set) var items: [Diagnostic] = []
    private(set) var errorCount = 0

    init(file: String) { self.file = file }

    func error(_ message: String, at position: SourcePosition) {
        errorCount += 1
        items.append(Diagnostic(severity: .error, file: file, line: position.line, column: position.column, message: message))
    }

    func warning(_ message: String, at position: SourcePosition) {
        items.append(Diagnostic(severity: .warning, file: file, line: position.line, column: position.column, message: message))
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
