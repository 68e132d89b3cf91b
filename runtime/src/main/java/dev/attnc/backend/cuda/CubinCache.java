package dev.attnc.backend.cuda;

import dev.attnc.backend.DiskCache;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cubins compiled by NVRTC, kept in memory and on disk, keyed by the SHA-256 of everything that
 * decides the machine code: the source, the NVRTC options, the GPU's name and compute capability
 * and NVRTC's version. A disk entry is a magic word, the full key, the SHA-256 of the payload and
 * the payload ({@link DiskCache}): a truncated or damaged file, or another key's entry under this
 * key's name, is recognized, deleted and recompiled before any of it reaches the driver. Writes go to a temporary file moved into place atomically, so processes sharing the
 * directory see whole entries or none. I/O failures make the cache miss, never fail a compile.
 */
public final class CubinCache {
    private final DiskCache disk;
    private final Map<String, byte[]> memory = new ConcurrentHashMap<>();

    /** @param dir the directory of the disk cache, or null for memory only */
    public CubinCache(Path dir) {
        this.disk = dir == null ? null : new DiskCache(dir, "ATTNCCU2", ".cubin");
    }

    /** -Dattnc.cache.dir, else $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc or ~/.cache/attnc; then "cuda". */
    public static Path defaultDir() {
        return DiskCache.defaultDir("cuda");
    }

    public Path dir() {
        return disk == null ? null : disk.dir();
    }

    /** The key of a compilation: hex SHA-256 of the parts, each followed by a 0 byte. */
    public static String key(String... parts) {
        return DiskCache.key(parts);
    }

    /** The cubin under {@code key} (memory first, then disk; a damaged disk entry is deleted), or null. */
    public byte[] get(String key) {
        byte[] hit = memory.get(key);
        if (hit != null || disk == null) return hit;
        byte[] payload = disk.get(key);
        if (payload != null) memory.put(key, payload);
        return payload;
    }

    public void put(String key, byte[] cubin) {
        memory.put(key, cubin);
        if (disk != null) disk.put(key, cubin);
    }

    /** Forgets the in-memory copies (tests: the next get reads the disk). */
    public void clearMemory() {
        memory.clear();
    }

    Path entry(String key) {
        return disk.entry(key);
    }
}
