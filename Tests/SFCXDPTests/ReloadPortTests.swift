// A reload that changes the port set, live on veth pairs made for the test:
// a port that gains an interface is attached, one that loses it detached,
// the one that stays untouched; a reload naming an interface that does not
// exist is refused with an error naming it, and the running generation
// (tables, attachments) goes on as it was.
import Foundation
import SFCCore
import SFCXDP
import Testing

@Suite(.serialized) struct ReloadPortTests {
    @Test func aReloadAttachesAddedPortsAndDetachesRemovedOnes() throws {
        guard XDPTest.requireRoot() else { return }
        let tag = "sfcxr\(getpid() % 100000)"
        var made: [String] = []
        defer { for a in made { _ = try? AttachTests.ip(["link", "del", a]) } }
        for n in 1...3 {
            let a = "\(tag)\(n)a", b = "\(tag)\(n)b"
            let r = try AttachTests.ip(["link", "add", a, "type", "veth", "peer", "name", b])
            try #require(r.status == 0, "cannot create a veth pair: \(r.output)")
            made.append(a)
            _ = try AttachTests.ip(["link", "set", a, "up"])
            _ = try AttachTests.ip(["link", "set", b, "up"])
        }
        func attached(_ name: String) throws -> Bool { try AttachTests.ip(["-d", "link", "show", name]).output.contains("prog/xdp") }

        var a = try XDPTest.config()
        try #require(a.ports.count >= 3)
        a.ports[0].interface = made[0]
        a.ports[1].interface = made[1]
        let dataplane = try XDPDataplane(config: a, options: .init(mode: .live, objectPath: try XDPTest.objectPath()))
        defer { dataplane.detach(removePins: false) }
        try dataplane.attach()
        #expect(Set(dataplane.attachments.map(\.interface)) == [made[0], made[1]])

        // Port 1 loses its interface, port 2 gains one.
        var b = a
        b.ports[1].interface = nil
        b.ports[2].interface = made[2]
        try dataplane.update(b, generation: 2)
        #expect(Set(dataplane.attachments.map(\.interface)) == [made[0], made[2]])
        let afterB = try made.map(attached)
        #expect(afterB == [true, false, true], "attached after the reload: \(afterB)")
        #expect(dataplane.generation == 2)

        // An interface that does not exist: refused, nothing changes.
        var c = b
        c.ports[1].interface = "\(tag)none"
        let active = try dataplane.activeGeneration
        #expect(throws: XDPError.self) { try dataplane.update(c, generation: 3) }
        do { try dataplane.update(c, generation: 3) } catch let e as XDPError {
            #expect(e.description.contains("\(tag)none"), "the error names the interface: \(e)")
        }
        let activeAfter = try dataplane.activeGeneration
        #expect(dataplane.generation == 2 && activeAfter == active)
        #expect(Set(dataplane.attachments.map(\.interface)) == [made[0], made[2]])
        let afterC = try made.map(attached)
        #expect(afterC == [true, false, true], "attached after the refused reload: \(afterC)")

        dataplane.detach(removePins: false)
        let afterDetach = try made.map(attached)
        #expect(afterDetach == [false, false, false])
    }
}
