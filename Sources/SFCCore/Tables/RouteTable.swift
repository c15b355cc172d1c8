// Longest-prefix match over the configured routes. Route tables here are
// small (tens of entries), so the routes are kept longest-first and scanned;
// the first hit is the longest match.

/// What a route table needs of a prefix type.
public protocol RoutePrefix: Sendable {
    associatedtype Address
    var length: Int { get }
    func contains(_ address: Address) -> Bool
}

extension IPv4Prefix: RoutePrefix { public typealias Address = IPv4Address }
extension IPv6Prefix: RoutePrefix { public typealias Address = IPv6Address }

public struct RouteTable<Prefix: RoutePrefix>: Sendable {
    let prefixes: [Prefix]
    let adjacencies: [Adjacency]

    public init(_ routes: [(prefix: Prefix, via: Adjacency)]) {
        let sorted = routes.sorted { $0.prefix.length > $1.prefix.length }
        prefixes = sorted.map(\.prefix)
        adjacencies = sorted.map(\.via)
    }

    @inline(__always)
    public func lookup(_ address: Prefix.Address) -> Adjacency? {
        for i in prefixes.indices where prefixes[i].contains(address) { return adjacencies[i] }
        return nil
    }
}

public typealias RouteTable4 = RouteTable<IPv4Prefix>
public typealias RouteTable6 = RouteTable<IPv6Prefix>
