// The route tables as LPM trie keys. Same routes as ForwardingTables: the
// sr-aware instances' /128 host routes first, then the configured ones; a
// prefix configured twice keeps its first adjacency, as the reference's
// first-match scan does.
import CLibBPF
import SFCCore

enum RouteImage {
    static func routes4(_ config: CompiledConfig) -> [(key: sfc_lpm4_key, via: Adjacency)] {
        var seen = Set<IPv4Prefix>()
        var out: [(key: sfc_lpm4_key, via: Adjacency)] = []
        for route in config.routes4 {
            let prefix = IPv4Prefix(address: IPv4Address(raw: route.prefix.address.raw & route.prefix.mask), length: route.prefix.length)
            guard seen.insert(prefix).inserted else { continue }
            var key = sfc_lpm4_key()
            key.prefixlen = UInt32(prefix.length)
            CBytes.copy(CBytes.ipv4(prefix.address), into: &key.addr)
            out.append((key, route.via))
        }
        return out
    }

    static func routes6(_ config: CompiledConfig) -> [(key: sfc_lpm6_key, via: Adjacency)] {
        var routes: [Route6] = []
        for function in config.functions where function.kind == .srAware {
            for instance in function.instances {
                if let sid = instance.sid, let via = instance.attachment {
                    routes.append(Route6(prefix: IPv6Prefix(address: sid, length: 128), via: via))
                }
            }
        }
        routes += config.routes6
        var seen = Set<IPv6Prefix>()
        var out: [(key: sfc_lpm6_key, via: Adjacency)] = []
        for route in routes {
            let m = IPv6Prefix.mask(route.prefix.length)
            let address = IPv6Address(hi: route.prefix.address.hi & m.0, lo: route.prefix.address.lo & m.1)
            guard seen.insert(IPv6Prefix(address: address, length: route.prefix.length)).inserted else { continue }
            var key = sfc_lpm6_key()
            key.prefixlen = UInt32(route.prefix.length)
            CBytes.copy(CBytes.ipv6(address), into: &key.addr)
            out.append((key, route.via))
        }
        return out
    }
}
