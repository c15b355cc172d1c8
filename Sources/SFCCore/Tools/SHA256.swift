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
            // FIPS 180-4 s4.2.2's round constants, from BPF/include/sfc_sha256.h
            // (through CSHA256): one table for the XDP program, SHA-NI and this.
            let k = sfc_sha256_round_constants()!
            for i in 0..<64 {
                let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
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
