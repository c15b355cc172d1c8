// Top-level keys that SFCConfig accepts but does not interpret: another
// module (SFCLabConfig for `lab:`) registers a handler that parses and checks
// the section against the rest of the file, reporting into the same sink.
// SFCConfig thus knows the names of such keys, never their language.
import SFCCore
import Yams

/// Checks one top-level section. Called once, only when the file has the key
/// and the core parse succeeded, after the core validators ran and before
/// compiling: an error it reports makes the file fail, like a core error.
/// `file` is what the section may check against; `sink` takes its diagnostics.
public typealias SectionHandler = (_ section: Node, _ file: ChainFileContents, _ sink: DiagnosticSink) -> Void

/// A read-only view of the parsed (not yet compiled) file for section
/// handlers: only what they check against, as written.
public struct ChainFileContents {
    /// A function instance with what its function says about it.
    public struct Instance {
        public let name: String
        /// The name of the function the instance belongs to.
        public let function: String?
        public let kind: FunctionKind?
        public let port: String?
        public let mac: MACAddress?
        public let vlan: Int?
        /// `return-port` as written (nil when the instance returns on `port`).
        public let returnPort: String?
        public let sid: IPv6Address?
    }

    /// The names of the ports.
    public let portNames: Set<String>
    /// The names of the chains.
    public let chainNames: Set<String>
    /// The instances by name (if a name repeats, which the core reports, the last one).
    public let instances: [String: Instance]

    init(_ spec: ChainFileSpec) {
        portNames = Set(spec.ports.compactMap(\.name?.value))
        chainNames = Set(spec.chains.compactMap(\.name?.value))
        var table: [String: Instance] = [:]
        for f in spec.functions {
            for i in f.instances {
                guard let n = i.name?.value else { continue }
                table[n] = Instance(name: n, function: f.name?.value, kind: f.kind?.value, port: i.port?.value,
                                    mac: i.mac?.value, vlan: i.vlan?.value, returnPort: i.returnPort?.value, sid: i.sid?.value)
            }
        }
        instances = table
    }
}

extension ChainFile {
    /// Sections accepted (and skipped) even without a handler, so that a file
    /// written for a tool (sfc-lab) still loads in the others.
    static let reservedSections: Set<String> = ["lab"]
}
