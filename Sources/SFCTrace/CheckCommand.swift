// chain-trace check (stub: replaced by the config work).
public enum CheckCommand {
    public static func run(files: [String], json: Bool) -> CommandResult {
        CommandResult(stderr: "check: not implemented yet\n", exitCode: 2)
    }
}
