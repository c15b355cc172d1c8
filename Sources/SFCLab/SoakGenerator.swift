// The soak's steady traffic: Tests/e2e/soak_udp.py as an echo server in
// the `to` host's namespace and a paced client in the `from` host's, and
// what each counted once stopped (compared with the forwarder's chains).
import Foundation

struct SoakGenerator {
    let server: LabProcess
    let client: LabProcess

    static func start(target: SoakTarget, options: SoakOptions, repositoryRoot: String, directory: String,
                      register: (LabProcess) -> Void) throws -> SoakGenerator {
        let script = repositoryRoot + "/Tests/e2e/soak_udp.py"
        let address = target.to.host.address.address.description
        let server = try LabProcess(name: "soak-server", argv: Shell.inNamespace(target.to.namespace,
            [Locations.python, "-u", script, "server", address, "\(options.port)"]), directory: directory)
        register(server)
        try server.waitFor("listening", timeout: 15)
        let client = try LabProcess(name: "soak-client", argv: Shell.inNamespace(target.from.namespace,
            [Locations.python, "-u", script, "client", address, "\(options.port)", ScalePolicy.format(options.pps),
             "\(options.flows)", ScalePolicy.format(options.flowSeconds)]), directory: directory)
        register(client)
        try client.waitFor("sending", timeout: 15)
        return SoakGenerator(server: server, client: client)
    }

    var running: Bool { server.isRunning && client.isRunning }

    /// SIGTERM to the client (it stops sending and takes the last echoes for 2 s), then to the server; nil if one said nothing.
    func stop() -> SoakTraffic? {
        client.stop(timeout: 10)
        server.stop(timeout: 5)
        func last(_ p: LabProcess) -> [String: Any]? {
            p.stdout.split(separator: "\n").reversed().lazy.compactMap { Shell.json(String($0)) as? [String: Any] }.first
        }
        guard let c = last(client), let s = last(server) else { return nil }
        return SoakTraffic(clientSent: c["sent"] as? Int ?? 0, serverReceived: s["received"] as? Int ?? 0,
                           serverEchoed: s["echoed"] as? Int ?? 0, clientReceived: c["received"] as? Int ?? 0,
                           flows: c["flows"] as? Int ?? 0, sendErrors: c["send_errors"] as? Int ?? 0)
    }
}
