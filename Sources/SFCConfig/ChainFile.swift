// Entry points: read a chain file, validate it, compile it.
import Foundation
import SFCCore

/// How strict a compile is about files that are consistent but lose traffic.
public struct ChainFileOptions: Sendable, Equatable {
    /// How to report an NSH chain whose TTL runs out before the end of its
    /// path (every packet dropped as TTL expired): nil says nothing.
    public var ttlShortfall: Diagnostic.Severity?
    /// Check who may write the file (`ChainFile.ownershipDiagnostics`): the
    /// daemon, which runs as root, loads and reloads with it.
    public var checkOwnership: Bool

    public init(ttlShortfall: Diagnostic.Severity? = .warning, checkOwnership: Bool = false) {
        self.ttlShortfall = ttlShortfall
        self.checkOwnership = checkOwnership
    }

    /// What the dataplanes load with: such a chain is a warning (a fixture
    /// chain may expire packets on purpose).
    public static let standard = ChainFileOptions()
    /// `chain-trace check`: such a chain is an error.
    public static let strict = ChainFileOptions(ttlShortfall: .error)
    /// `sfc-forwarder run` and its reloads: `standard`, and the file's owner and mode checked.
    public static let daemon = ChainFileOptions(checkOwnership: true)
}

public enum ChainFile {
    /// Reads and compiles `path`. A missing or unreadable file is a diagnostic.
    /// `config` is nil iff there is at least one error. `sections` handles
    /// top-level keys SFCConfig does not know (see `SectionHandler`).
    public static func load(path: String, options: ChainFileOptions = .standard, sections: [String: SectionHandler] = [:])
        -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
        switch readText(path: path, checkOwnership: options.checkOwnership) {
        case .refused(let diagnostic): return (nil, [diagnostic])
        case .text(let text, let warnings):
            let (config, diagnostics) = parse(text: text, file: path, options: options, sections: sections)
            return (config, warnings + diagnostics)
        }
    }

    /// Compiles chain-file text; `file` is only used in diagnostics.
    /// `steering`: rules added at run time, checked with the file's rules as
    /// if written after them (precedence, shadowing, references).
    public static func parse(text: String, file: String, options: ChainFileOptions = .standard,
                             sections: [String: SectionHandler] = [:], steering: [SteeringRuleText] = [])
        -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        let keys = reservedSections.union(sections.keys)
        let parsed = ChainFileParseCache.shared.parsed(text: text, file: file, sections: keys) {
            let own = DiagnosticSink(file: file)
            return (ChainFileParser(sink: own, sections: keys).parse(text: text), own.items)
        }
        for diagnostic in parsed.diagnostics { sink.replay(diagnostic) }
        guard var spec = parsed.spec else { return (nil, sink.sorted) }
        ChainFileParser(sink: sink, sections: keys, steering: steering).addSteering(to: &spec)
        return (compile(spec, options: options, sections: sections, sink: sink), sink.sorted)
    }

    private static func compile(_ spec: ChainFileSpec, options: ChainFileOptions, sections: [String: SectionHandler],
                                sink: DiagnosticSink) -> CompiledConfig? {
        let names = NameTables(spec: spec, sink: sink)
        ValidatorReferences(spec: spec, names: names, sink: sink).run()
        ValidatorRoutes(spec: spec, sink: sink).run()
        ValidatorInterfaces(spec: spec, sink: sink).run()
        ValidatorChains(spec: spec, names: names, sink: sink).run()
        TTLBudget(spec: spec, severity: options.ttlShortfall, sink: sink).run()
        ValidatorSIDs(spec: spec, sink: sink).run()
        ValidatorAttachments(spec: spec, names: names, sink: sink).run()
        ValidatorHealth(spec: spec, sink: sink).run()
        ValidatorPairs(spec: spec, sink: sink).run()
        ValidatorDPDK(spec: spec, names: names, sink: sink).run()
        let hmacKeys = spec.node?.hmacKeys.flatMap {
            HMACKeyFile.load($0, chainFile: sink.file, checkOwnership: options.checkOwnership, sink: sink)
        }
        ValidatorHMAC(spec: spec, keys: hmacKeys, sink: sink).run()
        let flowHashSeed = spec.node?.flowHashKey.flatMap {
            FlowHashKeyFile.load($0, chainFile: sink.file, checkOwnership: options.checkOwnership, sink: sink)
        }
        let rules = RuleCompiler(spec: spec, names: names).compile()
        reportShadowedRules(rules, spec: spec, sink: sink)
        UsageCheck(spec: spec, sink: sink).run()
        // The sections' handlers, in key order so their diagnostics come out the same every time.
        if !spec.sections.isEmpty {
            let contents = ChainFileContents(spec)
            for (key, node) in spec.sections.sorted(by: { $0.key < $1.key }) { sections[key]?(node, contents, sink) }
        }

        guard !sink.hasErrors else { return nil }
        do {
            var config = try Compiler(spec: spec, names: names, rules: rules).compile()
            config.hmacKeys = hmacKeys ?? [:]
            config.flowHashSeed = flowHashSeed ?? FlowHash.seed
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
            // Overriding the file's rules for a while is what steering is for;
            // a steering rule that can never match is still an error.
            if rule.position.file == nil, let steering = earlier.position.file {
                sink.warning("rule '\(rule.name.value)' is overridden by steering rule '\(earlier.name.value)' (\(steering)) while that is active",
                             at: rule.position)
                continue
            }
            sink.error("rule '\(rule.name.value)' can never match: rule '\(earlier.name.value)' (line \(earlier.position.line)) "
                       + "comes first and covers everything it matches", at: rule.position)
        }
    }
}
