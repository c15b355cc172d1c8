// Chains: unique SPIs, hops that fit the starting SI, and function kinds
// that match the encapsulation.
import SFCCore

struct ValidatorChains {
    let spec: ChainFileSpec
    let names: NameTables
    let sink: DiagnosticSink

    /// SRH Hdr Ext Len is 8 bits of 8-byte units: at most 127 SIDs
    /// (RFC 8754 section 2).
    static let maxSegments = 127

    func run() {
        var spis: [Int: Int] = [:]
        for chain in spec.chains {
            if let spi = chain.spi {
                if let first = spis[spi.value] {
                    sink.error("duplicate SPI \(spi.value) (first used at line \(first))", at: spi.position)
                } else {
                    spis[spi.value] = spi.position.line
                }
            }
            checkHops(chain)
        }
    }

    private func checkHops(_ chain: ChainSpec) {
        guard let encapsulation = chain.encapsulation?.value else { return }
        let label = "chain '\(chain.name?.value ?? "?")'"
        switch encapsulation {
        case .nsh:
            // Each SF (or proxy) decrements SI once, so n hops need SI >= n.
            let startSI = chain.startSI?.value ?? 255
            if chain.hops.count > startSI, let hop = chain.hops.dropFirst(startSI).first {
                sink.error("\(label) has \(chain.hops.count) hops but starts at SI \(startSI): more hops than the SI allows",
                           at: hop.position)
            }
        case .srv6:
            if chain.hops.count + 1 > ValidatorChains.maxSegments,
               let hop = chain.hops.dropFirst(ValidatorChains.maxSegments - 1).first {
                sink.error("\(label) needs \(chain.hops.count + 1) segments; an SRH holds at most \(ValidatorChains.maxSegments)",
                           at: hop.position)
            }
        }
        for hop in chain.hops {
            guard let index = names.functions.indices[hop.value], index < spec.functions.count,
                  let kind = spec.functions[index].kind?.value else { continue }
            if kind.encapsulation != encapsulation {
                sink.error("function '\(hop.value)' is \(kind.rawValue) and cannot be a hop of \(encapsulation.rawValue) \(label)",
                           at: hop.position)
            }
        }
    }
}
