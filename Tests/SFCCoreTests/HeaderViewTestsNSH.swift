// The NSH view (RFC 8300 s2): base and service path headers, MD type 1
// context, MD type 2 TLVs, and the checks of `problem`.
import Testing
@testable import SFCCore

extension HeaderViewTests {
    @Suite struct NSH {
        /// Ver 0, O 1, TTL 63, Length 6, MD 1, next IPv4, SPI 0x123456, SI 254, context 1 2 3 0xFFFFFFFF.
        static let md1: [UInt8] = [0x2F, 0xC6, 0x01, 0x01, 0x12, 0x34, 0x56, 0xFE,
                                   0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF]
        /// MD 2, Length 6: TLV (class 0x0101, type 1, 3 bytes) + TLV (class 0, type 0x82, 8 bytes).
        static let md2: [UInt8] = [0x0F, 0xC6, 0x02, 0x02, 0, 0, 1, 9,
                                   0x01, 0x01, 0x01, 0x03, 0xAA, 0xBB, 0xCC, 0x00,
                                   0x00, 0x00, 0x82, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]

        static func view<R>(_ bytes: [UInt8], _ body: (NSHHeader) -> R) -> R {
            withHeaderBuffer(bytes) { p, n in body(NSHHeader(p, count: n)!) }
        }

        @Test func md1Accessors() {
            Self.view(Self.md1) { nsh in
                #expect(nsh.version == 0)
                #expect(nsh.oam)
                #expect(nsh.ttl == 63)
                #expect(nsh.lengthWords == 6)
                #expect(nsh.length == 24)
                #expect(nsh.mdType == 1)
                #expect(nsh.nextProtocol == NSHNextProtocol.ipv4)
                #expect(nsh.spi == 0x123456)
                #expect(nsh.si == 254)
                #expect(nsh.problem == nil)
                #expect(nsh.fixedContext == [1, 2, 3, 0xFFFF_FFFF])
                #expect(nsh.contextTLVs == [])
                #expect(nsh.available == 24)
            }
        }

        @Test func md2Accessors() {
            Self.view(Self.md2) { nsh in
                #expect(nsh.oam == false)
                #expect(nsh.ttl == 63)
                #expect(nsh.mdType == 2)
                #expect(nsh.length == 28 - 4)   // Length 6 words = 24 bytes: the second TLV runs 4 bytes past it
                #expect(nsh.problem == .nshBadLength)
            }
            var fixed = Self.md2
            fixed[1] = 0xC7                     // Length 7: both TLVs fit exactly
            Self.view(fixed) { nsh in
                #expect(nsh.problem == nil)
                #expect(nsh.tlvsAreWellFormed)
                #expect(nsh.fixedContext == [])
                #expect(nsh.contextTLVs == [NSHContextTLV(metadataClass: 0x0101, type: 1, value: [0xAA, 0xBB, 0xCC]),
                                            NSHContextTLV(metadataClass: 0, type: 0x82, value: [1, 2, 3, 4, 5, 6, 7, 8])])
            }
        }

        /// RFC 8300 s2.5.1: a TLV whose length runs past the NSH Length is reported, and not returned.
        @Test func md2TLVRunningPastLength() {
            Self.view(Self.md2) { nsh in
                #expect(!nsh.tlvsAreWellFormed)
                #expect(nsh.contextTLVs == [NSHContextTLV(metadataClass: 0x0101, type: 1, value: [0xAA, 0xBB, 0xCC])])
            }
            // A TLV header cut by Length (Length 3 words: 4 bytes of TLV header, value missing).
            Self.view([0x0F, 0xC3, 0x02, 0x01, 0, 0, 1, 9, 0, 1, 2, 4]) { nsh in
                #expect(nsh.problem == .nshBadLength)
                #expect(nsh.contextTLVs == [])
            }
            // Length 2 means no context at all: well formed.
            Self.view([0x0F, 0xC2, 0x02, 0x01, 0, 0, 1, 9]) { nsh in
                #expect(nsh.problem == nil)
                #expect(nsh.contextTLVs == [])
            }
        }

        @Test(arguments: [
            // (byte 0, byte 1, byte 2 (MD type), expected)
            (UInt8(0x0F), UInt8(0xC6), UInt8(1), DropReason?.none),
            (0x4F, 0xC6, 1, .nshBadVersion),
            (0x8F, 0xC6, 1, .nshBadVersion),
            (0x0F, 0xC5, 1, .nshBadLength),                 // MD 1 must be Length 6
            (0x0F, 0xC7, 1, .nshBadLength),
            (0x0F, 0xC1, 2, .nshBadLength),                 // MD 2 needs Length >= 2
            (0x0F, 0xC6, 0, .nshBadMDType),                 // reserved
            (0x0F, 0xC6, 0xF, .nshBadMDType),               // experimental
            (0x0F, 0xC6, 3, .nshBadMDType),
            (0x0F, 0xC6, 0xF1, .none),                      // unassigned upper bits are not the MD type
        ] as [(UInt8, UInt8, UInt8, DropReason?)])
        func problem(byte0: UInt8, byte1: UInt8, mdType: UInt8, expected: DropReason?) {
            var b = Self.md1
            b[0] = byte0; b[1] = byte1; b[2] = mdType
            if mdType & 0x0F == 2 { b = Array(b.prefix(8)) + [UInt8](repeating: 0, count: 16) }
            Self.view(b + [UInt8](repeating: 0, count: 4)) { nsh in #expect(nsh.problem == expected) }
        }

        @Test func md2WithFourZeroBytesIsATLVWithoutValue() {
            var b = Array(Self.md1.prefix(8)) + [0, 0, 0, 0]
            b[1] = 0xC3; b[2] = 2
            Self.view(b) { nsh in
                #expect(nsh.problem == nil)
                #expect(nsh.contextTLVs == [NSHContextTLV(metadataClass: 0, type: 0, value: [])])
            }
        }

        /// Below 8 bytes the init refuses; from 8 up to Length, `problem` says truncated.
        @Test(arguments: [md1, md2.enumerated().map { $0.offset == 1 ? 0xC7 : $0.element }])
        func everyTruncation(full: [UInt8]) {
            for cut in 0..<full.count {
                withHeaderBuffer(Array(full.prefix(cut))) { p, n in
                    let nsh = NSHHeader(p, count: n)
                    if cut < 8 {
                        #expect(nsh == nil, "cut \(cut)")
                    } else {
                        #expect(nsh?.problem == .truncated, "cut \(cut)")
                        #expect(nsh?.tlvsAreWellFormed == false || nsh?.mdType == 1, "cut \(cut)")
                        _ = nsh?.contextTLVs
                        if nsh?.mdType == 1 { #expect(nsh?.fixedContext == [], "cut \(cut)") }
                    }
                }
            }
        }

        @Test func writers() {
            var b = writtenHeader(8) { q in
                NSHHeader.writeBase(q, ttl: 63, lengthWords: 6, mdType: 1, nextProtocol: 1, spi: 0x123456, si: 254)
            }
            #expect(b == [0x0F, 0xC6, 0x01, 0x01, 0x12, 0x34, 0x56, 0xFE])
            b[0] |= 0x20                        // O bit set: setTTL must keep it
            b = withHeaderBuffer(b) { p, n in
                writtenHeader(n) { q in
                    q.copyMemory(from: p, byteCount: n)
                    NSHHeader.setTTL(q, 1)
                    NSHHeader.setSI(q, 253)
                }
            }
            Self.view(b) { nsh in
                #expect(nsh.ttl == 1)
                #expect(nsh.oam)
                #expect(nsh.lengthWords == 6)
                #expect(nsh.si == 253)
                #expect(nsh.spi == 0x123456)
            }
        }
    }
}
