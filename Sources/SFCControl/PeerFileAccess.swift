// Whether the peer of a control connection could read a file itself. The
// daemon opens a reload's path as root, and its diagnostics quote names
// from the file (docs/SECURITY.md section 5): a control-group member must
// not learn, through a refused reload, what a root-only file holds. So a
// peer other than root or the forwarder's own user may name only a file
// that the mode bits let it read, with search permission on every
// directory on the way (symbolic links resolved first). ACLs are not read:
// a file readable only through an ACL entry is refused.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension PeerCredentials {
    /// nil when this peer may have the daemon read `path`, else why not.
    public func readRefusal(path: String, ownerUID: UInt32 = geteuid()) -> String? {
        if uid == 0 || uid == ownerUID { return nil }
        guard let resolved = realpath(path, nil) else {
            // Missing or unreadable: the reload itself says so, quoting nothing.
            return nil
        }
        let real = String(cString: resolved)
        free(resolved)
        var directory = (real as NSString).deletingLastPathComponent
        var directories: [String] = []
        while !directory.isEmpty {
            directories.append(directory)
            if directory == "/" { break }
            directory = (directory as NSString).deletingLastPathComponent
        }
        for d in directories.reversed() where !permits(d, S_IXUSR, S_IXGRP, S_IXOTH) {
            return "peer uid \(uid) may not search \(d): the daemon reads a reload's file only for a peer that could read it itself"
        }
        guard permits(real, S_IRUSR, S_IRGRP, S_IROTH) else {
            return "peer uid \(uid) may not read \(path): the daemon reads a reload's file only for a peer that could read it itself"
        }
        return nil
    }

    /// The owner's, the group's or the others' bit of `path`'s mode, whichever applies to this peer.
    private func permits(_ path: String, _ user: mode_t, _ group: mode_t, _ other: mode_t) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        if st.st_uid == uid { return st.st_mode & user != 0 }
        if PeerPolicy.isMember(uid: uid, primary: gid, of: st.st_gid) { return st.st_mode & group != 0 }
        return st.st_mode & other != 0
    }
}
