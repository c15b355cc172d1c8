// The shadowing analysis must not compare all pairs: a 100,000-rule file
// compiles quickly even in a debug build.
import Foundation
import SFCConfig
import SFCCore
import Testing

/// CPU seconds used by the calling thread so far.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

@Suite struct RuleScaleTests {
    /// 100,000 distinct rules in several shapes (host sources, /24 sources
    /// with port ranges, DSCP, IPv6), plus general rules at the end that
    /// cover none of them.
    static func hundredThousandRules() -> String {
        var text = Fixture.base + "rules:\n"
        text.reserveCapacity(10_000_000)
        for i in 0..<100_000 {
            let a = (i >> 16) & 0xFF, b = (i >> 8) & 0xFF, c = i & 0xFF
            switch i % 4 {
            case 0:
                text += "  - {name: r\(i), priority: \(i % 7), chain: c1, protocol: tcp, source: 10.\(a).\(b).\(c), destination-port: \(1 + i % 60000)}\n"
            case 1:
                text += "  - {name: r\(i), priority: \(i % 7), chain: c1, protocol: udp, source: 10.\(a).\(b).\(c), destination-port: 1000-\(2000 + i % 100)}\n"
            case 2:
                text += "  - {name: r\(i), chain: c1, source: 172.\(16 + a).\(b).\(c), dscp: \(i % 64)}\n"
            default:
                text += "  - {name: r\(i), chain: c1, protocol: tcp, source: \"2001:db8:\(a):\(b)::\(c)\"}\n"
            }
        }
        text += "  - {name: web, priority: 5000, chain: c1, protocol: tcp, destination-port: 443}\n"
        text += "  - {name: rest, priority: 6000, chain: c1}\n"
        return text
    }

    @Test func hundredThousandRulesCompileFast() {
        let yaml = Self.hundredThousandRules()
        // CPU time of this thread, so other tests running in parallel on a
        // small machine do not count against the budget.
        let start = threadCPUSeconds()
        let result: (config: CompiledConfig?, diagnostics: [Diagnostic])? = compile(yaml)
        let elapsed = threadCPUSeconds() - start
        let errors = result?.diagnostics.filter { $0.severity == .error } ?? []
        #expect(errors.isEmpty, "\(errors.prefix(5).map(\.rendered))")
        guard let config = result?.config else {
            Issue.record("the 100,000-rule file did not compile")
            return
        }
        // 100,000 rules, 'web' and 'rest' as IPv4 + IPv6 each.
        #expect(config.rules.count == 100_004)
        #expect(elapsed < 10, "compiling 100,000 rules took \(elapsed) s of CPU")
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
