// chain-trace simulate (stub: replaced by the pipeline work).
public struct SimulateOptions: Sendable {
    public var config: String
    public var chain: String?
    public var ingress: String?
    public var packet: String?
    public var json: Bool
    public var pcapDirectory: String?
    public init(config: String, chain: String? = nil, ingress: String? = nil, packet: String? = nil,
                json: Bool = false, pcapDirectory: String? = nil) {
        self.config = config; self.chain = chain; self.ingress = ingress; self.packet = packet
        self.json = json; self.pcapDirectory = pcapDirectory
    }
}

public enum SimulateCommand {
    public static func run(_ options: SimulateOptions) -> CommandResult {
        CommandResult(stderr: "simulate: not implemented yet\n", exitCode: 2)
    }
}
