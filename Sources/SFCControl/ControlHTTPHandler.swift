// One HTTP/1.1 connection of the control (or metrics) server: checks the
// peer once when it connects, gathers each request (head and a body of at
// most `maxBody` bytes), runs the router off the event loop (a reload or a
// steer may take a while; the event loop never waits) and writes the answer.
// A connection that sends nothing for the listener's idle time while no
// request is being answered is closed (ConnectionLimits).
import Foundation
import Logging
import NIOCore
import NIOHTTP1

// Touched only on its channel's event loop (NIO's handler rule), hence @unchecked.
final class ControlHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBody = 1 << 20

    let router: ControlRouter
    let policy: PeerPolicy?
    let ledger: ConnectionLedger
    let logger: Logger
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    private var peer: PeerCredentials?
    private var refused: String?
    /// Requests handed to the router and not answered yet.
    private var answering = 0

    init(router: ControlRouter, policy: PeerPolicy?, ledger: ConnectionLedger, logger: Logger) {
        self.router = router; self.policy = policy; self.ledger = ledger; self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Half a request (a slow sender) is idle too; one being answered is not.
        guard answering == 0 else { return }
        ledger.idleClosed()
        context.close(promise: nil)
    }

    /// Called by the server once the peer's credentials are known (Unix socket only).
    func setPeer(_ credentials: PeerCredentials?) {
        peer = credentials
        guard let policy else { return }
        guard let credentials else {
            refused = "peer credentials unavailable (SO_PEERCRED failed): refused"
            logger.warning("control: \(refused!)")
            return
        }
        if let why = policy.refusal(credentials) {
            refused = why
            logger.warning("control: \(why)")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h; body.clear(); tooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > Self.maxBody { tooLarge = true } else { body.writeBuffer(&chunk) }
        case .end:
            guard let h = head else { return }
            head = nil
            if let refused {
                write(context: context, head: h, response: .error(403, refused), close: true)
                return
            }
            if tooLarge {
                write(context: context, head: h, response: .error(413, "request body larger than \(Self.maxBody) bytes"), close: true)
                return
            }
            let request = ControlRequest(head: h, body: Data(body.readableBytesView), peer: peer)
            let router = self.router
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            answering += 1
            DispatchQueue.global().async {
                let response = router.respond(to: request)
                loop.execute {
                    let (handler, context) = bound.value
                    handler.answering -= 1
                    handler.write(context: context, head: h, response: response, close: !h.isKeepAlive)
                }
            }
        }
    }

    func write(context: ChannelHandlerContext, head request: HTTPRequestHead, response: ControlResponse, close: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if close { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if close { done.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
