package dev.attnc.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cubins compiled by NVRTC, kept in memory and on disk, keyed by the SHA-256 of everything that
 * decides the machine code: the source, the NVRTC options, the GPU's name and compute capability
 * and NVRTC's version. A disk entry is a magic word, the SHA-256 of the payload and the payload:
 * a truncated or damaged file is recognized, deleted and recompiled before any of it reaches the
 * driver. Writes go to a temporary file moved into place atomically, so processes sharing the
 * directory see whole entries or none. I/O failures make the cache miss, never fail a compile.
 */
public final class CubinCache {
    private static final byte[] MAGIC = "ATTNCCU1".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST = 32;

    private final Path dir;
    private final Map<String, byte[]> memory = new ConcurrentHashMap<>();

    /** @param dir the directory of the disk cache, or null for memory only */
    public CubinCache(Path dir) {
        this.dir = dir;
    }

    /** -Dattnc.cache.dir, else $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc or ~/.cache/attnc; then "cuda". */
    public static Path defaultDir() {
        String configured = System.getProperty("attnc.cache.dir", System.getenv("ATTNC_CACHE_DIR"));
        Path root;
        if (configured != null && !configured.isBlank()) {
            root = Path.of(configured);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            root = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("attnc");
        }
        return root.resolve("cuda");
    }

    public Path dir() {
        return dir;
    }

    /** The key of a compilation: hex SHA-256 of the parts, each followed by a 0 byte. */
    public static String key(String... parts) {
        StringBuilder s = new StringBuilder();
        for (String p : parts) s.append(p).append('\0');
        return HexFormat.of().formatHex(sha256(s.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The cubin under {@code key} (memory first, then disk), or null. */
    public byte[] get(String key) {
        byte[] hit = memory.get(key);
        if (hit != null) return hit;
        if (dir == null) return null;
        Path file = entry(key);
        byte[] all;
        try {
            if (!Files.isRegularFile(file)) return null;
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        int header = MAGIC.length + DIGEST;
        if (all.length > header && Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            byte[] payload = Arrays.copyOfRange(all, header, all.length);
            if (Arrays.equals(sha256(payload), 0, DIGEST, all, MAGIC.length, header)) {
                memory.put(key, payload);
                return payload;
            }
        }
        try {
            Files.deleteIfExists(file); // damaged: the caller compiles again and puts a good one
        } catch (IOException ignored) {
            // a later put replaces it
        }
        return null;
    }

    public void put(String key, byte[] cubin) {
        memory.put(key, cubin);
        if (dir == null) return;
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key.substring(0, 16), ".tmp");
            byte[] all = new byte[MAGIC.length + DIGEST + cubin.length];
            System.arraycopy(MAGIC, 0, all, 0, MAGIC.length);
            System.arraycopy(sha256(cubin), 0, all, MAGIC.length, DIGEST);
            System.arraycopy(cubin, 0, all, MAGIC.length + DIGEST, cubin.length);
            Files.write(tmp, all);
            try {
                Files.move(tmp, entry(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, entry(key), StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            // read-only or full disk: memory only
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }
    }

    /** Forgets the in-memory copies (tests: the next get reads the disk). */
    public void clearMemory() {
        memory.clear();
    }

    Path entry(String key) {
        return dir.resolve(key + ".cubin");
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
