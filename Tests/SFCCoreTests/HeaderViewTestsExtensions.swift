// The IPv6 extension header walk (RFC 8200 s4): hop-by-hop + SRH +
// destination options + fragment, cut at every length, and its limits.
import Testing
@testable import SFCCore

extension HeaderViewTests {
    @Suite struct ExtensionWalk {
        static let hopByHop: [UInt8] = [43, 0, 1, 4, 0, 0, 0, 0]                // next: routing; PadN
        static let srh: [UInt8] = [60, 4, 4, 1, 1, 0, 0, 0] + v6Bytes("fc00:2::e") + v6Bytes("fc00:1::e")   // next: dstopts
        static let destination: [UInt8] = [44, 0, 1, 4, 0, 0, 0, 0]             // next: fragment
        static let fragment: [UInt8] = [17, 0, 0, 0, 0, 0, 0, 9]                // first fragment, next: UDP
        static let udp: [UInt8] = [0, 1, 0, 2, 0, 8, 0, 0]

        static func packet(_ extensions: [UInt8], first: UInt8 = 0, payloadLength: Int? = nil) -> [UInt8] {
            let payload = extensions + udp
            let length = payloadLength ?? payload.count
            return [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), first, 64]
                + v6Bytes("2001:db8::1") + v6Bytes("fc00:1::e") + payload
        }

        static let full = packet(hopByHop + srh + destination + fragment)

        @Test func walkFindsEachHeader() {
            withHeaderBuffer(Self.full) { p, n in
                let chain = IPv6Header(p, count: n)!.walkExtensions()
                #expect(chain == IPv6Chain(upperOffset: 40 + 8 + 40 + 8 + 8, upperProtocol: 17, srhOffset: 48,
                                           otherRoutingOffset: -1, laterFragment: false))
            }
        }

        /// Cut anywhere inside the extension headers: nil (the payload length promises more).
        @Test func everyTruncationOfTheChain() {
            let upper = 40 + 64
            for cut in 0..<Self.full.count {
                withHeaderBuffer(Array(Self.full.prefix(cut))) { p, n in
                    guard let ip = IPv6Header(p, count: n) else {
                        #expect(cut < 40)
                        return
                    }
                    let chain = ip.walkExtensions()
                    if cut < upper {
                        #expect(chain == nil, "cut \(cut)")
                    } else {
                        #expect(chain?.upperOffset == upper, "cut \(cut)")
                    }
                }
            }
        }

        /// The payload length, not only the buffer, bounds the walk.
        @Test func payloadLengthBoundsTheWalk() {
            for length in 0..<64 {
                withHeaderBuffer(Self.packet(Self.hopByHop + Self.srh + Self.destination + Self.fragment, payloadLength: length)) { p, n in
                    #expect(IPv6Header(p, count: n)!.walkExtensions() == nil, "payload length \(length)")
                }
            }
        }

        @Test func laterFragmentStopsTheWalk() {
            let later: [UInt8] = [17, 0, 0x00, 0x08, 0, 0, 0, 9]                 // offset 1 (8 bytes)
            withHeaderBuffer(Self.packet(later, first: 44)) { p, n in
                let chain = IPv6Header(p, count: n)!.walkExtensions()
                #expect(chain?.laterFragment == true)
                #expect(chain?.upperOffset == 48)
                #expect(chain?.upperProtocol == 17)
            }
            let moreFlagOnly: [UInt8] = [17, 0, 0x00, 0x01, 0, 0, 0, 9]
            withHeaderBuffer(Self.packet(moreFlagOnly, first: 44)) { p, n in
                #expect(IPv6Header(p, count: n)!.walkExtensions()?.laterFragment == false)
            }
        }

        @Test func otherRoutingTypeAndAuthenticationHeader() {
            let type3: [UInt8] = [51, 0, 3, 0, 0, 0, 0, 0]
            let ah: [UInt8] = [17, 1] + [UInt8](repeating: 0, count: 10)         // (1 + 2) * 4 = 12 bytes
            withHeaderBuffer(Self.packet(type3 + ah, first: 43)) { p, n in
                let chain = IPv6Header(p, count: n)!.walkExtensions()
                #expect(chain == IPv6Chain(upperOffset: 40 + 8 + 12, upperProtocol: 17, srhOffset: -1,
                                           otherRoutingOffset: 40, laterFragment: false))
            }
        }

        @Test func noExtensionHeaders() {
            withHeaderBuffer(Self.packet([], first: 17)) { p, n in
                #expect(IPv6Header(p, count: n)!.walkExtensions() == IPv6Chain(upperOffset: 40, upperProtocol: 17, srhOffset: -1,
                                                                              otherRoutingOffset: -1, laterFragment: false))
            }
        }

        @Test func moreThanSixteenHeadersIsRefused() {
            var chain: [UInt8] = []
            for i in 0..<17 { chain += [i == 16 ? 17 : 60, 0, 1, 4, 0, 0, 0, 0] }
            withHeaderBuffer(Self.packet(chain, first: 60)) { p, n in #expect(IPv6Header(p, count: n)!.walkExtensions() == nil) }
            withHeaderBuffer(Self.packet(Array(chain.dropFirst(8)), first: 60)) { p, n in
                #expect(IPv6Header(p, count: n)!.walkExtensions()?.upperProtocol == 17)
            }
        }

        @Test func isExtension() {
            for nh: UInt8 in [0, 43, 44, 60, 51, 135] { #expect(IPv6Header.isExtension(nh)) }
            for nh: UInt8 in [4, 6, 17, 41, 50, 58, 59, 143] { #expect(!IPv6Header.isExtension(nh)) }
        }
    }
}
