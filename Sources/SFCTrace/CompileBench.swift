// chain-trace bench-compile: how long a chain file with N classifier rules
// takes to compile (parse, validate, shadowing analysis, tables), as JSON.
// A measurement, for `make bench`; tests only check the result is right.
import Foundation
import SFCConfig
import SFCRuntime

public enum CompileBench {
    /// CPU seconds the calling thread has used: on a shared machine this
    /// moves less than the wall clock.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Compiles the file `repeats` times; reports the best and the median
    /// run, wall clock and thread CPU time.
    public static func run(rules: Int, repeats: Int = 3) -> CommandResult {
        guard rules >= 0, rules <= 16_000_000, repeats >= 1 else {
            return CommandResult(stderr: "bench-compile: --rules must be 0..16000000 and --repeat at least 1", exitCode: 2)
        }
        let text = GeneratedChainFile.withRules(rules)
        var seconds: [Double] = [], cpu: [Double] = []
        var compiled = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = threadCPUSeconds()
            let (config, diagnostics) = ChainFile.parse(text: text, file: "bench.yaml")
            cpu.append(threadCPUSeconds() - startCPU)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            guard let config else {
                let first = diagnostics.prefix(3).map(\.rendered).joined(separator: "\n")
                return CommandResult(stderr: "bench-compile: the generated file does not compile:\n\(first)", exitCode: 1)
            }
            compiled = config.rules.count
        }
        seconds.sort()
        cpu.sort()
        let best = seconds[0]
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let object: [String: Any] = [
            "rules": rules, "compiled_rules": compiled, "bytes": text.utf8.count, "repeats": repeats, "build": build,
            "seconds_best": best, "seconds_median": seconds[seconds.count / 2],
            "cpu_seconds_best": cpu[0], "cpu_seconds_median": cpu[cpu.count / 2],
            "rules_per_second": best > 0 ? Double(rules) / best : 0,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return CommandResult(stderr: "bench-compile: cannot encode the result", exitCode: 1)
        }
        return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
    }
}
