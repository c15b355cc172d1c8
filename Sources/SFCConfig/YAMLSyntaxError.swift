// Turns a Yams/libyaml error into a positioned diagnostic.
import Yams

enum YAMLSyntaxError {
    static func report(_ error: Error, text: String, sink: DiagnosticSink) {
        guard let yamlError = error as? YamlError else {
            sink.error("YAML syntax: \(error)", at: .start)
            return
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax: \(problem)"
            if let context = context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            sink.error(message, at: SourcePosition(line: max(1, mark.line), column: max(1, mark.column)))
        case .reader(let problem, let offset, _, _):
            sink.error("YAML syntax: \(problem)", at: position(ofUTF8Offset: offset, in: text))
        default:
            sink.error("YAML syntax: \(yamlError)", at: .start)
        }
    }

    /// libyaml's reader reports a byte offset; count lines and scalars to it.
    private static func position(ofUTF8Offset offset: Int?, in text: String) -> SourcePosition {
        guard let offset = offset, offset >= 0 else { return .start }
        var line = 1, column = 1, consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourcePosition(line: line, column: column)
    }
}
