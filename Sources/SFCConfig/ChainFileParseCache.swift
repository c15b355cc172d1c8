// The last chain-file text parsed, kept with what parsing it said. A
// steering change (POST /v1/steering, an unsteer, an expiry) recompiles the
// running file with a new list of run-time rules: the file's text is the
// same, so its YAML and spec are reused and only the steering rules are
// parsed again. Parsing was two thirds of a steering change's time.
import Foundation

final class ChainFileParseCache: @unchecked Sendable {
    static let shared = ChainFileParseCache()

    struct Entry {
        var text: String
        var file: String
        var sections: Set<String>
        var spec: ChainFileSpec?
        var diagnostics: [Diagnostic]
    }

    private let lock = NSLock()
    private var last: Entry?

    /// `parse`'s result for this text, file and set of section keys: from
    /// the cache when the last call had the same three, else made now.
    /// Texts are compared byte for byte: Swift's `==` takes "e\u{301}" for
    /// "é", but libyaml counts their columns differently.
    func parsed(text: String, file: String, sections: Set<String>,
                parse: () -> (ChainFileSpec?, [Diagnostic])) -> (spec: ChainFileSpec?, diagnostics: [Diagnostic]) {
        if let hit = lock.withLock({ last }), hit.sections == sections,
           hit.file.hasSameBytes(as: file), hit.text.hasSameBytes(as: text) {
            return (hit.spec, hit.diagnostics)
        }
        let (spec, diagnostics) = parse()
        lock.withLock { last = Entry(text: text, file: file, sections: sections, spec: spec, diagnostics: diagnostics) }
        return (spec, diagnostics)
    }
}
