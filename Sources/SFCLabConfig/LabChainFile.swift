// Entry points for the tools that read a chain file's lab: section (sfc-lab,
// chain-trace check): SFCConfig's load/parse with a handler for `lab`.
import SFCConfig
import SFCCore
import Yams

public enum LabChainFile {
    /// As `ChainFile.load`, plus the resolved `lab:` section (nil when the file has none or has errors).
    public static func load(path: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, lab: LabDescription?, diagnostics: [Diagnostic]) {
        let section = LabHandler()
        let (config, diagnostics) = ChainFile.load(path: path, options: options, sections: ["lab": section.check])
        return (config, config == nil ? nil : section.resolve(), diagnostics)
    }

    /// As `ChainFile.parse`, plus the resolved `lab:` section; `file` is only used in diagnostics.
    public static func parse(text: String, file: String, options: ChainFileOptions = .standard)
        -> (config: CompiledConfig?, lab: LabDescription?, diagnostics: [Diagnostic]) {
        let section = LabHandler()
        let (config, diagnostics) = ChainFile.parse(text: text, file: file, options: options, sections: ["lab": section.check])
        return (config, config == nil ? nil : section.resolve(), diagnostics)
    }
}

/// The `lab` handler of one load: keeps the checked section so it can be
/// resolved once the file compiled.
private final class LabHandler {
    private var validator: ValidatorLab?

    func check(_ node: Node, _ file: ChainFileContents, _ sink: DiagnosticSink) {
        // A section that is not even a mapping was reported; there is nothing to check or resolve.
        guard let lab = LabParser(sink: sink).parseLab(node) else { return }
        let validator = ValidatorLab(file: file, lab: lab, sink: sink)
        validator.run()
        self.validator = validator
    }

    func resolve() -> LabDescription? { validator?.resolve() }
}
