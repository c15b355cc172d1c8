// Names and values from the file end up in diagnostics. Whatever they hold
// (NUL, newlines, escape sequences), a rendered diagnostic is one line that
// shows them escaped, so hostile text cannot cut the output or forge a
// `FILE:LINE:COL: error:` line.
import SFCConfig
import Testing

@Suite struct HostileTextTests {
    /// Fixture.base with the chain's name replaced by a YAML double-quoted
    /// scalar (where `\0` and `\n` are escapes that libyaml decodes).
    static func chainNamed(_ quoted: String) -> String {
        Fixture.base.replacingOccurrences(of: "  - name: c1\n", with: "  - name: \"\(quoted)\"\n")
    }

    /// Every rendered diagnostic is exactly one line, without raw control characters.
    func expectOneLineEach(_ diagnostics: [Diagnostic], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!diagnostics.isEmpty, sourceLocation: sourceLocation)
        for d in diagnostics {
            #expect(!d.rendered.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                    "\(d.rendered.debugDescription)", sourceLocation: sourceLocation)
        }
        let stream = diagnostics.map { $0.rendered + "\n" }.joined()
        #expect(stream.split(separator: "\n", omittingEmptySubsequences: false).count == diagnostics.count + 1,
                sourceLocation: sourceLocation)
    }

    @Test func nulInANameIsEscaped() throws {
        let (config, diagnostics) = compile(Self.chainNamed("c\\0x"))
        #expect(config == nil)
        expectOneLineEach(diagnostics)
        let bad = try #require(diagnostics.first { $0.message.contains("bad name") })
        #expect(bad.rendered == "test.yaml:15:11: error: bad name 'c\\0x' for 'name': use letters, digits, '_', '.', '-'")
    }

    @Test func newlineInANameCannotForgeADiagnostic() throws {
        let (config, diagnostics) = compile(Self.chainNamed("x\\nFILE:1:1: error: forged"))
        #expect(config == nil)
        expectOneLineEach(diagnostics)
        #expect(diagnostics.allSatisfy { $0.rendered.hasPrefix("test.yaml:") })
        let bad = try #require(diagnostics.first { $0.message.contains("bad name") })
        #expect(bad.rendered.contains("'x\\nFILE:1:1: error: forged'"))
    }

    @Test func keysAndValuesAreEscapedInTheMessageItself() throws {
        // A quoted key with a carriage return, a MAC with an escape sequence:
        // the message (not only `rendered`) holds them escaped.
        let yaml = Fixture.base + "rules:\n  - {chain: c1, \"prio\\rity\": 5}\n"
            + "peers:\n  - {name: r2, address: 192.0.2.2, port: p1, mac: \"02:00\\e[31m\"}\n"
        let (_, diagnostics) = compile(yaml)
        expectOneLineEach(diagnostics)
        #expect(diagnostics.contains { $0.message.hasPrefix("unknown key 'prio\\rity' in rule") })
        #expect(diagnostics.contains { $0.message.hasPrefix("bad MAC address '02:00\\u{1b}[31m' for 'mac'") })
    }

    @Test func renderedEscapesTheFileNameAndEveryKindOfLineBreak() {
        let d = Diagnostic(severity: .warning, file: "a\nb.yaml", line: 3, column: 4,
                           message: "t\ta\rb\0c\u{1b}d\u{7f}e\u{85}f\u{2028}g\u{2029}h\u{202e}i\\n")
        #expect(d.rendered == "a\\nb.yaml:3:4: warning: t\\ta\\rb\\0c\\u{1b}d\\u{7f}e\\u{85}f\\u{2028}g\\u{2029}h\\u{202e}i\\n")
        // Escaping is idempotent and leaves ordinary text (and non-ASCII letters) alone.
        #expect(Diagnostic.escaped(Diagnostic.escaped("x\ny")) == "x\\ny")
        #expect(Diagnostic.escaped("port 'dicom' — ok, é") == "port 'dicom' — ok, é")
        // "\r\n" is one Character in Swift but two scalars: both are escaped.
        #expect(Diagnostic.escaped("a\r\nb") == "a\\r\\nb")
    }
}
