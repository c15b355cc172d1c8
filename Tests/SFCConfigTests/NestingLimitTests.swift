// The nesting pre-scan reports positions as libyaml counts them: lines end
// at "\n" whatever precedes it (CRLF files too), columns count Unicode
// scalars.
import SFCConfig
import Testing

@Suite struct NestingLimitTests {
    static let deep = String(repeating: "[", count: 100)

    func position(_ yaml: String) -> String? {
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        guard let d = diagnostics.first(where: { $0.message.contains("nesting too deep") }) else { return nil }
        return "\(d.line):\(d.column)"
    }

    @Test func crlfLinesAreLines() {
        // "  x: " is 5 columns: the 65th '[' is at column 70 of line 3.
        #expect(position("node:\n  name: n1\n  x: \(Self.deep)\n") == "3:70")
        #expect(position("node:\r\n  name: n1\r\n  x: \(Self.deep)\r\n") == "3:70")
    }

    @Test func columnsCountScalarsNotCharacters() {
        // "e\u{301}" is one Character but two scalars (two columns for libyaml).
        #expect(position("node:\n  e\u{301}: \(Self.deep)\n") == "2:71")
        #expect(position("node:\n  é: \(Self.deep)\n") == "2:70")
    }

    @Test func quotedAndCommentedBracketsDoNotCount() {
        let yaml = Fixture.base.replacingOccurrences(of: "  name: n1\n",
                                                     with: "  name: n1 # \(Self.deep)\n  ipv4: '192.0.2.1' #\n")
        let (config, diagnostics) = compile(yaml)
        #expect(config != nil, "\(diagnostics.map(\.rendered))")
        #expect(position("node: {name: \"\(Self.deep)\"}\nx: \(Self.deep)\n") == "2:68")
    }
}
