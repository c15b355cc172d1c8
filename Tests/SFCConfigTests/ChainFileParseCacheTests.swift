// A steering change recompiles the running file with new run-time rules;
// the file's parse is reused (ChainFileParseCache). What must hold: the
// answer is the one a fresh parse gives, whatever was compiled before.
import SFCConfig
import SFCCore
import Testing

@Suite struct ChainFileParseCacheTests {
    static let text = Fixture.base + "rules:\n  - {name: web, chain: c1, protocol: tcp, destination-port: 443}\n"

    func parse(_ text: String, steering: [String]) -> (config: CompiledConfig?, diagnostics: [Diagnostic]) {
        let rules = steering.enumerated().map { SteeringRuleText(source: "steer:\($0.offset)", text: $0.element) }
        return ChainFile.parse(text: text, file: Fixture.file, steering: rules)
    }

    @Test func eachCompileHasExactlyItsOwnSteeringRules() throws {
        let cam = "{name: cam, chain: c1, protocol: udp, source: 10.1.0.9}"
        let ssh = "{name: ssh, chain: c1, protocol: tcp, destination-port: 22}"
        for steering in [[cam], [ssh], [cam, ssh], [], [ssh]] {
            let (config, diagnostics) = parse(Self.text, steering: steering)
            let names = try #require(config, "\(diagnostics.map(\.rendered))").rules.map(\.name)
            let expected = ["web"] + steering.map { $0.contains("cam") ? "cam" : "ssh" }
            #expect(Set(names) == Set(expected), "\(steering)")
        }
        // A bad rule after good compiles: refused, with its own source named.
        let (config, diagnostics) = parse(Self.text, steering: [cam, "{name: bad, chain: nowhere}"])
        #expect(config == nil)
        #expect(diagnostics.contains { $0.severity == .error && $0.file == "steer:1" && $0.message.contains("nowhere") },
                "\(diagnostics.map(\.rendered))")
        #expect(parse(Self.text, steering: [cam]).config != nil)
    }

    @Test func theFilesOwnDiagnosticsComeBackEveryTime() {
        let broken = Self.text + "bogus: 1\n"
        for steering in [[], ["{name: cam, chain: c1, source: 10.1.0.9}"], []] {
            let (config, diagnostics) = parse(broken, steering: steering)
            #expect(config == nil, "an error in the file refuses every compile of it")
            #expect(diagnostics.filter { $0.severity == .error && $0.message.contains("bogus") }.count == 1,
                    "\(diagnostics.map(\.rendered))")
        }
    }

    @Test func aTextThatDiffersInOneByteIsParsedAgain() throws {
        let (first, _) = parse(Self.text, steering: [])
        let changed = Self.text.replacingOccurrences(of: "destination-port: 443", with: "destination-port: 444")
        let (second, _) = parse(changed, steering: [])
        let port = { (c: CompiledConfig?) in c?.rules.first { $0.name == "web" }?.destinationPorts }
        #expect(port(first) != nil && port(first) != port(second))
    }
}
