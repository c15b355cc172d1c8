// Byte-for-byte equality of two strings' UTF-8. Swift's `==` compares
// canonical equivalence ("e\u{301}" == "é"), which a chain file's parse
// cannot use: libyaml counts the two spellings' columns differently. One
// memcmp, not a loop over the bytes: the control fuzz targets compare the
// whole chain file on every input, and a per-byte loop under the fuzzer's
// comparison hooks was a fifth of their time.
import Foundation

extension String {
    public func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var a = self, b = other
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return true }  // both empty
                return memcmp(x, y, pa.count) == 0
            }
        }
    }
}
