// Whether each port's interface can send: administratively up (IFF_UP) and
// operationally up (IFF_RUNNING: carrier; a veth has it only while its peer
// is up too). Read with getifaddrs, which asks the kernel over netlink in
// this process's network namespace (sysfs may belong to another one when
// the forwarder was entered with `nsenter --net`).
#if canImport(Glibc)
import Glibc
#endif

public enum LinkState {
    static let up: UInt32 = 0x1        // IFF_UP
    static let running: UInt32 = 0x40  // IFF_RUNNING

    /// Interface name -> up and running, for every interface of this network namespace.
    public static func current() -> [String: Bool] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [:] }
        defer { freeifaddrs(list) }
        var states: [String: Bool] = [:]
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let e = entry {
            if let name = e.pointee.ifa_name {
                let flags = e.pointee.ifa_flags
                states[String(cString: name)] = flags & up != 0 && flags & running != 0
            }
            entry = e.pointee.ifa_next
        }
        return states
    }
}

/// A port whose link went down or came back.
public struct LinkChange: Sendable, Equatable, CustomStringConvertible {
    public var port: String
    public var interface: String
    public var up: Bool
    public init(port: String, interface: String, up: Bool) { self.port = port; self.interface = interface; self.up = up }
    public var description: String { "port \(port): link of \(interface) is \(up ? "up" : "down")" }
}
