// Chain files made by code, for scale: the smallest valid file, and one
// with N classifier rules. `chain-trace bench-compile` measures compiling
// the latter; the config tests build on the former (its line count is
// part of their expected positions) and check that the latter compiles.
public enum GeneratedChainFile {
    /// A minimal valid chain file of exactly 19 lines (one port, one
    /// NSH-aware function, one chain); text appended to it starts on line 20.
    public static let minimal = """
        node:
          name: n1
        ports:
          - name: p1
            mac: 02:00:00:00:00:01
            trusted: true
        functions:
          - name: f1
            kind: nsh-aware
            instances:
              - name: i1
                port: p1
                mac: 02:00:00:00:00:02
        chains:
          - name: c1
            spi: 1
            encapsulation: nsh
            hops: [f1]
            end: {port: p1, mac: 02:00:00:00:00:03}

        """

    /// `minimal` with `rules` distinct rules in four shapes (host sources
    /// with a port, with a port range, with DSCP; IPv6 hosts), none covering
    /// another, and two general rules at the end that cover none of them:
    /// `rules` + 4 compiled rules (the general ones match both families).
    public static func withRules(_ rules: Int) -> String {
        var text = minimal + "rules:\n"
        text.reserveCapacity(rules * 100 + 1000)
        for i in 0..<rules {
            let a = (i >> 16) & 0xFF, b = (i >> 8) & 0xFF, c = i & 0xFF
            switch i % 4 {
            case 0:
                text += "  - {name: r\(i), priority: \(i % 7), chain: c1, protocol: tcp, source: 10.\(a).\(b).\(c), destination-port: \(1 + i % 60000)}\n"
            case 1:
                text += "  - {name: r\(i), priority: \(i % 7), chain: c1, protocol: udp, source: 10.\(a).\(b).\(c), destination-port: 1000-\(2000 + i % 100)}\n"
            case 2:
                text += "  - {name: r\(i), chain: c1, source: 172.\(16 + a).\(b).\(c), dscp: \(i % 64)}\n"
            default:
                text += "  - {name: r\(i), chain: c1, protocol: tcp, source: \"2001:db8:\(a):\(b)::\(c)\"}\n"
            }
        }
        text += "  - {name: web, priority: 5000, chain: c1, protocol: tcp, destination-port: 443}\n"
        text += "  - {name: rest, priority: 6000, chain: c1}\n"
        return text
    }
}
