// Names of one kind (ports, chains...) -> index of their first definition.
// A second definition is reported with the line of the first.

struct NameTable {
    private(set) var indices: [String: Int] = [:]
    private var positions: [String: SourcePosition] = [:]
    let kind: String

    /// Builds the table over `names` (nil for an item whose name was rejected).
    init(kind: String, names: [Located<String>?], sink: DiagnosticSink) {
        self.kind = kind
        for (index, name) in names.enumerated() {
            guard let name = name else { continue }
            if let first = positions[name.value] {
                sink.error("duplicate \(kind) name '\(name.value)' (first defined at line \(first.line))", at: name.position)
                continue
            }
            indices[name.value] = index
            positions[name.value] = name.position
        }
    }

    /// The index of a referenced name, reporting an unknown reference.
    @discardableResult
    func resolve(_ reference: Located<String>?, sink: DiagnosticSink, from context: String = "") -> Int? {
        guard let reference = reference else { return nil }
        guard let index = indices[reference.value] else {
            sink.error("unknown \(kind) '\(reference.value)'\(context.isEmpty ? "" : " in " + context)", at: reference.position)
            return nil
        }
        return index
    }
}

/// All the name tables of one file.
struct NameTables {
    var ports: NameTable
    var peers: NameTable
    var functions: NameTable
    var chains: NameTable
    var rules: NameTable
    var instances: NameTable

    init(spec: ChainFileSpec, sink: DiagnosticSink) {
        ports = NameTable(kind: "port", names: spec.ports.map(\.name), sink: sink)
        peers = NameTable(kind: "peer", names: spec.peers.map(\.name), sink: sink)
        functions = NameTable(kind: "function", names: spec.functions.map(\.name), sink: sink)
        chains = NameTable(kind: "chain", names: spec.chains.map(\.name), sink: sink)
        rules = NameTable(kind: "rule", names: spec.rules.map { Optional($0.name) }, sink: sink)
        // Instance names are unique file-wide: they name a VNF in counters and traces.
        instances = NameTable(kind: "instance", names: spec.functions.flatMap { $0.instances.map(\.name) }, sink: sink)
    }
}
