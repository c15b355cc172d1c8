// Typed, positioned reads from Yams nodes. Every helper reports its own
// problem (wrong type, bad value, out of range) at the node it is about and
// returns nil, so parsers can keep going and report everything.
import SFCCore
import Yams

extension Node {
    /// Where the node starts in the file (1:1 when Yams kept no mark).
    public var position: SourcePosition {
        guard let mark = mark else { return SourcePosition(line: 1, column: 1, file: SourcePosition.currentFile) }
        return SourcePosition(line: mark.line, column: mark.column, file: SourcePosition.currentFile)
    }

    /// What a node is, for "expected X, found Y" messages.
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s): return ScalarText.isNull(s) ? "nothing" : "'\(ScalarText.shortened(s.string))'"
        }
    }
}

public enum ScalarText {
    /// YAML's spellings of null, for plain scalars only ("~" quoted is a string).
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        guard scalar.style == .plain || scalar.style == .any else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// Raw file text for a message: at most 40 characters, control
    /// characters escaped (see `Diagnostic.escaped`), so a message built
    /// from it stays one line wherever it is printed.
    public static func shortened(_ text: String) -> String {
        Diagnostic.escaped(text.count > 40 ? String(text.prefix(37)) + "..." : text)
    }
}

/// Reads one YAML mapping: rejects duplicate and unknown keys up front, then
/// hands out typed values by key. Public for section handlers (see
/// `ChainFileSection.swift`), so their messages read like the core's.
public struct MappingReader {
    let node: Node
    /// What the mapping describes ("port", "instance"), for messages.
    let what: String
    let sink: DiagnosticSink
    private var entries: [String: (key: Node, value: Node)] = [:]

    /// nil (after reporting) if `node` is not a mapping.
    public init?(_ node: Node, what: String, allowed: Set<String>, sink: DiagnosticSink) {
        self.node = node; self.what = what; self.sink = sink
        guard case .mapping(let mapping) = node else {
            sink.error("expected \(what) as a mapping, found \(node.kindDescription)", at: node.position)
            return nil
        }
        for (key, value) in mapping {
            guard case .scalar(let k) = key else {
                sink.error("keys must be plain words, found \(key.kindDescription)", at: key.position)
                continue
            }
            let name = k.string
            if let first = entries[name] {
                sink.error("duplicate key '\(ScalarText.shortened(name))' in \(what) (first at line \(first.key.position.line))",
                           at: key.position)
                continue
            }
            guard allowed.contains(name) else {
                sink.error("unknown key '\(ScalarText.shortened(name))' in \(what); expected one of: "
                           + allowed.sorted().joined(separator: ", "), at: key.position)
                continue
            }
            entries[name] = (key, value)
        }
    }

    public var position: SourcePosition { node.position }
    public func has(_ key: String) -> Bool { entries[key] != nil }
    public func value(_ key: String) -> Node? { entries[key]?.value }
    func keyPosition(_ key: String) -> SourcePosition? { entries[key]?.key.position }

    public func missing(_ key: String, reason: String = "") {
        sink.error("missing key '\(key)' in \(what)\(reason.isEmpty ? "" : ": " + reason)", at: position)
    }

    /// Reports the key as not allowed here (e.g. `sid` on an nsh-aware instance).
    public func notAllowed(_ key: String, reason: String) {
        guard let at = keyPosition(key) else { return }
        sink.error("key '\(key)' is not allowed in \(what): \(reason)", at: at)
    }

    // MARK: scalars

    /// The scalar text at `key`, reporting a missing key (if required) or a
    /// non-scalar / null value.
    public func text(_ key: String, required: Bool = false, expected: String = "a string") -> Located<String>? {
        guard let node = value(key) else {
            if required { missing(key) }
            return nil
        }
        return MappingReader.scalarText(node, expected: "\(expected) for '\(key)'", sink: sink)
    }

    public static func scalarText(_ node: Node, expected: String, sink: DiagnosticSink) -> Located<String>? {
        guard case .scalar(let scalar) = node, !ScalarText.isNull(scalar) else {
            sink.error("expected \(expected), found \(node.kindDescription)", at: node.position)
            return nil
        }
        return Located(scalar.string, at: node.position)
    }

    /// A name: `[A-Za-z0-9_.-]+`.
    public func name(_ key: String, required: Bool = false) -> Located<String>? {
        guard let t = text(key, required: required, expected: "a name") else { return nil }
        guard ValueParsers.isValidName(t.value) else {
            sink.error("bad name '\(ScalarText.shortened(t.value))' for '\(key)': use letters, digits, '_', '.', '-'",
                       at: t.position)
            return nil
        }
        return t
    }

    public func int(_ key: String, in range: ClosedRange<Int>, required: Bool = false) -> Located<Int>? {
        guard let t = text(key, required: required, expected: "an integer") else { return nil }
        return MappingReader.integer(t, key: key, in: range, sink: sink)
    }

    public static func integer(_ t: Located<String>, key: String, in range: ClosedRange<Int>, sink: DiagnosticSink) -> Located<Int>? {
        guard let v = ValueParsers.integer(t.value) else {
            sink.error("expected an integer for '\(key)', found '\(ScalarText.shortened(t.value))'", at: t.position)
            return nil
        }
        guard range.contains(v) else {
            sink.error("'\(key)' must be in \(range.lowerBound)..\(range.upperBound), found \(v)", at: t.position)
            return nil
        }
        return Located(v, at: t.position)
    }

    /// A duration with its unit (`100ms`, `1.5s`, `30s`, `24h`), in milliseconds.
    func duration(_ key: String, in range: ClosedRange<Int>) -> Located<Int>? {
        guard let t = text(key, expected: "a duration") else { return nil }
        let bounds = "\(ValueParsers.durationText(range.lowerBound))..\(ValueParsers.durationText(range.upperBound))"
        guard let v = ValueParsers.milliseconds(t.value) else {
            sink.error("bad duration '\(ScalarText.shortened(t.value))' for '\(key)': expected a number with a unit "
                       + "(ms, s, m or h), e.g. 100ms or 1.5s, in \(bounds)", at: t.position)
            return nil
        }
        guard range.contains(v) else {
            sink.error("'\(key)' must be in \(bounds), found \(ScalarText.shortened(t.value))", at: t.position)
            return nil
        }
        return Located(v, at: t.position)
    }

    func bool(_ key: String) -> Located<Bool>? {
        guard let t = text(key, expected: "true or false") else { return nil }
        switch t.value {
        case "true", "True", "TRUE": return Located(true, at: t.position)
        case "false", "False", "FALSE": return Located(false, at: t.position)
        default:
            sink.error("expected true or false for '\(key)', found '\(ScalarText.shortened(t.value))'", at: t.position)
            return nil
        }
    }

    /// One of a fixed set of words (an enum's raw values).
    public func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> Located<E>?
    where E.RawValue == String {
        guard let t = text(key, required: required) else { return nil }
        guard let v = E(rawValue: t.value) else {
            let options = E.allCases.map(\.rawValue).joined(separator: " | ")
            sink.error("bad value '\(ScalarText.shortened(t.value))' for '\(key)': expected \(options)", at: t.position)
            return nil
        }
        return Located(v, at: t.position)
    }

    /// A value with its own text syntax (MAC, address...). `what` names it in
    /// the message: "bad MAC address '...' for 'mac'".
    func parsed<T>(_ key: String, _ what: String, required: Bool = false, _ parse: (String) -> T?) -> Located<T>? {
        guard let t = text(key, required: required, expected: what) else { return nil }
        guard let v = parse(t.value) else {
            sink.error("bad \(what) '\(ScalarText.shortened(t.value))' for '\(key)'", at: t.position)
            return nil
        }
        return Located(v, at: t.position)
    }

    public func mac(_ key: String, required: Bool = false) -> Located<MACAddress>? {
        parsed(key, "MAC address", required: required, ValueParsers.mac)
    }
    public func ipv4(_ key: String, required: Bool = false) -> Located<IPv4Address>? {
        parsed(key, "IPv4 address", required: required, ValueParsers.ipv4)
    }
    func ipv6(_ key: String, required: Bool = false) -> Located<IPv6Address>? {
        parsed(key, "IPv6 address", required: required, ValueParsers.ipv6)
    }

    public func prefix(_ key: String, required: Bool = false) -> Located<IPPrefix>? {
        guard let t = text(key, required: required, expected: "a prefix") else { return nil }
        return MappingReader.prefix(t, key: key, sink: sink)
    }

    /// `t` as an IPv4 or IPv6 prefix (e.g. an item of a list at `key`), reporting a bad one.
    public static func prefix(_ t: Located<String>, key: String, sink: DiagnosticSink) -> Located<IPPrefix>? {
        switch ValueParsers.prefix(t.value) {
        case .success(let p): return Located(p, at: t.position)
        case .failure(let e):
            sink.error(e.message(for: ScalarText.shortened(t.value), key: key), at: t.position)
            return nil
        }
    }

    // MARK: collections

    /// The items of a list at `key` (reports a non-list value).
    public func list(_ key: String, required: Bool = false) -> [Node]? {
        guard let node = value(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .sequence(let seq) = node else {
            // An empty value (`key:`) reads as an empty list.
            if case .scalar(let s) = node, ScalarText.isNull(s) { return [] }
            sink.error("expected a list for '\(key)', found \(node.kindDescription)", at: node.position)
            return nil
        }
        return Array(seq)
    }
}
