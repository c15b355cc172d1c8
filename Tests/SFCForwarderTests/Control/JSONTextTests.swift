// The control API's JSON writer (Sources/SFCControl/JSONText.swift): what it
// writes reads back as the value it was given, keys come sorted, strings are
// escaped as RFC 8259 s7 says, and a value it cannot write gives nil so that
// ControlResponse.json falls back to JSONSerialization.
import Foundation
@testable import SFCControl
import SFCFixtures
import Testing

@Suite struct JSONTextTests {
    private func text(_ value: Any) -> String? { JSONText.encode(value).map { String(decoding: $0, as: UTF8.self) } }

    /// Both texts parsed by JSONSerialization and written again by it: equal
    /// when they hold the same values.
    private func canonical(_ bytes: Data) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    }

    @Test func keysAreSortedAndNestingIsKept() {
        let value: [String: Any] = ["b": 1, "a": ["d": [1, "x", true, NSNull()] as [Any], "c": false] as [String: Any], "B": [] as [Any], "e": [:] as [String: Any]]
        #expect(text(value) == #"{"B":[],"a":{"c":false,"d":[1,"x",true,null]},"b":1,"e":{}}"#)
    }

    @Test func stringsAreEscapedAndOtherwiseUTF8() {
        #expect(text(["k": "a\"b\\c\nd\re\tf\u{1}g\u{1f}é/\u{2028}"]) == "{\"k\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fé/\u{2028}\"}")
        // Bytes as given: "e" + U+0301 is not written as "é".
        #expect(JSONText.encode("e\u{301}") == Array("\"e\u{301}\"".utf8))
    }

    @Test func numbersAreWrittenAsTheirValues() {
        #expect(text([Int.min, Int64.max, UInt64.max, UInt8(7), Int8(-8)] as [Any]) == "[-9223372036854775808,9223372036854775807,18446744073709551615,7,-8]")
        #expect(text([4.0, -0.5, 0.1 + 0.2, 1e300, Float(0.25)] as [Any]) == "[4,-0.5,0.30000000000000004,1e+300,0.25]")
        #expect(text([Double.nan]) == nil)
        #expect(text([Double.infinity]) == nil)
    }

    @Test func aTypeItDoesNotWriteGivesNilAndTheResponseFallsBack() throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(#"{"n": 5, "s": "x"}"#.utf8))
        #expect(text(parsed) == nil, "an NSNumber from a parsed body")
        let optional: Int? = 3
        #expect(text(["o": optional as Any]) == nil)
        let response = ControlResponse.json(parsed)
        let back = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        #expect(back?["n"] as? Int == 5 && back?["s"] as? String == "x")
    }

    /// Seeded random values of every kind the routes build, nested: each
    /// reads back as what JSONSerialization's own text of it reads back as.
    @Test func randomValuesReadBackAsJSONSerializationsText() throws {
        var rng = DifferentialCorpus.Random(seed: 8259)
        let strings = ["", "a", "fw1", "fw10", "Z", "ä", "e\u{301}", "\"", "\\", "\n\t", "\u{0}", "\u{7f}", "日本", "🙂", "a/b"]
        func value(_ depth: Int) -> Any {
            switch rng.next() % (depth > 3 ? 6 : 8) {
            case 0: return strings[Int(rng.next() % UInt64(strings.count))] + String(rng.next() % 100)
            case 1: return rng.next() % 2 == 0
            case 2: return Int(bitPattern: UInt(rng.next())) >> Int(rng.next() % 64)
            case 3: return Double(Int64(bitPattern: rng.next()) >> 20) / Double(1 << Int(rng.next() % 40))
            case 4: return UInt64(rng.next())
            case 5: return NSNull()
            case 6: return (0..<Int(rng.next() % 5)).map { _ in value(depth + 1) }
            default:
                var o: [String: Any] = [:]
                for _ in 0..<Int(rng.next() % 6) { o[strings[Int(rng.next() % UInt64(strings.count))] + String(rng.next() % 10)] = value(depth + 1) }
                return o
            }
        }
        for n in 0..<500 {
            let v: [String: Any] = ["v": value(0)]
            let ours = try #require(JSONText.encode(v), "value \(n)")
            let theirs = try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys])
            #expect(try canonical(Data(ours)) == canonical(theirs), "value \(n): ours \(String(decoding: ours, as: UTF8.self)), JSONSerialization \(String(decoding: theirs, as: UTF8.self))")
        }
    }
}
