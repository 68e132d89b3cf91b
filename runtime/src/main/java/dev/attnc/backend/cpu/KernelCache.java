package dev.attnc.backend.cpu;

import dev.attnc.io.AtomicFile;
import dev.attnc.kernel.cpu.JavaBackwardKernel;
import dev.attnc.kernel.cpu.JavaKernel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiled kernels by {@link KernelKey}: loaded instances in memory, class files on disk (one
 * {@link CacheFile} per key). Disk entries are written atomically (a temporary file moved into
 * place) and never trusted: an entry that is corrupt, truncated, stale or fails to load is deleted
 * and the kernel compiled again. The disk is an optimization; when it fails, kernels still compile.
 */
public final class KernelCache {
    private static final System.Logger LOG = System.getLogger(KernelCache.class.getName());

    private final Path dir;
    private final Map<KernelKey, Object> loaded = new ConcurrentHashMap<>();

    /** A cache in memory and in {@code dir} (created when first written), or in memory only when dir is null. */
    public KernelCache(Path dir) {
        this.dir = dir;
    }

    /** The cache in {@link dev.attnc.backend.DiskCache#defaultDir}'s {@code java/} (attnc.cache.dir, ATTNC_CACHE_DIR, the XDG cache). */
    public static KernelCache fromEnvironment() {
        return new KernelCache(dev.attnc.backend.DiskCache.defaultDir("java"));
    }

    /** Where entries are stored, or null for a cache in memory only. */
    public Path directory() {
        return dir;
    }

    /** The kernel of {@code key}: from memory, from disk, or compiled from {@code source} (and stored in both). */
    JavaKernel kernel(KernelKey key, String className, String source) {
        return (JavaKernel) loaded.computeIfAbsent(key, k -> load(k, className, source));
    }

    /** The backward kernel of {@code key} (a key of {@link KernelKey#backward}), as {@link #kernel}. */
    JavaBackwardKernel backward(KernelKey key, String className, String source) {
        return (JavaBackwardKernel) loaded.computeIfAbsent(key, k -> load(k, className, source));
    }

    /** The file of an entry (whether or not it exists). */
    Path entry(KernelKey key) {
        return dir.resolve(key.hex() + ".kernel");
    }

    private Object load(KernelKey key, String className, String source) {
        Map<String, byte[]> stored = read(key);
        if (stored != null) {
            try {
                return KernelClassLoader.instantiate(className, stored);
            } catch (LinkageError | IllegalStateException e) {
                discard(key, "does not load: " + e);
            }
        }
        Map<String, byte[]> classes = InMemoryJavac.compile(className, source);
        write(key, classes);
        return KernelClassLoader.instantiate(className, classes);
    }

    private Map<String, byte[]> read(KernelKey key) {
        if (dir == null) return null;
        try {
            return CacheFile.decode(key, Files.readAllBytes(entry(key)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            discard(key, e.getMessage());
            return null;
        }
    }

    private void discard(KernelKey key, String why) {
        LOG.log(Level.WARNING, "discarding kernel cache entry {0}: {1}", entry(key), why);
        try {
            Files.deleteIfExists(entry(key));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete {0}: {1}", entry(key), e);
        }
    }

    private void write(KernelKey key, Map<String, byte[]> classes) {
        if (dir == null) return;
        try {
            // where the move cannot be atomic a reader may see a partial file; the checksum rejects it
            AtomicFile.write(entry(key), CacheFile.encode(key, classes));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write kernel cache entry {0}: {1}", entry(key), e);
        }
    }
}
