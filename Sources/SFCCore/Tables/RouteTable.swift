// Longest-prefix match over the configured routes. Route tables here are
// small (tens of entries), so the routes are kept longest-first and scanned;
// the first hit is the longest match.

public struct RouteTable4: Sendable {
    let routes: [Route4]
    public init(_ routes: [Route4]) { self.routes = routes.sorted { $0.prefix.length > $1.prefix.length } }
    @inline(__always)
    public func lookup(_ a: IPv4Address) -> Adjacency? {
        for route in routes where route.prefix.contains(a) { return route.via }
        return nil
    }
}

public struct RouteTable6: Sendable {
    let routes: [Route6]
    public init(_ routes: [Route6]) { self.routes = routes.sorted { $0.prefix.length > $1.prefix.length } }
    @inline(__always)
    public func lookup(_ a: IPv6Address) -> Adjacency? {
        for route in routes where route.prefix.contains(a) { return route.via }
        return nil
    }
}
