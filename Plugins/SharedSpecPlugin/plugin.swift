// Generates SFCCore's SharedSpec.swift from the C headers in BPF/include
// before SFCCore compiles, so the drop reasons, behaviours, steps and limits
// every dataplane shares are written once (in C) and read by Swift and BPF.
import Foundation
import PackagePlugin

@main
struct SharedSpecPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let include = context.package.directoryURL.appending(path: "BPF").appending(path: "include")
        let headers = ["sfc_drop_reasons.h", "sfc_behaviors.h", "sfc_steps.h", "sfc_tables.h"].map { include.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "SharedSpec.swift")
        return [.buildCommand(
            displayName: "Generating SharedSpec.swift from BPF/include",
            executable: try context.tool(named: "sfc-spec-gen").url,
            arguments: [output.path] + headers.map(\.path),
            inputFiles: headers,
            outputFiles: [output])]
    }
}
