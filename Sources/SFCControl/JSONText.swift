// The control API's JSON writer for the values its routes build: String,
// Bool, the fixed-width integers, finite Double and Float, NSNull, arrays
// and [String: Any] objects, keys sorted by their Unicode scalars. Anything
// else (an NSNumber from a parsed request, an Optional, a type the routes
// do not use) gives nil and the caller falls back to JSONSerialization, so
// no value is written differently from what a JSON reader expects.
//
// Why not JSONSerialization: on swift-corelibs-foundation it bridges every
// dictionary and array to NSDictionary/NSArray and sorts keys with a
// locale-aware NSString compare; that was half the time of a control-API
// request (and of the control-api fuzz target).
import Foundation

package enum JSONText {
    /// The UTF-8 JSON text of `value`, or nil if it holds a type above's list lacks.
    package static func encode(_ value: Any) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        return write(value, into: &out) ? out : nil
    }

    private static func write(_ value: Any, into out: inout [UInt8]) -> Bool {
        // Exact dynamic types: `as? Int` could also take a Bool or an
        // NSNumber through bridging.
        let type = Swift.type(of: value)
        if type == String.self { writeString(value as! String, into: &out); return true }
        if type == Bool.self { out.append(contentsOf: (value as! Bool) ? "true".utf8 : "false".utf8); return true }
        if integerTypes.contains(where: { $0 == type }), let integer = value as? any BinaryInteger {
            out.append(contentsOf: String(describing: integer).utf8); return true
        }
        if type == Double.self { return writeDouble(value as! Double, into: &out) }
        if type == Float.self { return writeDouble(Double(value as! Float), into: &out) }
        if type == NSNull.self { out.append(contentsOf: "null".utf8); return true }
        if let object = value as? [String: Any] {
            out.append(UInt8(ascii: "{"))
            for (n, key) in object.keys.sorted().enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                guard write(object[key]!, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
            return true
        }
        if let array = value as? [Any] {
            out.append(UInt8(ascii: "["))
            for (n, element) in array.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                guard write(element, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
            return true
        }
        return false
    }

    /// A whole number below 2^53 without a fraction (as JSONSerialization
    /// writes it), else Swift's shortest round-trip form; NaN and the
    /// infinities have no JSON form.
    private static func writeDouble(_ d: Double, into out: inout [UInt8]) -> Bool {
        guard d.isFinite else { return false }
        if d == d.rounded(), abs(d) < 9_007_199_254_740_992 {
            out.append(contentsOf: String(Int64(d)).utf8)
        } else {
            out.append(contentsOf: d.description.utf8)
        }
        return true
    }

    /// The integer types written as decimal numbers; matched exactly, as above.
    private static let integerTypes: [Any.Type] = [Int.self, Int64.self, Int32.self, Int16.self, Int8.self,
                                                   UInt.self, UInt64.self, UInt32.self, UInt16.self, UInt8.self]

    private static let hex = Array("0123456789abcdef".utf8)

    /// RFC 8259 s7: the quote, the backslash and the controls below U+0020
    /// escaped; everything else as its UTF-8.
    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
