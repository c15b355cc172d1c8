// The reference pipeline on one case's template, for the instruction-count
// guard (scripts/instruction-guard.py, `make test`): under valgrind
// --tool=callgrind --instr-atstart=no, only the pipeline's own work on the
// measured batches is counted (refilling a batch with the template, which a
// NIC would do, is outside), so instructions / packet is a deterministic
// figure of the per-packet code, whatever else the machine does. DPDK runs
// the same Pipeline; its I/O is what `make bench` times.
import CSFCRuntime
import Foundation
import SFCCore
import SFCRuntime

enum InstructionCount {
    static func run(caseName: String, frameSize: Int = 64, packets: Int) -> CommandResult {
        do {
            let bench = try BenchCase.make(caseName, frameSize: frameSize)
            let pipeline = Pipeline(tables: ForwardingTables(bench.config))
            let batch = PacketBatch(capacity: 32)
            // The packets of a many-flow case, made before counting starts;
            // sent in turn, 16 times as many as the classifier cache holds.
            let variants = (0..<bench.flows).map { bench.packet($0) }
            var next = 0
            func fill() {
                batch.reset()
                for _ in 0..<32 {
                    _ = batch.append(variants[next], ingress: 0)
                    next = next + 1 == variants.count ? 0 : next + 1
                }
            }
            // Warm-up, not counted: lazy initialisation, first-touch growth.
            for _ in 0..<8 { fill(); pipeline.process(batch) }
            let batches = max(1, packets / 32)
            var forwarded = 0
            sfc_callgrind_start()
            for _ in 0..<batches {
                fill()
                sfc_callgrind_toggle()
                pipeline.process(batch)
                sfc_callgrind_toggle()
                for i in 0..<batch.count where batch.meta[i].verdict == .forward { forwarded += 1 }
            }
            sfc_callgrind_stop()
            // A case that quietly dropped would measure the wrong thing.
            guard forwarded == batches * 32 else {
                return CommandResult(stderr: "sfc-bench: \(caseName): \(batches * 32 - forwarded) of \(batches * 32) packets not forwarded\n",
                                     exitCode: 1)
            }
            let json: [String: Any] = ["case": caseName, "packets": batches * 32, "frame_size": frameSize,
                                       "template_bytes": bench.template.count,
                                       "under_callgrind": sfc_callgrind_available() == 1,
                                       "callgrind_requests_built": sfc_callgrind_available() >= 0]
            let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
        } catch {
            return CommandResult(stderr: "sfc-bench: \(error)\n", exitCode: 1)
        }
    }
}
