// Where the repository is, for the tests that read Chains/.
import Foundation

enum Fixture {
    /// The repository root, found from this source file's path.
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
