// chain-trace decode (stub: replaced by the capture work).
public enum DecodeCommand {
    public static func run(file: String, json: Bool) -> CommandResult {
        CommandResult(stderr: "decode: not implemented yet\n", exitCode: 2)
    }
}
