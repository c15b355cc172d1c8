// Reading a chain file's text, for `load` and the daemon's reload: only a
// regular file of at most `maxBytes`, as UTF-8. A reload request may name
// any path (POST /v1/reload {"config": ...}); /dev/zero or a FIFO must be
// refused with a diagnostic, not read until memory or patience runs out.
// The daemon also checks who may write the file (docs/SECURITY.md): it runs
// as root and the file decides where traffic goes.
import Foundation

public enum ChainFileText: Sendable {
    /// The text, and warnings about the file itself (its owner or mode).
    case text(String, warnings: [Diagnostic])
    /// One error at line 1 of the file, saying why.
    case refused(Diagnostic)
}

extension ChainFile {
    /// Far above any real chain file (100,000 rules are about 8 MiB).
    public static let maxBytes = 64 << 20

    /// The file's text, or why it cannot be a chain file (one positioned error).
    public static func readText(path: String, checkOwnership: Bool = false) -> ChainFileText {
        func refuse(_ why: String) -> ChainFileText {
            .refused(Diagnostic(severity: .error, file: path, line: 1, column: 1, message: why))
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            return refuse(errno == ENOENT ? "no such file" : "cannot read file: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return refuse("not a regular file") }
        let ownership = checkOwnership ? ownershipDiagnostics(st, path: path) : []
        if let refusal = ownership.first(where: { $0.severity == .error }) { return .refused(refusal) }
        guard st.st_size <= maxBytes else { return refuse("\(st.st_size) bytes: a chain file has at most \(maxBytes)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { return refuse("cannot read file") }
        defer { try? handle.close() }
        // Read at most one byte over the limit: the file may have grown since stat.
        guard let data = try? handle.read(upToCount: maxBytes + 1) ?? Data() else { return refuse("cannot read file") }
        guard data.count <= maxBytes else { return refuse("more than \(maxBytes) bytes: a chain file has at most that") }
        guard let text = String(data: data, encoding: .utf8) else { return refuse("file is not UTF-8 text") }
        return .text(text, warnings: ownership)
    }

    /// Who may write a chain file the daemon (root) reads, from the file's
    /// `stat` (a symbolic link is followed: pointing a name at the version in
    /// use is common, and what counts is what is read). Writable by others:
    /// any local user could steer traffic, so an error. Owned by a user other
    /// than root and this process's, or writable by its group: a warning, as
    /// when a repository an operator cloned runs under sudo.
    /// (Pins, locks and BPF objects are stricter: SFCXDP's SafeDirectory.)
    public static func ownershipDiagnostics(_ st: stat, path: String) -> [Diagnostic] {
        func diagnostic(_ severity: Diagnostic.Severity, _ why: String) -> Diagnostic {
            Diagnostic(severity: severity, file: path, line: 1, column: 1, message: why)
        }
        let mode = String(st.st_mode & 0o7777, radix: 8)
        if st.st_mode & S_IWOTH != 0 {
            return [diagnostic(.error, "writable by any local user (mode \(mode)), who could change where traffic goes; "
                               + "run `chmod o-w \(path)`")]
        }
        var found: [Diagnostic] = []
        if st.st_uid != 0 && st.st_uid != geteuid() {
            found.append(diagnostic(.warning, "owned by uid \(st.st_uid), not by root: that user can change where traffic goes"))
        }
        if st.st_mode & S_IWGRP != 0 {
            found.append(diagnostic(.warning, "writable by its group (gid \(st.st_gid), mode \(mode)): its members can "
                                    + "change where traffic goes"))
        }
        return found
    }

    /// On DPDK the chain file is root-equivalent at start (`dpdk: eal-args`
    /// reach rte_eal_init as they are, and EAL's `-d` loads a shared object;
    /// `device:` vdev arguments open files), so there the warnings of
    /// `ownershipDiagnostics` are errors: the file must be root's or the
    /// daemon user's and writable by neither its group nor others.
    public static func rootEquivalentRefusals(path: String) -> [Diagnostic] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        return ownershipDiagnostics(st, path: path).map { d in
            var e = d
            if e.severity == .warning {
                e.severity = .error
                e.message += "; on DPDK the file's eal-args and devices run as root, so it is refused (chown root and chmod g-w)"
            }
            return e
        }
    }
}
