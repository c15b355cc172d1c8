// The control API's routes over a daemon on the reference dataplane (no
// I/O, no socket), for the control-api and steer-rule fuzz targets
// (Sources/SFCFuzz): requests go to the same router the server runs, and
// `reset` brings the daemon back to its chain file between inputs.
import Foundation
import Logging
import SFCConfig
import SFCControl
import SFCCore

public final class ControlHarness: @unchecked Sendable {
    public let router: ControlRouter
    public let chainFile: String
    package let daemon: NodeDaemon
    /// The chain file's text as the daemon started with it.
    private let cleanText: String

    public init(chainFile: String) throws {
        let (loaded, diagnostics) = ChainFile.load(path: chainFile)
        guard let config = loaded, let text = try? String(contentsOfFile: chainFile, encoding: .utf8) else {
            throw ControlError(422, "\(chainFile): " + (diagnostics.first?.rendered ?? "cannot read it"))
        }
        self.chainFile = chainFile
        daemon = NodeDaemon(configPath: chainFile, text: text, config: config, driver: ReferenceDriver(config),
                            logger: Logger(label: "sfc.fuzz") { _ in SwiftLogNoOpLogHandler() })
        router = ControlRoutes.router(daemon)
        cleanText = text
    }

    private func locked<T>(_ body: () -> T) -> T {
        daemon.lock.lock(); defer { daemon.lock.unlock() }
        return body()
    }

    /// The daemon's steering rules, as GET /v1/steering lists them.
    public var steeringCount: Int { locked { daemon.steering.count } }

    /// Unsteers every rule and, if the daemon now runs another file or
    /// text, reloads the chain file. (A generation that moved with the same
    /// text and no steering, as a steer and its unsteer leave it, is the
    /// same configuration: reloading it again would only cost time.)
    public func reset() {
        for name in locked({ daemon.steering.map(\.name) }) { _ = daemon.unsteer(name: name) }
        if locked({ daemon.configPath != chainFile || !daemon.configText.hasSameBytes(as: cleanText) }) {
            _ = daemon.reload(path: chainFile)
        }
    }
}
