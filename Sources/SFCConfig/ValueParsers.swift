// Text -> value parsers for the scalar kinds a chain file uses. Each returns
// nil or a short reason; none of them traps on any input.
import SFCCore

public enum ValueParsers {
    /// Decimal or `0x` hexadecimal, non-negative, at most 2^53 so arithmetic
    /// on it never overflows.
    public static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2); radix = 16 }
        guard !digits.isEmpty, digits.count <= 16,
              digits.allSatisfy({ $0.isASCII && (radix == 16 ? $0.isHexDigit : $0.isNumber) }) else { return nil }
        guard let value = Int(digits, radix: radix), value <= 1 << 53 else { return nil }
        return value
    }

    static func isValidName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "." || s == "-"
        }
    }

    /// The longest node name, in bytes.
    public static let maxNodeNameBytes = 64

    /// A node name is also a path component: the XDP dataplane pins its maps
    /// under /sys/fs/bpf/sfc/<node>. So on top of `[A-Za-z0-9_.-]+`: at most
    /// 64 bytes, and no leading '.' (which rules out "." and "..", and hidden
    /// entries) or '-' (read as an option by command-line tools).
    public static func isSafeNodeName(_ text: String) -> Bool {
        isValidName(text) && text.utf8.count <= maxNodeNameBytes
            && text.utf8.first != UInt8(ascii: ".") && text.utf8.first != UInt8(ascii: "-")
    }

    static func mac(_ text: String) -> MACAddress? { MACAddress(text) }
    static func ipv4(_ text: String) -> IPv4Address? { IPv4Address(text) }
    static func ipv6(_ text: String) -> IPv6Address? {
        // The SFCCore parser accepts the RFC 4291 forms; reject obviously
        // foreign characters first so odd input never reaches it.
        // (A byte test: `contains(":")` on a String goes through Foundation.)
        guard text.utf8.count <= 45, text.utf8.contains(UInt8(ascii: ":")),
              text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return nil }
        return IPv6Address(text)
    }

    /// `a.b.c.d/len`, `x::y/len`, or a bare address (a host prefix).
    /// Host bits must be zero.
    static func prefix(_ text: String) -> Result<IPPrefix, PrefixError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let addressText = parts.first else { return .failure(.malformed) }
        var length: Int?
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let l = integer(String(parts[1])) else {
                return .failure(.malformed)
            }
            length = l
        }
        // The family is decided by the text's shape, so each parser runs once.
        let isIPv6 = addressText.utf8.contains(UInt8(ascii: ":"))
        if !isIPv6, let a = ipv4(String(addressText)) {
            let l = length ?? 32
            guard l <= 32 else { return .failure(.lengthOutOfRange(max: 32)) }
            let p = IPv4Prefix(address: a, length: l)
            guard p.address == a else { return .failure(.hostBitsSet(canonical: p.description)) }
            return .success(.v4(p))
        }
        if isIPv6, let a = ipv6(String(addressText)) {
            let l = length ?? 128
            guard l <= 128 else { return .failure(.lengthOutOfRange(max: 128)) }
            let p = IPv6Prefix(address: a, length: l)
            guard p.address == a else { return .failure(.hostBitsSet(canonical: p.description)) }
            return .success(.v6(p))
        }
        return .failure(.malformed)
    }

    enum PrefixError: Error, Equatable {
        case malformed
        case lengthOutOfRange(max: Int)
        case hostBitsSet(canonical: String)

        func message(for text: String, key: String) -> String {
            let head = "bad prefix '\(text)' for '\(key)'"
            switch self {
            case .malformed: return head + ": expected an IPv4 or IPv6 address, optionally with /length"
            case .lengthOutOfRange(let max): return head + ": length must be 0..\(max)"
            case .hostBitsSet(let canonical): return head + ": host bits must be zero (did you mean \(canonical)?)"
            }
        }
    }

    /// `104` or `1024-65535`. Returns the bounds unchecked for emptiness so
    /// the caller can say "empty range" rather than "malformed".
    static func portRange(_ text: String) -> (lower: Int, upper: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        guard let lower = decimal(parts[0]), lower <= 65535 else { return nil }
        if parts.count == 1 { return (lower, lower) }
        guard let upper = decimal(parts[1]), upper <= 65535 else { return nil }
        return (lower, upper)
    }

    private static func decimal(_ text: Substring) -> Int? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= 6, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(trimmed)
    }

    static func ipProtocol(_ text: String) -> UInt8? {
        if let named = IPProtocolNumber.named(text) { return named }
        guard let n = integer(text), n <= 255 else { return nil }
        return UInt8(n)
    }

    /// A duration with its unit, in whole milliseconds: `10ms`, `1.5s`, `2m`,
    /// `24h`. The unit is required (a bare `100` could mean either); a
    /// fraction must come to whole milliseconds (`0.5ms` is refused).
    static func milliseconds(_ text: String) -> Int? {
        let units: [(suffix: String, scale: Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else { return nil }
        let number = text.dropLast(unit.suffix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard number.count <= 2, let whole = number.first, !whole.isEmpty, whole.count <= 9,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), var value = Int(whole) else { return nil }
        value *= unit.scale
        if number.count == 2 {
            let fraction = number[1]
            guard !fraction.isEmpty, fraction.count <= 6, fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let digits = Int(fraction) else { return nil }
            var denominator = 1
            for _ in fraction { denominator *= 10 }
            guard digits * unit.scale % denominator == 0 else { return nil }
            value += digits * unit.scale / denominator
        }
        return value
    }

    /// `milliseconds` written back the way a person would: 10ms, 1.5s, 30s, 2m, 24h.
    static func durationText(_ ms: Int) -> String {
        if ms >= 3_600_000 && ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms >= 60_000 && ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms >= 1000 && ms % 100 == 0 {
            return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms / 1000).\(ms % 1000 / 100)s"
        }
        return "\(ms)ms"
    }

    /// Hex bytes, an optional `0x` prefix, an even number of digits.
    public static func hexBytes(_ text: String) -> [UInt8]? {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard digits.count % 2 == 0, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
