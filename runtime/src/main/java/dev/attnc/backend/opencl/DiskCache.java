package dev.attnc.backend.opencl;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Program binaries on disk, one file per key. An entry is a magic word, the SHA-256 of the
 * payload and the payload, so a truncated or damaged file is recognized here — and deleted —
 * before any of it reaches a driver (which may crash on a bad binary rather than fail). Writes go
 * to a temporary file that is then moved into place atomically: a reader sees a whole entry or
 * none, even with several processes sharing the directory. The cache is an optimization: I/O
 * failures make it miss, never fail a compilation.
 */
final class DiskCache {
    private static final byte[] MAGIC = "ATTNCCL1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;

    private final Path dir;

    DiskCache(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path entry(String key) {
        return dir.resolve(key + ".bin");
    }

    /** The payload stored under {@code key}, or null when there is none or it was damaged (then it is deleted). */
    byte[] get(String key) {
        Path file = entry(key);
        byte[] all;
        try {
            if (!Files.isRegularFile(file)) return null;
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        int header = MAGIC.length + DIGEST_BYTES;
        if (all.length > header && Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            byte[] payload = Arrays.copyOfRange(all, header, all.length);
            if (Arrays.equals(sha256(payload), 0, DIGEST_BYTES, all, MAGIC.length, header)) return payload;
        }
        delete(key);
        return null;
    }

    void put(String key, byte[] payload) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key, ".tmp");
            byte[] all = new byte[MAGIC.length + DIGEST_BYTES + payload.length];
            System.arraycopy(MAGIC, 0, all, 0, MAGIC.length);
            System.arraycopy(sha256(payload), 0, all, MAGIC.length, DIGEST_BYTES);
            System.arraycopy(payload, 0, all, MAGIC.length + DIGEST_BYTES, payload.length);
            Files.write(tmp, all);
            try {
                Files.move(tmp, entry(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, entry(key), StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            // a read-only or full disk: run without the cache
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

    void delete(String key) {
        try {
            Files.deleteIfExists(entry(key));
        } catch (IOException ignored) {
            // a later put replaces it
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** The hex SHA-256 of the parts, each followed by a 0 byte (so that ("ab", "c") and ("a", "bc") differ). */
    static String key(String... parts) {
        StringBuilder s = new StringBuilder();
        for (String p : parts) s.append(p).append('\0');
        return HexFormat.of().formatHex(sha256(s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The default directory: -Dattnc.cache.dir, else $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc or ~/.cache/attnc; plus "opencl". */
    static Path defaultDir() {
        String configured = System.getProperty("attnc.cache.dir", System.getenv("ATTNC_CACHE_DIR"));
        Path root;
        if (configured != null && !configured.isBlank()) {
            root = Path.of(configured);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            root = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("attnc");
        }
        return root.resolve("opencl");
    }
}
