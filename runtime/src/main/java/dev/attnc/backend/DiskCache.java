package dev.attnc.backend;

import dev.attnc.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Compiled kernels on disk (OpenCL program binaries, CUDA cubins), one file per key. An entry is
 * a magic word, the full key, the SHA-256 of the payload and the payload, so a truncated or
 * damaged file, or a whole entry that sits under another key's name (copied, renamed, left by an
 * older attnc), is recognized here — and deleted, so the caller rebuilds and overwrites it —
 * before any of it reaches a driver (which may crash on a bad binary rather than fail). Writes go
 * to a temporary file that is then moved into place atomically: a reader sees a whole entry or
 * none, even with several processes sharing the directory. The cache is an optimization: I/O
 * failures make it miss, never fail a compilation.
 */
public final class DiskCache {
    private static final int DIGEST_BYTES = 32;

    private final Path dir;
    private final byte[] magic;
    private final String extension;

    /** @param magic eight ASCII characters naming the kind of entry; @param extension of the files, e.g. ".cubin" */
    public DiskCache(Path dir, String magic, String extension) {
        this.dir = dir;
        this.magic = magic.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.extension = extension;
    }

    public Path dir() {
        return dir;
    }

    public Path entry(String key) {
        return dir.resolve(key + extension);
    }

    /** The payload stored under {@code key}, or null when there is none or it was damaged (then it is deleted). */
    public byte[] get(String key) {
        Path file = entry(key);
        byte[] all;
        try {
            if (!Files.isRegularFile(file)) return null;
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        byte[] stored = keyBytes(key);
        int header = magic.length + stored.length + DIGEST_BYTES;
        if (all.length > header && Arrays.equals(all, 0, magic.length, magic, 0, magic.length)
                && Arrays.equals(all, magic.length, magic.length + stored.length, stored, 0, stored.length)) {
            byte[] payload = Arrays.copyOfRange(all, header, all.length);
            if (Arrays.equals(sha256(payload), 0, DIGEST_BYTES, all, header - DIGEST_BYTES, header)) return payload;
        }
        delete(key);
        return null;
    }

    public void put(String key, byte[] payload) {
        byte[] stored = keyBytes(key);
        byte[] all = new byte[magic.length + stored.length + DIGEST_BYTES + payload.length];
        System.arraycopy(magic, 0, all, 0, magic.length);
        System.arraycopy(stored, 0, all, magic.length, stored.length);
        System.arraycopy(sha256(payload), 0, all, magic.length + stored.length, DIGEST_BYTES);
        System.arraycopy(payload, 0, all, magic.length + stored.length + DIGEST_BYTES, payload.length);
        try {
            AtomicFile.write(entry(key), all);
        } catch (IOException e) {
            // a read-only or full disk: run without the cache
        }
    }

    /** The key as stored in its entry: its UTF-8 bytes and a 0 byte (no key is a prefix of another). */
    private static byte[] keyBytes(String key) {
        return (key + '\0').getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public void delete(String key) {
        try {
            Files.deleteIfExists(entry(key));
        } catch (IOException ignored) {
            // a later put replaces it
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** The hex SHA-256 of the parts, each followed by a 0 byte (so that ("ab", "c") and ("a", "bc") differ). */
    public static String key(String... parts) {
        StringBuilder s = new StringBuilder();
        for (String p : parts) s.append(p).append('\0');
        return HexFormat.of().formatHex(sha256(s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The directory of one backend's cache: -Dattnc.cache.dir, else $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc or ~/.cache/attnc; then {@code backend}. */
    public static Path defaultDir(String backend) {
        Path root = dev.attnc.compiler.target.BackendOptions.fromSystemProperties().cacheDir();
        if (root == null) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            root = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("attnc");
        }
        return root.resolve(backend);
    }
}
