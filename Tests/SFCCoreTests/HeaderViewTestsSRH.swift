// The Segment Routing Header view (RFC 8754 s2) and its checks
// (RFC 8754 s4.3.1.1, RFC 8986 s4.1 S08-S09).
import Testing
@testable import SFCCore

extension HeaderViewTests {
    @Suite struct SRH {
        /// Next header 41, 3 segments, SL 1, Last Entry 2, flags 0x80, tag 0xBEEF, then an 8-byte PadN TLV.
        static let bytes: [UInt8] = [41, 7, 4, 1, 2, 0x80, 0xBE, 0xEF] + v6Bytes("fc00:3::e") + v6Bytes("fc00:2::e")
            + v6Bytes("fc00:1::e") + [4, 6, 0, 0, 0, 0, 0, 0]

        @Test func accessors() {
            withHeaderBuffer(Self.bytes) { p, n in
                let srh = SegmentRoutingHeader(p, count: n)!
                #expect(srh.nextHeader == 41)
                #expect(srh.hdrExtLen == 7)
                #expect(srh.type == 4)
                #expect(srh.segmentsLeft == 1)
                #expect(srh.lastEntry == 2)
                #expect(srh.flags == 0x80)
                #expect(srh.tag == 0xBEEF)
                #expect(srh.length == 64)
                #expect(srh.maxLastEntry == 2)
                #expect(srh.segment(0) == IPv6Address("fc00:3::e"))
                #expect(srh.segment(1) == IPv6Address("fc00:2::e"))
                #expect(srh.segment(2) == IPv6Address("fc00:1::e"))
                #expect(srh.tlvRange == 56..<64)
                #expect(srh.available == 64)
                // Odd Hdr Ext Len with a TLV in the extra 8 bytes is legal (RFC 8754 s2).
                #expect(srh.problem == nil)
            }
        }

        /// Every cut below Hdr Ext Len's announced size: the init refuses it.
        @Test func everyTruncation() {
            for cut in 0..<Self.bytes.count {
                withHeaderBuffer(Array(Self.bytes.prefix(cut))) { p, n in
                    #expect(SegmentRoutingHeader(p, count: n) == nil, "cut \(cut)")
                }
            }
        }

        static func header(hdrExtLen: UInt8, segmentsLeft: UInt8, lastEntry: UInt8, type: UInt8 = 4) -> [UInt8] {
            [41, hdrExtLen, type, segmentsLeft, lastEntry, 0, 0, 0] + [UInt8](repeating: 0xAA, count: Int(hdrExtLen) * 8)
        }

        @Test(arguments: [
            // (Hdr Ext Len, SL, Last Entry, type, expected)
            (UInt8(4), UInt8(1), UInt8(1), UInt8(4), DropReason?.none),
            (4, 0, 1, 4, nil),
            (4, 2, 1, 4, nil),                                   // SL == LE + 1: reduced SRH, legal
            (4, 3, 1, 4, .srhSegmentsLeftOutOfRange),
            (4, 1, 2, 4, .srhMalformed),                         // Last Entry beyond Hdr Ext Len / 2 - 1
            (5, 1, 1, 4, nil),                                   // odd: TLVs fill the extra 8 bytes
            (5, 1, 2, 4, .srhMalformed),                         // odd, Last Entry beyond 5 / 2 - 1
            (0, 0, 0, 4, .srhMalformed),                         // no room for a segment
            (4, 1, 1, 3, .srhMalformed),                         // not routing type 4
            (2, 1, 0, 4, nil),
            (2, 2, 0, 4, .srhSegmentsLeftOutOfRange),
        ] as [(UInt8, UInt8, UInt8, UInt8, DropReason?)])
        func problem(hdrExtLen: UInt8, segmentsLeft: UInt8, lastEntry: UInt8, type: UInt8, expected: DropReason?) {
            withHeaderBuffer(Self.header(hdrExtLen: hdrExtLen, segmentsLeft: segmentsLeft, lastEntry: lastEntry, type: type)) { p, n in
                let srh = SegmentRoutingHeader(p, count: n)!
                #expect(srh.problem == expected)
                // Never traps, even on a Last Entry past the header.
                #expect(srh.tlvRange.upperBound == srh.length)
                #expect(srh.tlvRange.lowerBound <= srh.length)
            }
        }

        @Test func writeFixed() {
            let w = writtenHeader(8) { SegmentRoutingHeader.writeFixed($0, nextHeader: 4, segments: 3, segmentsLeft: 2, lastEntry: 2) }
            #expect(w == [4, 6, 4, 2, 2, 0, 0, 0])
        }
    }
}
