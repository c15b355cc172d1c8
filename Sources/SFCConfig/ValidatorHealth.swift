// `health:` where this node has nothing to probe: an nsh-aware function
// whose instances all sit behind remote SFFs (`peer:`). Those SFFs probe
// their own instances; a warning, since the file still works.
import SFCCore

struct ValidatorHealth {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        for function in spec.functions where function.kind?.value == .nshAware {
            guard let health = function.health, !function.instances.isEmpty,
                  function.instances.allSatisfy({ $0.peer != nil }) else { continue }
            sink.warning("function '\(function.name?.value ?? "?")' has health, but every instance sits behind a remote SFF "
                         + "(peer): those are probed by their own SFF, not from this node; give the health section to "
                         + "that SFF's chain file", at: health.key)
        }
    }
}
