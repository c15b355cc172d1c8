// The flat exact-match table answers exactly as the dictionary it was built from.
import Testing
@testable import SFCCore

@Suite struct ExactTableTests {
    @Test(arguments: [0, 1, 7, 100, 5000])
    func agreesWithItsDictionary(count: Int) {
        var rng = ClassifierTests.Rng(state: UInt64(count) &+ 11)
        var d32: [UInt32: Int] = [:], d128: [IPv6Address: Int] = [:]
        // Keys from a small space, so that many probes collide and many miss.
        for i in 0..<count {
            d32[UInt32(rng.below(count * 3 + 1))] = i
            d128[IPv6Address(hi: UInt64(rng.below(4)), lo: UInt64(rng.below(count * 3 + 1)))] = i
        }
        let t32 = ExactTable(d32), t128 = ExactTable(d128)
        #expect(t32.count == d32.count && t128.count == d128.count)
        for k in 0...UInt32(count * 3 + 1) { #expect(t32[k] == d32[k], "key \(k)") }
        for _ in 0..<(count * 4 + 10) {
            let k = IPv6Address(hi: UInt64(rng.below(5)), lo: UInt64(rng.below(count * 3 + 2)))
            #expect(t128[k] == d128[k])
        }
    }
}
