// What root may trust on disk: a directory it creates pins or locks in, a
// BPF object it loads. Another local user must not be able to plant or swap
// them, so each must belong to root (or to this process's user) and be
// writable by no one else, and must not be a symbolic link.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SafeDirectory {
    /// Creates `path` (and its parents) when missing with `mode`, then
    /// checks it is a trusted directory; throws explaining what is wrong.
    public static func ensure(_ path: String, mode: mode_t) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: Int(mode)])
            } catch {
                throw XDPError(.pin, "cannot create \(path): \(error)")
            }
            if lstat(path, &st) != 0 { throw XDPError(.pin, "cannot read \(path): \(errnoText(errno))") }
            // A directory of ours gets exactly `mode`, whatever the umask.
            if st.st_uid == geteuid() && (st.st_mode & 0o7777) != mode { _ = chmod(path, mode); _ = lstat(path, &st) }
        }
        if let problem = problem(with: st, path: path, directory: true) { throw XDPError(.pin, problem) }
    }

    /// nil when `path` (a file, or with `directory` a directory) is trusted,
    /// otherwise why not.
    public static func problem(at path: String, directory: Bool) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return "\(path): \(errnoText(errno))" }
        return problem(with: st, path: path, directory: directory)
    }

    static func problem(with st: stat, path: String, directory: Bool) -> String? {
        let type = st.st_mode & S_IFMT
        if type == S_IFLNK { return "refusing \(path): it is a symbolic link" }
        if directory && type != S_IFDIR { return "refusing \(path): not a directory" }
        if !directory && type != S_IFREG { return "refusing \(path): not a regular file" }
        if st.st_uid != 0 && st.st_uid != geteuid() {
            return "refusing \(path): owned by uid \(st.st_uid), not by root or this user (another user could have planted it); remove it"
        }
        // A sticky directory (like /tmp, or a bpffs mounted with its default
        // mode 1777) lets no one else rename or remove what is ours in it.
        let sticky = directory && st.st_mode & S_ISVTX != 0
        if st.st_mode & 0o022 != 0 && !sticky {
            return "refusing \(path): writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8))); "
                + "run `chmod go-w \(path)`"
        }
        return nil
    }
}
