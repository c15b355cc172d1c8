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

    /// The longest walk from a key's home slot to the key.
    static func longestProbe(_ t: ExactTable<IPv6Address, Int>) -> Int {
        var longest = 0
        for (index, key) in t.keys.enumerated() {
            var slot = Int(key.tableHash) & t.mask, steps = 0
            while Int(t.slots[slot]) != index { slot = (slot + 1) & t.mask; steps += 1 }
            longest = max(longest, steps)
        }
        return longest
    }

    /// SIDs differing only in the function bits, wherever a SID layout puts
    /// them (right after a /48 locator, at the end, in the top of the low
    /// word, in the top of the address), must spread over the table: a hash
    /// that left those bits out of the low bits would put them all in one
    /// run of slots.
    @Test func sidLayoutsSpreadOverTheTable() {
        let base = IPv6Address("fc00:1:2::")!
        let layouts: [(String, (UInt64) -> IPv6Address)] = [
            ("function after a /48 locator", { IPv6Address(hi: base.hi ^ $0, lo: 0) }),
            ("function at the end", { IPv6Address(hi: base.hi, lo: $0) }),
            ("function in the top of the low word", { IPv6Address(hi: base.hi, lo: $0 << 48) }),
            ("function in the top of the address", { IPv6Address(hi: base.hi ^ $0 << 54, lo: 0) }),
        ]
        for (name, sid) in layouts {
            var d: [IPv6Address: Int] = [:]
            for f in 0..<1024 { d[sid(UInt64(f))] = f }
            let t = ExactTable(d)
            #expect(t.count == 1024, "\(name)")
            #expect(Self.longestProbe(t) <= 24, "\(name): longest probe \(Self.longestProbe(t))")
        }
    }
}
