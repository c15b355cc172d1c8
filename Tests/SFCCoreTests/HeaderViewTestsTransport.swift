// VXLAN-GPE, UDP, TCP and ICMP views: accessors, writers, every truncation.
import Testing
@testable import SFCCore

extension HeaderViewTests {
    @Suite struct Transport {
        static let vxlanGPE: [UInt8] = [0x0C, 0, 0, 4, 0x00, 0x13, 0x88, 0]       // I + P, next NSH, VNI 5000
        static let udp: [UInt8] = [0x12, 0xB6, 0x12, 0xB6, 0, 16, 0xAB, 0xCD]
        static let tcp: [UInt8] = [0x9C, 0x40, 0, 104, 0, 0, 0x03, 0xE8, 0, 0, 0, 7, 0x60, 0x12, 0x20, 0, 0, 0, 0, 0, 2, 4, 5, 0xB4]
        static let icmp: [UInt8] = [8, 0, 0xF7, 0xF5, 0, 9, 0, 1]

        @Test func vxlanGPE() {
            withHeaderBuffer(Self.vxlanGPE) { p, n in
                let h = VXLANGPEHeader(p, count: n)!
                #expect(h.flags == 0x0C)
                #expect(h.version == 0)
                #expect(h.nextProtocol == 4)
                #expect(h.vni == 5000)
                #expect(h.carriesNSH)
            }
            for (edit, why) in [((0, UInt8(0x08)), "no P bit"), ((0, 0x2C), "version 2"), ((3, 1), "IPv4 inside")] as [((Int, UInt8), String)] {
                var b = Self.vxlanGPE
                b[edit.0] = edit.1
                withHeaderBuffer(b) { p, n in #expect(!VXLANGPEHeader(p, count: n)!.carriesNSH, Comment(rawValue: why)) }
            }
            #expect(writtenHeader(8) { VXLANGPEHeader.write($0, vni: 5000, nextProtocol: 4) } == Self.vxlanGPE)
        }

        @Test func udp() {
            withHeaderBuffer(Self.udp) { p, n in
                let h = UDPHeader(p, count: n)!
                #expect(h.sourcePort == 4790)
                #expect(h.destinationPort == 4790)
                #expect(h.length == 16)
                #expect(h.checksum == 0xABCD)
            }
            #expect(writtenHeader(8) { UDPHeader.write($0, sourcePort: 4790, destinationPort: 4790, length: 16) }
                    == Array(Self.udp.prefix(6)) + [0, 0])
        }

        @Test func tcp() {
            withHeaderBuffer(Self.tcp) { p, n in
                let h = TCPHeader(p, count: n)!
                #expect(h.sourcePort == 40000)
                #expect(h.destinationPort == 104)
                #expect(h.sequence == 1000)
                #expect(h.acknowledgment == 7)
                #expect(h.dataOffset == 24)
                #expect(h.flags == 0x12)
                #expect(h.isValid)
                #expect(h.available == 24)
            }
            var short = Self.tcp
            short[12] = 0x40                                                          // data offset 4 words
            withHeaderBuffer(short) { p, n in #expect(!TCPHeader(p, count: n)!.isValid) }
            // Options announced but cut: 20..<24 bytes present.
            for cut in 20..<24 {
                withHeaderBuffer(Array(Self.tcp.prefix(cut))) { p, n in #expect(TCPHeader(p, count: n)?.isValid == false, "cut \(cut)") }
            }
        }

        @Test func icmp() {
            withHeaderBuffer(Self.icmp) { p, n in
                let h = ICMPHeader(p, count: n)!
                #expect(h.type == 8)
                #expect(h.code == 0)
                #expect(h.checksum == 0xF7F5)
                #expect(h.identifier == 9)
                #expect(Checksum.fold(Checksum.sum(p, count: n)) == 0)              // the checksum above is right
            }
        }

        @Test func everyTruncation() {
            for (bytes, size) in [(Self.vxlanGPE, 8), (Self.udp, 8), (Self.tcp, 20), (Self.icmp, 8)] {
                for cut in 0..<size {
                    withHeaderBuffer(Array(bytes.prefix(cut))) { p, n in
                        switch size {
                        case 20: #expect(TCPHeader(p, count: n) == nil, "tcp cut \(cut)")
                        default:
                            #expect(VXLANGPEHeader(p, count: n) == nil, "cut \(cut)")
                            #expect(UDPHeader(p, count: n) == nil, "cut \(cut)")
                            #expect(ICMPHeader(p, count: n) == nil, "cut \(cut)")
                        }
                    }
                }
            }
        }
    }
}
