// `node: name:` is also a directory name (the XDP dataplane pins under
// /sys/fs/bpf/sfc/<node>): it must be a safe path component.
import SFCConfig
import Testing

@Suite struct NodeNameTests {
    static func named(_ name: String) -> String {
        Fixture.base.replacingOccurrences(of: "  name: n1\n", with: "  name: \(name)\n")
    }

    @Test(arguments: ["\".\"", "\"..\"", ".hidden", "-n1", "\"-\"", String(repeating: "n", count: 65)])
    func unsafeNodeNamesAreRejectedAtTheName(_ name: String) {
        expectError(Self.named(name), line: 2, column: 9, "bad node name")
    }

    @Test func theMessageSaysWhy() {
        expectError(Self.named("\"..\""), line: 2, column: 9,
                    "bad node name '..': it names a directory (/sys/fs/bpf/sfc/<node>), so at most 64 bytes, "
                    + "not starting with '.' or '-'")
    }

    @Test(arguments: ["n1", "edge_1", "a..b", "n-", "n.", "_x", "0", String(repeating: "n", count: 64)])
    func safeNodeNamesCompile(_ name: String) {
        let (config, diagnostics) = compile(Self.named(name))
        #expect(config?.node.name == name, "\(diagnostics.map(\.rendered))")
    }

    @Test func theRuleIsPublicForTheForwarder() {
        for bad in ["", ".", "..", ".x", "-x", "a/b", "a b", "é", String(repeating: "a", count: 65)] {
            #expect(!ValueParsers.isSafeNodeName(bad), "\(bad)")
        }
        for good in ["a", "a.b", "a-", "A_9", String(repeating: "a", count: ValueParsers.maxNodeNameBytes)] {
            #expect(ValueParsers.isSafeNodeName(good), "\(good)")
        }
    }

    @Test func otherNamesKeepTheOldRule() {
        // A port or chain may still start with '.' or '-' (it is no path).
        let yaml = Fixture.base.replacingOccurrences(of: "  - name: c1\n", with: "  - name: .c1\n")
        #expect(compile(yaml).config?.chains.first?.name == ".c1")
    }
}
