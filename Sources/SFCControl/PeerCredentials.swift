// Who is on the other end of the control socket (SO_PEERCRED, unix(7)), and
// who may ask: the user the forwarder runs as, root, and, with
// --control-group, members of that group (primary or supplementary).
// The socket file's mode (0600 / 0660) already keeps others out; the
// per-connection check also refuses what the file mode let through (a
// socket inherited, a mode changed by hand) and logs it.
#if canImport(Glibc)
import Glibc
#endif

public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public init(pid: Int32, uid: UInt32, gid: UInt32) { self.pid = pid; self.uid = uid; self.gid = gid }
    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// struct ucred (unix(7)), as SO_PEERCRED returns it (the server reads it
    /// through NIO); Glibc hides it behind _GNU_SOURCE, so the same three
    /// fields, laid out alike.
    struct Raw: Sendable { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }
}

public struct PeerPolicy: Sendable {
    public let ownerUID: UInt32
    /// --control-group's gid, when given.
    public let groupID: UInt32?
    public let groupName: String?

    public init(ownerUID: UInt32 = getuid(), group: String? = nil) throws {
        self.ownerUID = ownerUID
        guard let group else { groupID = nil; groupName = nil; return }
        guard let entry = getgrnam(group) else {
            throw ControlError(400, "--control-group \(group): no such group")
        }
        groupID = entry.pointee.gr_gid
        groupName = group
    }

    /// nil when allowed, else why not.
    public func refusal(_ peer: PeerCredentials) -> String? {
        if peer.uid == ownerUID || peer.uid == 0 { return nil }
        if let gid = groupID, Self.isMember(uid: peer.uid, primary: peer.gid, of: gid) { return nil }
        let who = groupName.map { "the user running the forwarder (uid \(ownerUID)), root or a member of group \($0)" }
            ?? "the user running the forwarder (uid \(ownerUID)) or root"
        return "peer \(peer) refused: only \(who) may use the control socket"
    }

    static func isMember(uid: UInt32, primary: UInt32, of gid: UInt32) -> Bool {
        if primary == gid { return true }
        guard let pw = getpwuid(uid) else { return false }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(pw.pointee.pw_name, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(pw.pointee.pw_name, primary, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(gid)
    }
}
