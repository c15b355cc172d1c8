// Where the compiled XDP object is. Root loads it into the kernel, so it is
// taken only from where it was built or installed beside the binary, or
// from an explicit --bpf-object, never from the working directory or a
// shared folder such as /tmp; and only when root (or this user) owns it and
// its directory and no one else can write either.
//   - beside the executable (an install that puts both in one folder);
//   - <exe>/../../bpf: `make bpf` writes .build/bpf/sfc_xdp.o and the
//     executables live in .build/<triple>/<config>/;
//   - <exe>/../lib/sfc: an install under a prefix (bin/ and lib/sfc/).
import Foundation

public enum ObjectLocator {
    public static let objectName = "sfc_xdp.o"

    /// The places tried, in order.
    public static func candidates(executable: String? = executablePath()) -> [String] {
        guard let executable else { return [] }
        let dir = (executable as NSString).deletingLastPathComponent
        return [dir + "/" + objectName,
                ((dir + "/../../bpf") as NSString).standardizingPath + "/" + objectName,
                ((dir + "/../lib/sfc") as NSString).standardizingPath + "/" + objectName]
    }

    /// `explicit` (--bpf-object) when given, else the first candidate that
    /// exists; checked with `checkTrusted` either way.
    public static func locate(explicit: String? = nil, executable: String? = executablePath()) throws -> String {
        if let explicit {
            guard FileManager.default.fileExists(atPath: explicit) else {
                throw XDPError(.objectNotFound, "--bpf-object \(explicit): no such file (run `make bpf`, which writes .build/bpf/\(objectName))")
            }
            try checkTrusted(explicit)
            return explicit
        }
        let paths = candidates(executable: executable)
        if let found = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            try checkTrusted(found)
            return found
        }
        throw XDPError(.objectNotFound, "the XDP object \(objectName) was not found; looked in:\n"
                       + paths.map { "  \($0)" }.joined(separator: "\n")
                       + "\nrun `make bpf` in the repository (it writes .build/bpf/\(objectName)), "
                       + "or give its path with --bpf-object")
    }

    /// Throws unless the object and the directory holding it belong to root
    /// (or this user), are writable by no one else and are no symbolic links.
    public static func checkTrusted(_ path: String) throws {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let directory = (real as NSString).deletingLastPathComponent
        if let problem = SafeDirectory.problem(at: real, directory: false) ?? SafeDirectory.problem(at: directory, directory: true) {
            throw XDPError(.openFailed, "not loading the XDP object \(path): \(problem)")
        }
    }

    /// This process's executable, resolved through /proc (argv[0] may be relative).
    public static func executablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath
    }
}
