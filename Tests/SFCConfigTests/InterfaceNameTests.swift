// `interface:` on a port: the kernel interface the XDP dataplane attaches
// to. Checked as Linux checks names, and one port per interface.
import SFCConfig
import SFCCore
import Testing

@Suite struct InterfaceNameTests {
    static let twoPorts = """
        node: {name: n1}
        ports:
          - {name: p1, mac: "02:00:00:00:00:01", trusted: true, interface: veth-a}
          - {name: p2, mac: "02:00:00:00:00:09", interface: %@}
        functions:
          - name: f1
            kind: nsh-aware
            instances: [{name: i1, port: p1, mac: "02:00:00:00:00:02"}]
        chains:
          - {name: c1, spi: 1, encapsulation: nsh, hops: [f1], end: {port: p2, mac: "02:00:00:00:00:03"}}

        """

    static func file(secondInterface: String) -> String {
        twoPorts.replacingOccurrences(of: "%@", with: secondInterface)
    }

    @Test func interfacesCompileIntoThePorts() throws {
        let (config, diagnostics) = compile(Self.file(secondInterface: "enp1s0f1.100"))
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.rendered))")
        let ports = try #require(config?.ports)
        #expect(ports.map(\.interface) == ["veth-a", "enp1s0f1.100"])
        #expect(compile(Fixture.base).config?.ports.first?.interface == nil)
    }

    @Test func tooLongAName() {
        expectError(Self.file(secondInterface: "a23456789012345X"), line: 4, column: 53, "bad interface name")
    }

    @Test func slashInAName() {
        expectError(Self.file(secondInterface: "\"a/b\""), line: 4, column: 53, "no '/', ':' or spaces")
    }

    @Test func twoPortsOnOneInterface() {
        expectError(Self.file(secondInterface: "veth-a"), line: 4, column: 53,
                    "interface 'veth-a' is already the interface of another port (line 3)")
    }
}
