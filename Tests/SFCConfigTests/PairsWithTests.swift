// `pairs-with:`: the two interfaces of one appliance as two functions whose
// instance k is the same box (docs/CHAIN-FORMAT.md "pairs-with").
import SFCCore
import Testing
@testable import SFCConfig

@Suite struct PairsWithTests {
    static func file(_ returnKeys: String, returnInstances: String? = nil) -> String {
        let instances = returnInstances ?? """
                  - {name: fw1-return, port: p2, mac: "02:00:00:00:02:01"}
                  - {name: fw2-return, port: p2, mac: "02:00:00:00:02:02", vlan: 20}
            """
        return """
            node: {name: n1}
            ports:
              - {name: p1, mac: "02:00:00:00:00:01"}
              - {name: p2, mac: "02:00:00:00:00:02"}
            functions:
              - name: firewall
                kind: nsh-unaware
                instances:
                  - {name: fw1, port: p1, mac: "02:00:00:00:01:01"}
                  - {name: fw2, port: p1, mac: "02:00:00:00:01:02", vlan: 10}
              - name: firewall-return
                kind: nsh-unaware
                \(returnKeys)
                instances:
            \(instances)
            chains:
              - {name: c2s, spi: 1, encapsulation: nsh, hops: [firewall], end: {port: p2, mac: "02:00:00:00:09:02"}}
              - {name: s2c, spi: 2, encapsulation: nsh, hops: [firewall-return], end: {port: p1, mac: "02:00:00:00:09:01"}}

            """
    }

    @Test func aPairCompilesToTheOtherFunctionsIndex() throws {
        let (config, diagnostics) = compile(Self.file("pairs-with: firewall"))
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics.map(\.rendered))")
        let c = try #require(config)
        #expect(c.functions[1].pairsWith == 0)
        #expect(c.functions[0].pairsWith == nil)
    }

    @Test func badPairsArePositioned() {
        expectError(Self.file("pairs-with: nope"), line: 13, column: 17,
                    "function 'firewall-return' pairs with 'nope', which is not a function of this file")
        expectError(Self.file("pairs-with: firewall-return"), line: 13, column: 17, "cannot pair with itself")
        expectError(Self.file("pairs-with: firewall", returnInstances: """
                              - {name: fw1-return, port: p2, mac: "02:00:00:00:02:01"}
                        """), line: 13, column: 17, "has 1 instance(s) and 'firewall' has 2")
        expectError(Self.file("pairs-with: firewall", returnInstances: """
                              - {name: fw1-return, port: p2, mac: "02:00:00:00:02:01", weight: 3}
                              - {name: fw2-return, port: p2, mac: "02:00:00:00:02:02", vlan: 20}
                        """), line: 15, column: 9, "has weight 3 but its pair 'fw1' of 'firewall' has 1")
        expectError(Self.file("pairs-with: firewall\n    affinity-idle: 5s"), line: 14, column: 20,
                    "'affinity-idle' is the paired function's ('firewall')")
    }

    /// The tables: both functions choose with firewall's names and share its
    /// affinity ids, and an instance down in either is down in both.
    @Test func bothFunctionsChooseTheSameInstanceAndShareStates() throws {
        let c = try #require(compile(Self.file("pairs-with: firewall")).config)
        let tables = ForwardingTables(c)
        let (a, b) = (tables.functions[0], tables.functions[1])
        #expect(a.selector.buckets == b.selector.buckets)
        #expect(a.id == b.id && a.instanceIDs == b.instanceIDs && a.affinityIdleTicks == b.affinityIdleTicks)
        #expect(Set(a.selector.buckets) == [0, 1])
        var liveness = InstanceLiveness()
        liveness.set(function: "firewall-return", instance: "fw2-return", .init(state: .down))
        let down = ForwardingTables(c, liveness: liveness)
        for f in 0..<2 {
            #expect(down.functions[f].states == [.up, .down], "function \(f): \(down.functions[f].states)")
            #expect(Set(down.functions[f].selector.buckets) == [0], "function \(f)")
        }
        // What the daemon writes in place for either function is the same.
        #expect(liveness.selector(of: 0, in: c).buckets == liveness.selector(of: 1, in: c).buckets)
        #expect(InstanceLiveness.pairGroup(of: 1, in: c) == [0, 1] && InstanceLiveness.pairGroup(of: 0, in: c) == [0, 1])
        // Unpaired, the two would disagree on some flows.
        let unpaired = ForwardingTables(try #require(compile(Self.file("")).config))
        #expect(unpaired.functions[0].selector.buckets != unpaired.functions[1].selector.buckets)
    }
}
