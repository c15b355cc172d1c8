// Address value types shared by the config layer, the tables and the
// dataplanes. Plain integers inside so they hash, compare and copy cheaply.

/// A 48-bit Ethernet MAC address, stored in the low 48 bits (network order:
/// the first octet is the most significant).
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var raw: UInt64

    public init(raw: UInt64) { self.raw = raw & 0xFFFF_FFFF_FFFF }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        self.raw = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24
            | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`). Returns nil on anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: text.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            // allSatisfy: UInt8(_:radix:) alone would accept a sign ("+a").
            guard part.count == 2, part.allSatisfy(\.isHexDigit), let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        self.raw = value
    }

    public static let zero = MACAddress(raw: 0)
    public static let broadcast = MACAddress(raw: 0xFFFF_FFFF_FFFF)

    public func octet(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: raw >> UInt64(8 * (5 - i))) }

    public var description: String {
        (0..<6).map { i in
            let s = String(octet(i), radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: ":")
    }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.raw < b.raw }
}

/// An IPv4 address in host integer form (10.0.0.1 == 0x0A00_0001).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var raw: UInt32
    public init(raw: UInt32) { self.raw = raw }

    /// Dotted quad only; no shorthand forms.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.raw = value
    }

    public var description: String {
        "\(raw >> 24).\(raw >> 16 & 0xFF).\(raw >> 8 & 0xFF).\(raw & 0xFF)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.raw < b.raw }
}

/// An IPv6 address as two 64-bit halves, high half first in network order.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64
    public init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }

    /// RFC 4291 section 2.2 text forms, including `::` and a trailing dotted quad.
    public init?(_ text: String) {
        let chars = Array(text.utf8)
        guard chars.count >= 2, chars.count <= 45 else { return nil }
        // At most one "::" ("a:::b" finds two overlapping ones and is rejected).
        var doubleColon = -1
        for i in 0..<(chars.count - 1) where chars[i] == UInt8(ascii: ":") && chars[i + 1] == UInt8(ascii: ":") {
            guard doubleColon < 0 else { return nil }
            doubleColon = i
        }
        func groups(_ part: Substring, dottedTail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var words: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if piece.contains(".") {
                    guard dottedTail, index == pieces.count - 1, let v4 = IPv4Address(String(piece)) else { return nil }
                    words += [UInt16(v4.raw >> 16), UInt16(v4.raw & 0xFFFF)]
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                          let word = UInt16(piece, radix: 16) else { return nil }
                    words.append(word)
                }
            }
            return words
        }
        var words: [UInt16]
        if doubleColon < 0 {
            guard let all = groups(Substring(text), dottedTail: true), all.count == 8 else { return nil }
            words = all
        } else {
            let utf8 = text.utf8
            let cut = utf8.index(utf8.startIndex, offsetBy: doubleColon)
            let afterCut = utf8.index(cut, offsetBy: 2)
            guard let head = groups(Substring(text[..<cut]), dottedTail: false),
                  let tail = groups(Substring(text[afterCut...]), dottedTail: true),
                  head.count + tail.count <= 7 else { return nil }
            words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(words[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(words[i]) }
        self.init(hi: hi, lo: lo)
    }

    public func word(_ i: Int) -> UInt16 {
        i < 4 ? UInt16(truncatingIfNeeded: hi >> UInt64(16 * (3 - i)))
              : UInt16(truncatingIfNeeded: lo >> UInt64(16 * (7 - i)))
    }

    public func octet(_ i: Int) -> UInt8 {
        i < 8 ? UInt8(truncatingIfNeeded: hi >> UInt64(8 * (7 - i)))
              : UInt8(truncatingIfNeeded: lo >> UInt64(8 * (15 - i)))
    }

    /// RFC 5952 canonical text: lower case, longest run of zero groups as
    /// "::", and IPv4-mapped addresses in mixed notation (s5).
    public var description: String {
        if hi == 0 && lo >> 32 == 0xFFFF {
            return "::ffff:" + IPv4Address(raw: UInt32(truncatingIfNeeded: lo)).description
        }
        let words = (0..<8).map { word($0) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && words[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength && i - runStart >= 2 { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(words[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }
}

/// An IPv4 or IPv6 prefix, as rules, routes and trace filters accept either.
public enum IPPrefix: Equatable, Sendable {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }
}

/// An IPv4 prefix; the address has its host bits cleared.
public struct IPv4Prefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var length: Int
    public init(address: IPv4Address, length: Int) {
        self.length = length
        self.address = IPv4Address(raw: address.raw & IPv4Prefix.mask(length))
    }
    public static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length) }
    public var mask: UInt32 { IPv4Prefix.mask(length) }
    public func contains(_ a: IPv4Address) -> Bool { a.raw & mask == address.raw }
    public func contains(_ p: IPv4Prefix) -> Bool { p.length >= length && contains(p.address) }
    public static let any = IPv4Prefix(address: IPv4Address(raw: 0), length: 0)
    public var description: String { "\(address)/\(length)" }
}

/// An IPv6 prefix; the address has its host bits cleared.
public struct IPv6Prefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv6Address
    public var length: Int
    public init(address: IPv6Address, length: Int) {
        self.length = length
        let (mh, ml) = IPv6Prefix.mask(length)
        self.address = IPv6Address(hi: address.hi & mh, lo: address.lo & ml)
    }
    public static func mask(_ length: Int) -> (UInt64, UInt64) {
        if length <= 0 { return (0, 0) }
        if length >= 128 { return (~0, ~0) }
        if length <= 64 { return (~UInt64(0) << UInt64(64 - length), 0) }
        return (~0, ~UInt64(0) << UInt64(128 - length))
    }
    public func contains(_ a: IPv6Address) -> Bool {
        let (mh, ml) = IPv6Prefix.mask(length)
        return a.hi & mh == address.hi && a.lo & ml == address.lo
    }
    public func contains(_ p: IPv6Prefix) -> Bool { p.length >= length && contains(p.address) }
    public static let any = IPv6Prefix(address: IPv6Address(hi: 0, lo: 0), length: 0)
    public var description: String { "\(address)/\(length)" }
}
