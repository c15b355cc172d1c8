// A classifier rule added to a running configuration (`chain-trace steer`):
// the chain file's rule syntax, one YAML mapping, checked with the file's
// own rules as if written after them. Its diagnostics name `source`
// (e.g. "steer:cam-7") and lines within its own text.
import SFCCore
import Yams

public struct SteeringRuleText: Sendable, Equatable {
    public var source: String
    public var text: String
    public init(source: String, text: String) { self.source = source; self.text = text }

    /// The `name` a rule's text gives, read before the rule is compiled (the
    /// daemon refuses a second rule of the same name); nil when the text is
    /// not a mapping with a scalar name. Nesting is checked first, as every
    /// parse of text from outside is: the composer recurses once per level,
    /// and a POST of "{{{{..." thousands deep overflowed the daemon's stack
    /// (found by the steer-rule fuzz target).
    public static func name(in text: String) -> String? {
        guard NestingLimit.violation(in: text) == nil, let node = try? Yams.compose(yaml: text),
              case .mapping(let m) = node, let value = m["name"], case .scalar(let s) = value else { return nil }
        return s.string
    }
}

extension ChainFileParser {
    /// What the dataplanes can count (BPF/include/sfc_tables.h).
    static var maxSteeringRules: Int { SharedSpec.SFC_MAX_WATCHED_RULES }

    func parseSteeringRule(_ steer: SteeringRuleText) -> RuleSpec? {
        SourcePosition.$currentFile.withValue(steer.source) {
            let start = SourcePosition(line: 1, column: 1, file: steer.source)
            if let (position, reason) = NestingLimit.violation(in: steer.text) {
                sink.error("YAML nesting too deep: \(reason)", at: SourcePosition(line: position.line, column: position.column, file: steer.source))
                return nil
            }
            let node: Node?
            do { node = try Yams.compose(yaml: steer.text) } catch {
                sink.error("not a YAML rule: \(error)".split(separator: "\n").joined(separator: " "), at: start)
                return nil
            }
            guard let node, case .mapping = node else {
                sink.error("a steering rule is one mapping in the chain file's rule syntax, e.g. {name: cam, chain: dpi, source: 10.1.5.7}", at: start)
                return nil
            }
            guard let rule = parseRule(node) else { return nil }
            guard case .mapping(let m) = node, m["name"] != nil else {
                sink.error("a steering rule needs a `name` (unsteer removes it by name)", at: rule.position)
                return nil
            }
            return rule
        }
    }
}
