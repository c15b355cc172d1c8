// The consumer side of sfc_trace_events (BPF_MAP_TYPE_RINGBUF) through
// libbpf 1.1's ring_buffer__new / ring_buffer__consume: each consume hands
// every sample written so far to a C callback, which copies it out (the
// sample's memory is the ring's and is released when the callback returns).
import CLibBPF

final class TraceRing {
    /// Samples copied out by the callback, oldest first.
    final class Samples { var items: [[UInt8]] = [] }

    private let ring: OpaquePointer
    private let samples = Samples()

    init(mapFD: Int32) throws {
        let context = Unmanaged.passUnretained(samples).toOpaque()
        let callback: ring_buffer_sample_fn = { context, data, size in
            guard let context, let data else { return 0 }
            let samples = Unmanaged<TraceRing.Samples>.fromOpaque(context).takeUnretainedValue()
            samples.items.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            return 0
        }
        guard let ring = ring_buffer__new(mapFD, callback, context, nil) else {
            throw XDPError(.mapMismatch, "cannot read the trace ring buffer sfc_trace_events: \(errnoText(errno)) "
                           + "(a kernel without BPF_MAP_TYPE_RINGBUF, 5.8+, or an object built without it: `make bpf`)")
        }
        self.ring = ring
    }

    /// Every sample written since the last call, oldest first.
    func consume() -> [[UInt8]] {
        _ = ring_buffer__consume(ring)
        defer { samples.items.removeAll(keepingCapacity: true) }
        return samples.items
    }

    deinit { ring_buffer__free(ring) }
}

#if canImport(Glibc)
import Glibc
#endif
