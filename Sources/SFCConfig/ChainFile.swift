// Entry points: read a chain file, validate it, compile it.
import Foundation
import SFCCore

/// How strict a compile is about files that are consistent but lose traffic.
public struct ChainFileOptions: Sendable, Equatable {
    /// How to report an NSH chain whose TTL runs out before the end of its
    /// path (every packet dropped as TTL expired): nil says nothing.
    public var ttlShortfall: Diagnostic.Severity?

    public init(ttlShortfall: Diagnostic.Severity? = .warning) { self.ttlShortfall = ttlShortfall }

    /// What the dataplanes load with: such a chain is a warning (a fixture
    /// chain may expire packets on purpose).
    public static let standard = ChainFileOptions()
    /// `chain-trace check`: such a chain is an error.
    public static let strict = ChainFileOptions(ttlShortfall: .error)
}

public enum ChainFile {
    /// Reads and compiles `path`. A missing or unreadable file is a diagnostic.
    /// `config` is nil iff there is at least one error.
    public static func load(path: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file"
            return (nil, [Diagnostic(severity: .error, file: path, line: 1, column: 1, message: reason)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(severity: .error, file: path, line: 1, column: 1, message: "file is not UTF-8 text")])
        }
        return parse(text: text, file: path, options: options)
    }

    /// Compiles chain-file text; `file` is only used in diagnostics.
    public static func parse(text: String, file: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
        let (config, _, diagnostics) = parseWithLab(text: text, file: file, options: options)
        return (config, diagnostics)
    }

    /// As `load`, plus the resolved `lab:` section (nil when the file has none or has errors).
    public static func loadWithLab(path: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, lab: LabDescription?, diagnostics: [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let (config, diagnostics) = load(path: path, options: options)
            return (config, nil, diagnostics)
        }
        return parseWithLab(text: text, file: path, options: options)
    }

    public static func parseWithLab(text: String, file: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, lab: LabDescription?, diagnostics: [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        guard let spec = ChainFileParser(sink: sink).parse(text: text) else { return (nil, nil, sink.sorted) }
        let lab = spec.lab.map { ValidatorLab(spec: spec, lab: $0, sink: sink) }
        lab?.run()
        guard let config = compile(spec, options: options, sink: sink) else { return (nil, nil, sink.sorted) }
        return (config, lab?.resolve(), sink.sorted)
    }

    private static func compile(_ spec: ChainFileSpec, options: ChainFileOptions, sink: DiagnosticSink) -> CompiledConfig? {
        let names = NameTables(spec: spec, sink: sink)
        ValidatorReferences(spec: spec, names: names, sink: sink).run()
        ValidatorRoutes(spec: spec, sink: sink).run()
        ValidatorInterfaces(spec: spec, sink: sink).run()
        ValidatorChains(spec: spec, names: names, sink: sink).run()
        TTLBudget(spec: spec, severity: options.ttlShortfall, sink: sink).run()
        ValidatorSIDs(spec: spec, sink: sink).run()
        ValidatorAttachments(spec: spec, names: names, sink: sink).run()
        ValidatorDPDK(spec: spec, names: names, sink: sink).run()
        let rules = RuleCompiler(spec: spec, names: names).compile()
        reportShadowedRules(rules, spec: spec, sink: sink)
        UsageCheck(spec: spec, sink: sink).run()

        guard !sink.hasErrors else { return nil }
        do {
            let config = try Compiler(spec: spec, names: names, rules: rules).compile()
            MTUCheck(config: config, spec: spec, sink: sink).run()
            DeliveryCheck(config: config, spec: spec, rules: rules, sink: sink).run()
            return config
        } catch let incomplete as Compiler.Incomplete {
            sink.error("internal: \(incomplete.what) missing after validation", at: incomplete.position)
        } catch {
            sink.error("internal: \(error)", at: .start)
        }
        return nil
    }

    /// A rule is an error only if every compiled copy of it (one per address
    /// family) is covered by an earlier rule.
    private static func reportShadowedRules(_ rules: [RuleCompiler.Compiled], spec: ChainFileSpec, sink: DiagnosticSink) {
        let covering = RuleShadowing.coveringRules(rules.map(\.rule))
        var coveredBy: [Int: Int] = [:]      // spec index -> covering compiled index
        var uncovered: Set<Int> = []
        for (index, compiled) in rules.enumerated() {
            if let by = covering[index] {
                if coveredBy[compiled.specIndex] == nil { coveredBy[compiled.specIndex] = by }
            } else {
                uncovered.insert(compiled.specIndex)
            }
        }
        for (specIndex, by) in coveredBy.sorted(by: { $0.key < $1.key }) where !uncovered.contains(specIndex) {
            let rule = spec.rules[specIndex]
            let earlier = spec.rules[rules[by].specIndex]
            sink.error("rule '\(rule.name.value)' can never match: rule '\(earlier.name.value)' (line \(earlier.position.line)) "
                       + "comes first and covers everything it matches", at: rule.position)
        }
    }
}
