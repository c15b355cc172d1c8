// The route records of SFCCore's ForwardingTables (the SR-aware host routes
// and the configured ones, one per prefix) encoded as LPM trie keys.
import CLibBPF
import SFCCore

enum RouteImage {
    static func routes4(_ tables: ForwardingTables) -> [(key: sfc_lpm4_key, via: Adjacency)] {
        tables.routeEntries4.map { route in
            var key = sfc_lpm4_key()
            key.prefixlen = UInt32(route.prefix.length)
            CBytes.copy(CBytes.ipv4(route.prefix.address), into: &key.addr)
            return (key, route.via)
        }
    }

    static func routes6(_ tables: ForwardingTables) -> [(key: sfc_lpm6_key, via: Adjacency)] {
        tables.routeEntries6.map { route in
            var key = sfc_lpm6_key()
            key.prefixlen = UInt32(route.prefix.length)
            CBytes.copy(CBytes.ipv6(route.prefix.address), into: &key.addr)
            return (key, route.via)
        }
    }
}
