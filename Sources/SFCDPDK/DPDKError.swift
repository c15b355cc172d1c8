// Start-up failures of the DPDK dataplane, each worded as what is wrong and
// how to fix it: the operator reads these, not a DPDK developer.

public struct DPDKError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case ealFailed, alreadyStarted, portWithoutDevice, deviceNotFound, portSetup, mempool, lcores, io
        /// A reload refused (a port change needs a restart) or not finished (an lcore not quiescent).
        case reload
        /// A live trace that could not be armed.
        case trace
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    public var description: String { message }
}
