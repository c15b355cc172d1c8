// Raw map access by fd: bytes in, bytes out, errors that name the map.
import CLibBPF

enum MapIO {
    static func update(_ fd: Int32, key: [UInt8], value: [UInt8], map: String) throws {
        let err = key.withUnsafeBytes { k in value.withUnsafeBytes { v in bpf_map_update_elem(fd, k.baseAddress, v.baseAddress, UInt64(BPF_ANY)) } }
        if err != 0 {
            throw XDPError(.mapUpdate, "cannot write an entry of \(map): \(errnoText(errno))")
        }
    }

    static func update<K, V>(_ fd: Int32, _ key: K, _ value: V, map: String) throws {
        try update(fd, key: CBytes.of(key), value: CBytes.of(value), map: map)
    }

    /// Fills `buffer` with the value at `key`; false when absent.
    static func lookup<K>(_ fd: Int32, _ key: K, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var key = key
        return withUnsafeBytes(of: &key) { k in bpf_map_lookup_elem(fd, k.baseAddress, buffer.baseAddress) } == 0
    }

    static func lookupU32(_ fd: Int32, _ key: UInt32) -> UInt32? {
        var value: UInt32 = 0
        let found = withUnsafeMutableBytes(of: &value) { lookup(fd, key, into: $0) }
        return found ? value : nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
