// `chain-trace instance F I up|down|drain|weight W` refuses a malformed
// action before it contacts any node: a state takes no argument after it.
import SFCRuntime
import SFCTrace
import Testing

@Suite struct InstanceCommandTests {
    static let nowhere = ClientTarget(node: nil, control: "/nonexistent/sfc-control.sock")

    @Test(arguments: [["up", "now"], ["down", "1"], ["drain", "x"], ["weight"], ["weight", "0"], ["weight", "2", "3"], ["sideways"], []])
    func aMalformedActionIsRefusedWithoutAsking(action: [String]) {
        let r = ClientCommands.instance(Self.nowhere, function: "fw", instance: "fw-1", action: action)
        #expect(r.exitCode == 2, "\(action): \(r.stderr)")
        #expect(r.stderr.contains("chain-trace:"), "\(action): \(r.stderr)")
        #expect(!r.stderr.contains("nonexistent"), "\(action) reached the client: \(r.stderr)")
    }

    @Test(arguments: ["up", "down", "drain"])
    func aStateAloneGoesToTheNode(state: String) {
        // Well formed: the command asks, and here fails only for want of a node.
        let r = ClientCommands.instance(Self.nowhere, function: "fw", instance: "fw-1", action: [state])
        #expect(r.exitCode != 0, "\(state): \(r.stderr)")
        #expect(!r.stderr.contains("expected up, down, drain"), "\(state): \(r.stderr)")
    }
}
