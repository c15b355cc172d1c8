// The two chain files the soak reloads in turn: the lab's file as it is,
// and a copy in which one appliance's weight is one more (the instances
// of the first vnf: a pair's members keep one weight), so that every
// reload builds different tables (bucket tables, weights), not only a new
// generation number. A file with no `weight:` on such an instance's line gets
// a comment instead: the same tables, still a new generation.
import Foundation

enum SoakChainFiles {
    /// `text` with `weight: N` as N + 1 on the first line that names each of
    /// `instances` (`name: INSTANCE,` or `name: INSTANCE}`): all the instances
    /// of one appliance (a pair's members must keep one weight); nil when one has no such line.
    static func variant(of text: String, instances: [String]) -> String? {
        guard !instances.isEmpty else { return nil }
        var lines = text.components(separatedBy: "\n")
        for instance in instances {
            guard let i = lines.firstIndex(where: { $0.contains("name: \(instance),") || $0.contains("name: \(instance)}") }),
                  let range = lines[i].range(of: #"weight: *[0-9]+"#, options: .regularExpression),
                  let n = Int(lines[i][range].split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") else { return nil }
            lines[i] = lines[i].replacingCharacters(in: range, with: "weight: \(n + 1)")
        }
        return lines.joined(separator: "\n")
    }

    /// Writes both into `directory` (mode 0644: the forwarder refuses a file others may write); returns their paths.
    static func write(chainFile: String, instances: [String], directory: String) throws -> (first: String, second: String) {
        let text = try String(contentsOfFile: chainFile, encoding: .utf8)
        let other = variant(of: text, instances: instances) ?? text + "\n# sfc-lab soak: the second file of the reloads\n"
        let a = directory + "/soak-a.yaml", b = directory + "/soak-b.yaml"
        for (path, content) in [(a, text), (b, other)] {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        }
        return (a, b)
    }
}
