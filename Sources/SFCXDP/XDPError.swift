// Failures of the XDP dataplane, worded for the operator: what is wrong and
// how to fix it (a missing object, a verifier rejection, a config over the
// BPF maps' limits, an interface that does not exist).

public struct XDPError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case objectNotFound, openFailed, loadFailed, verifierRejected, mapMissing, mapMismatch
        case configTooLarge, mapUpdate, interfaceMissing, attachFailed, bpffs, pin, run, frameTooShort, unsupported
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    public var description: String { message }
}

/// strerror for the negative errno values libbpf returns.
func errnoText(_ code: Int32) -> String {
    let e = code < 0 ? -code : code
    guard let text = strerror(e) else { return "errno \(e)" }
    return String(cString: text) + " (errno \(e))"
}

#if canImport(Glibc)
import Glibc
#endif
