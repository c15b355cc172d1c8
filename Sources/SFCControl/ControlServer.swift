// The control API's server: HTTP/1.1 over a Unix socket (SwiftNIO), created
// mode 0600 for the user running the forwarder, or 0660 and group-owned with
// --control-group; every connection's peer is checked (PeerCredentials). The
// same server type serves /metrics on a TCP address, without the peer check
// (Prometheus scrapes over TCP; bind it to loopback).
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

public final class ControlServer: @unchecked Sendable {
    public enum Address: Sendable, CustomStringConvertible {
        case unix(path: String, group: String?)
        case tcp(host: String, port: Int)
        public var description: String {
            switch self {
            case .unix(let path, _): return path
            case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            }
        }
    }

    public let address: Address
    /// Its connections: open now, refused as over the limit, closed as idle.
    public let ledger: ConnectionLedger
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let logger: Logger

    /// Binds and starts serving. A stale socket file at the path is replaced
    /// (the node lock already proves no other forwarder of the node runs).
    public init(address: Address, router: ControlRouter, limits: ConnectionLimits = .control, logger: Logger) throws {
        self.address = address
        self.logger = logger
        let ledger = ConnectionLedger(limits: limits)
        self.ledger = ledger
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var policy: PeerPolicy?
        var groupID: gid_t?
        if case .unix(let path, let groupName) = address {
            do {
                policy = try PeerPolicy(group: groupName)
            } catch {
                try? group.syncShutdownGracefully()
                throw error
            }
            groupID = policy?.groupID
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o755])
            }
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { [policy, logger] channel in
                let handler = ControlHTTPHandler(router: router, policy: policy, ledger: ledger, logger: logger)
                let idle = IdleStateHandler(readTimeout: .nanoseconds(Int64(limits.idleSeconds * 1e9)))
                return channel.pipeline.addHandlers([ConnectionGate(ledger: ledger), idle]).flatMap {
                    channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                }.flatMap {
                    channel.pipeline.addHandler(handler)
                }.flatMap {
                    guard policy != nil, let provider = channel as? SocketOptionProvider else {
                        if policy != nil { handler.setPeer(nil) }
                        return channel.eventLoop.makeSucceededVoidFuture()
                    }
                    let cred: EventLoopFuture<PeerCredentials.Raw> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                                      name: SocketOptionName(SO_PEERCRED))
                    return cred.map { c in handler.setPeer(PeerCredentials(pid: c.pid, uid: c.uid, gid: c.gid)) }
                        .flatMapErrorThrowing { _ in handler.setPeer(nil) }
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
        do {
            switch address {
            case .unix(let path, _):
                // Created with no permission for anyone but the owner from the start,
                // then opened to the group when asked (ControlSocketFile: not
                // through the umask, which is the whole process's).
                let fd = try ControlSocketFile.bindOwnerOnly(path)
                // The channel owns the descriptor from here, even when this fails.
                channel = try bootstrap.withBoundSocket(fd).wait()
                if let gid = groupID {
                    guard chown(path, getuid(), gid) == 0, chmod(path, 0o660) == 0 else {
                        let why = String(cString: strerror(errno))
                        try? channel.close().wait()
                        throw ControlError(500, "cannot give \(path) to the control group: \(why)")
                    }
                }
            case .tcp(let host, let port):
                channel = try bootstrap.bind(host: host, port: port).wait()
            }
        } catch {
            try? group.syncShutdownGracefully()
            if let e = error as? ControlError { throw e }
            throw ControlError(500, "cannot listen on \(address): \(error)")
        }
        self.group = group
    }

    /// The TCP port actually bound (for port 0).
    public var boundPort: Int? { channel.localAddress?.port }

    /// Stops listening, closes connections, removes the socket file.
    public func close() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        if case .unix(let path, _) = address { unlink(path) }
    }
}
