// Bounds on the connections a listener holds (docs/SECURITY.md section 4):
// at most `maxConnections` open at once, the next one closed as soon as it
// is accepted; a connection with no request in progress that sends nothing
// for `idleSeconds` is closed. A request being answered (a trace may wait
// up to 300 s) is never cut. Both closings are counted per listener and
// exported (sfc_control_connections_*_total, docs/METRICS.md).
import Foundation
import NIOCore

public struct ConnectionLimits: Sendable, Equatable {
    public var maxConnections: Int
    public var idleSeconds: Double

    public init(maxConnections: Int, idleSeconds: Double) {
        self.maxConnections = maxConnections
        self.idleSeconds = idleSeconds
    }

    /// The control socket: chain-trace and automation, a few at a time.
    public static let control = ConnectionLimits(maxConnections: 64, idleSeconds: 60)
    /// The metrics listener: a few Prometheus servers (each keeps one connection).
    public static let metrics = ConnectionLimits(maxConnections: 16, idleSeconds: 60)
}

/// What a listener's connections did; shared by its connections' handlers.
public final class ConnectionLedger: @unchecked Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var open = 0
        public var accepted: UInt64 = 0
        /// Closed on accept: `maxConnections` were already open.
        public var refusedFull: UInt64 = 0
        /// Closed after `idleSeconds` with nothing asked.
        public var closedIdle: UInt64 = 0
        public init() {}
    }

    public let limits: ConnectionLimits
    // Guarded by `lock` (connections come and go on the server's event loop, readers are scrapes).
    private let lock = NSLock()
    private var state = Snapshot()

    public init(limits: ConnectionLimits) { self.limits = limits }

    public var snapshot: Snapshot { lock.withLock { state } }

    /// Takes a place for a new connection; false (counted) when all are taken.
    func open() -> Bool {
        lock.withLock {
            guard state.open < limits.maxConnections else { state.refusedFull += 1; return false }
            state.open += 1; state.accepted += 1
            return true
        }
    }

    func close() { lock.withLock { state.open -= 1 } }
    func idleClosed() { lock.withLock { state.closedIdle += 1 } }
}

/// First handler of every accepted connection: takes its place in the ledger or closes it.
final class ConnectionGate: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let ledger: ConnectionLedger
    private var admitted = false

    init(ledger: ConnectionLedger) { self.ledger = ledger }

    func channelActive(context: ChannelHandlerContext) {
        admitted = ledger.open()
        guard admitted else { context.close(promise: nil); return }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted { ledger.close(); admitted = false }
        context.fireChannelInactive()
    }
}
