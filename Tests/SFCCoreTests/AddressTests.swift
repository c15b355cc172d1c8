// Address text forms: IPv6 (RFC 4291 s2.2) parsing and RFC 5952 printing,
// IPv4 dotted quads, MAC addresses, and prefixes.
import Testing
@testable import SFCCore

@Suite struct AddressTests {
    static func words(_ a: IPv6Address?) -> [UInt16]? { a.map { a in (0..<8).map { a.word($0) } } }

    @Test(arguments: [
        ("::", [0, 0, 0, 0, 0, 0, 0, 0]),
        ("::1", [0, 0, 0, 0, 0, 0, 0, 1]),
        ("1::", [1, 0, 0, 0, 0, 0, 0, 0]),
        ("1::2", [1, 0, 0, 0, 0, 0, 0, 2]),
        ("2001:db8::", [0x2001, 0xDB8, 0, 0, 0, 0, 0, 0]),
        ("2001:DB8::A", [0x2001, 0xDB8, 0, 0, 0, 0, 0, 0xA]),
        ("1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]),
        ("1:2:3:4:5:6:7::", [1, 2, 3, 4, 5, 6, 7, 0]),
        ("::2:3:4:5:6:7:8", [0, 2, 3, 4, 5, 6, 7, 8]),
        ("1:0:0:0:0:0:0:8", [1, 0, 0, 0, 0, 0, 0, 8]),
        ("fe80::0001:2", [0xFE80, 0, 0, 0, 0, 0, 1, 2]),
        ("::ffff:192.0.2.1", [0, 0, 0, 0, 0, 0xFFFF, 0xC000, 0x0201]),
        ("64:ff9b::192.0.2.33", [0x64, 0xFF9B, 0, 0, 0, 0, 0xC000, 0x0221]),
        ("1:2:3:4:5:6:1.2.3.4", [1, 2, 3, 4, 5, 6, 0x0102, 0x0304]),
        ("::1.2.3.4", [0, 0, 0, 0, 0, 0, 0x0102, 0x0304]),
    ] as [(String, [UInt16])])
    func ipv6Parses(text: String, expected: [UInt16]) {
        #expect(Self.words(IPv6Address(text)) == expected)
    }

    @Test(arguments: [
        "", ":", ":::", "1:::2", "1::2::3", "::1::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4::5:6:7:8",
        ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", ":1::", "12345::", "g::", "1.2.3.4", "::1.2.3", "::1.2.3.4:5",
        "::256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", " ::1", "::1 ", "1::2:3:4:5:6:7:8", "::1.2.3.4.5", "fe80::1%eth0",
    ])
    func ipv6Rejects(text: String) {
        #expect(IPv6Address(text) == nil, "\(text)")
    }

    /// Integer parsing must not let a sign through as a hex digit.
    @Test func ipv6RejectsSigns() {
        #expect(IPv6Address("+1::") == nil)
        #expect(IPv6Address("1:+2::") == nil)
    }

    /// RFC 5952 s4: lower case, no leading zeros, the longest run of two or more zero groups as
    /// "::" (the first when runs tie), a single zero group never compressed.
    @Test(arguments: [
        ("0:0:0:0:0:0:0:0", "::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1:0:0:0:0:0:0:0", "1::"),
        ("2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("0:0:1:0:0:0:1:0", "0:0:1::1:0"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("fc00:1::e", "fc00:1::e"),
        ("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
        ("1:0:0:0:0:0:0:8", "1::8"),
    ])
    func rfc5952(text: String, printed: String) {
        #expect(IPv6Address(text)?.description == printed)
        #expect(IPv6Address(printed) == IPv6Address(text))     // the printed form parses back
    }

    /// RFC 5952 s5 recommends mixed notation for IPv4-mapped addresses.
    @Test func rfc5952MixedNotationForMappedAddresses() {
        #expect(IPv6Address("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
    }

    @Test func ipv6OctetsWordsAndOrder() {
        let a = IPv6Address("2001:db8::102:304")!
        #expect(a.octet(0) == 0x20)
        #expect(a.octet(1) == 0x01)
        #expect(a.octet(12) == 1)
        #expect(a.octet(15) == 4)
        #expect(a.word(7) == 0x0304)
        #expect(a.hi == 0x2001_0DB8_0000_0000)
        #expect(a.lo == 0x0000_0000_0102_0304)
        #expect(IPv6Address("::1")! < IPv6Address("::2")!)
        #expect(IPv6Address("::ffff")! < IPv6Address("1::")!)
    }

    @Test func ipv4() {
        #expect(IPv4Address("10.0.0.1")?.raw == 0x0A00_0001)
        #expect(IPv4Address("255.255.255.255")?.raw == 0xFFFF_FFFF)
        #expect(IPv4Address("0.0.0.0")?.raw == 0)
        #expect(IPv4Address("192.0.2.33")?.description == "192.0.2.33")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.", "a.b.c.d", "1.2.3.-4", "1.2.3.+4", "1.2.3.4 ",
                    "1234.1.1.1", "١.٢.٣.٤"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        #expect(IPv4Address("10.0.0.1")! < IPv4Address("10.0.0.2")!)
    }

    @Test func mac() {
        #expect(MACAddress("02:00:00:00:00:0a")?.raw == 0x0200_0000_000A)
        #expect(MACAddress("02-00-00-00-00-0A")?.raw == 0x0200_0000_000A)
        #expect(MACAddress("AA:bb:CC:dd:EE:ff")?.description == "aa:bb:cc:dd:ee:ff")
        #expect(MACAddress(0x02, 0, 0, 0, 0, 0x0a) == MACAddress("02:00:00:00:00:0a"))
        #expect(MACAddress(raw: 0xFFFF_0200_0000_000A).raw == 0x0200_0000_000A)   // upper 16 bits dropped
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        #expect(MACAddress.zero.description == "00:00:00:00:00:00")
        #expect(MACAddress("02:00:00:00:00:0a")!.octet(5) == 0x0A)
        for bad in ["", "02:00:00:00:00", "02:00:00:00:00:0a:0b", "2:0:0:0:0:a", "02:00:00:00:00:0g", "02:00-00:00:00:0a",
                    "020000000000a"] {
            #expect(MACAddress(bad) == nil, "\(bad)")
        }
        #expect(MACAddress("+a:00:00:00:00:0a") == nil)
    }

    @Test func ipv4Prefixes() {
        let p = IPv4Prefix(address: IPv4Address("10.1.2.3")!, length: 16)
        #expect(p.address == IPv4Address("10.1.0.0"))          // host bits cleared
        #expect(p.description == "10.1.0.0/16")
        #expect(p.mask == 0xFFFF_0000)
        #expect(p.contains(IPv4Address("10.1.255.255")!))
        #expect(!p.contains(IPv4Address("10.2.0.0")!))
        #expect(p.contains(IPv4Prefix(address: IPv4Address("10.1.5.0")!, length: 24)))
        #expect(!p.contains(IPv4Prefix(address: IPv4Address("10.0.0.0")!, length: 8)))
        #expect(IPv4Prefix.mask(0) == 0)
        #expect(IPv4Prefix.mask(32) == 0xFFFF_FFFF)
        #expect(IPv4Prefix.mask(1) == 0x8000_0000)
        #expect(IPv4Prefix.any.contains(IPv4Address("203.0.113.9")!))
        #expect(IPv4Prefix(address: IPv4Address("10.0.0.1")!, length: 32).contains(IPv4Address("10.0.0.1")!))
    }

    @Test func ipv6Prefixes() {
        let p = IPv6Prefix(address: IPv6Address("fc00:1:2:3::e")!, length: 48)
        #expect(p.address == IPv6Address("fc00:1:2::"))
        #expect(p.description == "fc00:1:2::/48")
        #expect(p.contains(IPv6Address("fc00:1:2:ffff::1")!))
        #expect(!p.contains(IPv6Address("fc00:1:3::")!))
        #expect(p.contains(IPv6Prefix(address: IPv6Address("fc00:1:2:3::")!, length: 64)))
        #expect(!p.contains(IPv6Prefix(address: IPv6Address("fc00::")!, length: 16)))
        #expect(IPv6Prefix.mask(0) == (0, 0))
        #expect(IPv6Prefix.mask(64) == (~0, 0))
        #expect(IPv6Prefix.mask(65) == (~0, 0x8000_0000_0000_0000))
        #expect(IPv6Prefix.mask(128) == (~0, ~0))
        #expect(IPv6Prefix.mask(200) == (~0, ~0))
        #expect(IPv6Prefix.mask(-1) == (0, 0))
        let host = IPv6Prefix(address: IPv6Address("fc00::e")!, length: 128)
        #expect(host.contains(IPv6Address("fc00::e")!))
        #expect(!host.contains(IPv6Address("fc00::f")!))
        #expect(IPv6Prefix.any.contains(IPv6Address("2001:db8::1")!))
        let v120 = IPv6Prefix(address: IPv6Address("2001:db8::1ff")!, length: 120)
        #expect(v120.address == IPv6Address("2001:db8::100"))
    }
}
