// Attaching to a real interface (a veth pair made for the test): native
// mode on veth, the kernel reports our program on the link, and detach
// removes it.
import Foundation
import SFCXDP
import Testing

@Suite struct AttachTests {
    static func ip(_ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") { p.executableURL = URL(fileURLWithPath: "/sbin/ip") }
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func attachesNativelyToAVethAndDetaches() throws {
        guard XDPTest.requireRoot() else { return }
        let a = "sfcxt\(getpid() % 100000)a", b = "sfcxt\(getpid() % 100000)b"
        let made = try Self.ip(["link", "add", a, "type", "veth", "peer", "name", b])
        try #require(made.status == 0, "cannot create a veth pair: \(made.output)")
        defer { _ = try? Self.ip(["link", "del", a]) }
        _ = try Self.ip(["link", "set", a, "up"])
        _ = try Self.ip(["link", "set", b, "up"])

        var config = try XDPTest.config()
        config.ports[0].interface = a
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .live, objectPath: try XDPTest.objectPath()))
        defer { dataplane.detach(removePins: false) }
        #expect(dataplane.ifindexes[0] != 0 && dataplane.ifindexes.dropFirst().allSatisfy { $0 == 0 })
        let attached = try dataplane.attach()
        #expect(attached.count == 1 && attached.first?.interface == a)
        #expect(attached.first?.mode == .native, "veth supports native XDP: \(attached)")
        let link = try Self.ip(["-d", "link", "show", a]).output
        #expect(link.contains("id \(dataplane.object.programID) "), "\(link)")

        dataplane.detach(removePins: false)
        let after = try Self.ip(["-d", "link", "show", a]).output
        #expect(!after.contains("prog/xdp"), "still attached after detach: \(after)")
    }

    /// veth refuses native XDP for a program without multi-buffer support
    /// when its peer's MTU does not fit a page: the generic fallback's case.
    @Test func fallsBackToGenericModeWhereNativeXDPIsRefused() throws {
        guard XDPTest.requireRoot() else { return }
        let a = "sfcxg\(getpid() % 100000)a", b = "sfcxg\(getpid() % 100000)b"
        let made = try Self.ip(["link", "add", a, "mtu", "9000", "type", "veth", "peer", "name", b, "mtu", "9000"])
        try #require(made.status == 0, "cannot create a veth pair: \(made.output)")
        defer { _ = try? Self.ip(["link", "del", a]) }
        _ = try Self.ip(["link", "set", a, "up"])
        _ = try Self.ip(["link", "set", b, "up"])

        var config = try XDPTest.config()
        config.ports[2].interface = a
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .live, objectPath: try XDPTest.objectPath()))
        defer { dataplane.detach(removePins: false) }
        let attached = try dataplane.attach()
        #expect(attached.map(\.mode) == [.generic], "native XDP should be refused at MTU 9000: \(attached)")
        let link = try Self.ip(["-d", "link", "show", a]).output
        #expect(link.contains("xdpgeneric") && link.contains("id \(dataplane.object.programID) "), "\(link)")
        dataplane.detach(removePins: false)
        #expect(!(try Self.ip(["-d", "link", "show", a]).output.contains("prog/xdp")))
    }
}
