// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the SRv6 HMAC TLV
// (RFC 8754 s2.1.2), written here rather than taken from swift-crypto
// because the pipeline runs it per packet: no heap allocation (the schedule
// and the padded tail live on the stack), and the key's inner and outer
// pads are absorbed once when the tables are built (`HMACSHA256Key`), so a
// MAC over an SRH's text costs its own blocks plus one outer block. A
// block is compressed by the x86 SHA extensions when the CPU has them
// (CSHA256), else here.
// Checked against RFC 4231's vectors and the Linux kernel (InteropTests).

import CSHA256

public struct SHA256State: Sendable, Equatable {
    public var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
    public var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19
    /// Bytes absorbed so far (whole blocks).
    public var length: Int = 0
    public init() {}
}

public enum SHA256 {
    public static let digestSize = 32
    public static let blockSize = 64

    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    @inline(__always) static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// The CPU has the x86 SHA extensions (CSHA256), and SFC_SHA256_PORTABLE
    /// is not set: blocks are compressed there, about ten times faster.
    public static let accelerated = sfc_sha256_accelerated() != 0

    /// Absorbs one 64-byte block.
    @inline(__always)
    public static func compress(_ s: inout SHA256State, _ block: UnsafePointer<UInt8>) {
        if accelerated { compressAccelerated(&s, block) } else { compressPortable(&s, block) }
    }

    /// The block on SHA-NI (only when `accelerated`).
    public static func compressAccelerated(_ s: inout SHA256State, _ block: UnsafePointer<UInt8>) {
        var words = (s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7)
        withUnsafeMutableBytes(of: &words) { sfc_sha256_compress_ni($0.baseAddress!.assumingMemoryBound(to: UInt32.self), block) }
        (s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7) = words
        s.length += blockSize
    }

    /// The block in portable Swift.
    public static func compressPortable(_ s: inout SHA256State, _ block: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8
                    | UInt32(block[4 * i + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = s.h0, b = s.h1, c = s.h2, d = s.h3, e = s.h4, f = s.h5, g = s.h6, h = s.h7
            k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                    let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                    h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            s.h0 &+= a; s.h1 &+= b; s.h2 &+= c; s.h3 &+= d; s.h4 &+= e; s.h5 &+= f; s.h6 &+= g; s.h7 &+= h
        }
        s.length += blockSize
    }

    /// Finishes `state` (which has absorbed whole blocks) over `count` more
    /// bytes at `data`, writing the 32-byte digest to `out`.
    public static func finish(_ state: SHA256State, _ data: UnsafePointer<UInt8>, count: Int,
                              into out: UnsafeMutablePointer<UInt8>) {
        var s = state
        var offset = 0
        while count - offset >= blockSize { compress(&s, data + offset); offset += blockSize }
        let rest = count - offset
        let bits = UInt64(s.length + rest) * 8
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * blockSize) { tail in
            let t = tail.baseAddress!
            t.initialize(repeating: 0, count: 2 * blockSize)
            t.update(from: data + offset, count: rest)
            t[rest] = 0x80
            let blocks = rest + 9 <= blockSize ? 1 : 2
            for i in 0..<8 { t[blocks * blockSize - 1 - i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
            compress(&s, t)
            if blocks == 2 { compress(&s, t + blockSize) }
        }
        @inline(__always) func put(_ i: Int, _ word: UInt32) {
            out[4 * i] = UInt8(word >> 24); out[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
            out[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8); out[4 * i + 3] = UInt8(truncatingIfNeeded: word)
        }
        put(0, s.h0); put(1, s.h1); put(2, s.h2); put(3, s.h3); put(4, s.h4); put(5, s.h5); put(6, s.h6); put(7, s.h7)
    }

    /// The digest of `bytes` (tables and tests; not for per-packet use).
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: digestSize)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                finish(SHA256State(), b.baseAddress ?? UnsafePointer(o.baseAddress!), count: b.count, into: o.baseAddress!)
            }
        }
        return out
    }
}

/// An HMAC-SHA256 key with its inner and outer pads already absorbed.
public struct HMACSHA256Key: Sendable, Equatable {
    public let inner: SHA256State
    public let outer: SHA256State

    /// RFC 2104: a secret longer than the block is hashed first.
    public init(secret: [UInt8]) {
        var key = secret.count > SHA256.blockSize ? SHA256.digest(secret) : secret
        key += [UInt8](repeating: 0, count: SHA256.blockSize - key.count)
        var inner = SHA256State(), outer = SHA256State()
        key.map { $0 ^ 0x36 }.withUnsafeBufferPointer { SHA256.compress(&inner, $0.baseAddress!) }
        key.map { $0 ^ 0x5c }.withUnsafeBufferPointer { SHA256.compress(&outer, $0.baseAddress!) }
        self.inner = inner; self.outer = outer
    }

    /// HMAC-SHA256 of `count` bytes at `text`, 32 bytes to `out`. No heap allocation.
    public func mac(_ text: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA256.digestSize) { innerDigest in
            SHA256.finish(inner, text, count: count, into: innerDigest.baseAddress!)
            SHA256.finish(outer, innerDigest.baseAddress!, count: SHA256.digestSize, into: out)
        }
    }

    /// The MAC of `bytes` as an array (tables and tests).
    public func mac(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SHA256.digestSize)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                mac(b.baseAddress ?? UnsafePointer(o.baseAddress!), count: b.count, into: o.baseAddress!)
            }
        }
        return out
    }
}
