// Pushing more than the headroom: the packet moves back inside its buffer
// (as DPDK's 128-byte headroom needs for long segment lists) or nothing changes.
import Testing
@testable import SFCCore

@Suite struct PacketBufferTests {
    func withBuffer(capacity: Int, headroom: Int, length: Int, _ body: (inout PacketBuffer) -> Void) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xEE, count: capacity)
        for i in 0..<length { raw.storeBytes(of: UInt8(truncatingIfNeeded: i &* 7 &+ 1), toByteOffset: headroom + i, as: UInt8.self) }
        var p = PacketBuffer(base: raw, capacity: capacity, headroom: headroom, length: length)
        body(&p)
    }

    func pattern(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) } }

    @Test(arguments: [0, 8, 39])
    func aPushLargerThanTheHeadroomMovesThePacketBack(headroom: Int) {
        withBuffer(capacity: 400, headroom: headroom, length: 300) { p in
            let pushed = p.prepend(40)  // outside #expect: the macro's closure cannot mutate
            #expect(pushed)
            #expect(p.length == 340 && Array(p.bytes[40...]) == pattern(300))
            #expect(p.headroom + p.length <= p.capacity)
        }
    }

    @Test func aPushThatCannotFitChangesNothing() {
        withBuffer(capacity: 120, headroom: 8, length: 100) { p in
            let pushed = p.prepend(40)
            #expect(!pushed)
            #expect(p.headroom == 8 && p.length == 100 && p.bytes == pattern(100))
        }
    }

    @Test func aLongSegmentListIsEncapsulatedAlikeWithASmallHeadroom() {
        // 3 segments of H.Encaps = 96 bytes, more than the 48 bytes of headroom here.
        let frame = Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 443))
        let expected = Topo.pipeline().process(frame, ingress: Topo.clients)
        let small = PacketBatch(capacity: 1, slotSize: 2048, headroom: 48)
        small.append(frame, ingress: Topo.clients)
        Topo.pipeline().process(small)
        #expect(small.meta[0].verdict == .forward && expected.meta.verdict == .forward)
        #expect(small.bytes(at: 0) == expected.output)
    }
}
