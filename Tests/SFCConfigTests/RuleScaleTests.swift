// A 100,000-rule file compiles, with the right rules, and the shadowing
// analysis still finds a covered rule among many. How fast it compiles is
// measured by `chain-trace bench-compile`, never asserted here.
import Foundation
import SFCConfig
import SFCCore
import Testing

@Suite struct RuleScaleTests {
    /// 100,000 distinct rules in several shapes (host sources, /24 sources
    /// with port ranges, DSCP, IPv6), plus general rules at the end that
    /// cover none of them: the file `chain-trace bench-compile` times.
    static func hundredThousandRules() -> String { GeneratedChainFile.withRules(100_000) }

    @Test func hundredThousandRulesCompile() throws {
        let (config, diagnostics) = compile(Self.hundredThousandRules())
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.prefix(5).map(\.rendered))")
        let rules = try #require(config?.rules, "the 100,000-rule file did not compile")
        // 100,000 rules, 'web' and 'rest' as IPv4 + IPv6 each, in precedence order.
        #expect(rules.count == 100_004)
        #expect(rules.first?.name == "r0" && rules.last?.name == "rest")
        #expect(rules.map(\.priority) == rules.map(\.priority).sorted())
    }

    @Test func shadowedRuleAmongManyIsFound() {
        var yaml = Fixture.base + "rules:\n"
        for i in 0..<5_000 {
            yaml += "  - {name: r\(i), chain: c1, protocol: tcp, source: 10.0.\(i >> 8).\(i & 0xFF), destination-port: \(1 + i)}\n"
        }
        yaml += "  - {name: covered, chain: c1, protocol: tcp, source: 10.0.0.7, destination-port: 8}\n"
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("rule 'covered' can never match: rule 'r7' (line 28)") == true)
        #expect(errors.first?.line == 5_021)
    }
}
