// Where the compiled XDP object is: `make bpf` writes .build/bpf/sfc_xdp.o,
// and the executables live in .build/<triple>/<config>/, so a binary finds
// it two levels up; tests and other cwd-based runs walk up to a .build/bpf.
import Foundation

public enum ObjectLocator {
    public static let objectName = "sfc_xdp.o"
    public static let environmentVariable = "SFC_BPF_OBJECT_DIR"

    /// The places tried, in order (the walk-up from `currentDirectory` last).
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment,
                                  executable: String? = executablePath(),
                                  currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        var paths: [String] = []
        if let dir = environment[environmentVariable], !dir.isEmpty { paths.append(dir + "/" + objectName) }
        if let executable {
            let dir = (executable as NSString).deletingLastPathComponent
            paths.append(dir + "/" + objectName)
            paths.append(((dir + "/../../bpf") as NSString).standardizingPath + "/" + objectName)
            paths.append(((dir + "/../bpf") as NSString).standardizingPath + "/" + objectName)
        }
        var dir = (currentDirectory as NSString).standardizingPath
        while true {
            paths.append(dir + "/.build/bpf/" + objectName)
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        return paths
    }

    /// The first candidate that exists, or an error naming where it looked.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String? = executablePath(),
                              currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> String {
        let paths = candidates(environment: environment, executable: executable, currentDirectory: currentDirectory)
        if let found = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        var seen = Set<String>()
        let unique = paths.filter { seen.insert($0).inserted }
        throw XDPError(.objectNotFound, "the XDP object \(objectName) was not found; looked in:\n"
                       + unique.map { "  \($0)" }.joined(separator: "\n")
                       + "\nrun `make bpf` in the repository (it writes .build/bpf/\(objectName)), "
                       + "or set \(environmentVariable) to the directory holding it")
    }

    /// This process's executable, resolved through /proc (argv[0] may be relative).
    public static func executablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath
    }
}
