// SHA-256 and HMAC-SHA256 (Tools/SHA256.swift) against FIPS 180-4's examples,
// RFC 4231's HMAC vectors, and Python's hashlib for every length across the
// one- and two-block padding edges.
import Foundation
import Testing
@testable import SFCCore

@Suite struct SHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func digestsOfTheStandardExamples() {
        #expect(Self.hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func hmacOfRFC4231Vectors() {
        let one = HMACSHA256Key(secret: [UInt8](repeating: 0x0b, count: 20)).mac(Array("Hi There".utf8))
        #expect(Self.hex(one) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let two = HMACSHA256Key(secret: Array("Jefe".utf8)).mac(Array("what do ya want for nothing?".utf8))
        #expect(Self.hex(two) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block is hashed first.
        let six = HMACSHA256Key(secret: [UInt8](repeating: 0xaa, count: 131))
            .mac(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(Self.hex(six) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func everyLengthAgreesWithPythonHashlib() throws {
        let script = """
        import hashlib, hmac
        for n in range(0, 300):
            m = bytes((i * 7 + n) & 0xff for i in range(n))
            print(hashlib.sha256(m).hexdigest(), hmac.new(b"sfc-key", m, hashlib.sha256).hexdigest())
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == 300)
        let key = HMACSHA256Key(secret: Array("sfc-key".utf8))
        for n in 0..<300 {
            let m = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 7 + n) }
            #expect("\(Self.hex(SHA256.digest(m))) \(Self.hex(key.mac(m)))" == lines[n], "length \(n)")
        }
    }

    /// The SHA-NI compression (CSHA256), where this CPU has it, gives the
    /// portable one's state for any state and block: the vectors above ran
    /// through whichever `compress` picked, this holds the other to it.
    @Test func theAcceleratedCompressionIsThePortableOne() {
        guard SHA256.accelerated else {
            print("SHA256Tests: this CPU has no SHA extensions (or SFC_SHA256_PORTABLE is set): only the portable compression ran")
            return
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var state = SHA256State()
            (state.h0, state.h1, state.h2, state.h3) = (rng.next(), rng.next(), rng.next(), rng.next())
            (state.h4, state.h5, state.h6, state.h7) = (rng.next(), rng.next(), rng.next(), rng.next())
            let block = (0..<SHA256.blockSize).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var fast = state, portable = state
            block.withUnsafeBufferPointer {
                SHA256.compressAccelerated(&fast, $0.baseAddress!)
                SHA256.compressPortable(&portable, $0.baseAddress!)
            }
            #expect(fast == portable, "state \(state), block \(Self.hex(block))")
        }
    }
}
