package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk cache alone (no device): entries round-trip; damaged ones are deleted, never returned. */
class DiskCacheTest {
    @TempDir
    Path dir;

    @Test
    void entriesRoundTripAndLeaveNoTemporaryFiles() throws IOException {
        DiskCache c = new DiskCache(dir.resolve("opencl"), "ATTNCCL1", ".bin");
        byte[] payload = {1, 2, 3, 4, 5};
        assertNull(c.get("k"));
        c.put("k", payload);
        assertArrayEquals(payload, c.get("k"));
        c.put("k", new byte[] {9});
        assertArrayEquals(new byte[] {9}, c.get("k"));
        try (Stream<Path> files = Files.list(c.dir())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aDamagedEntryIsDeleted() throws IOException {
        DiskCache c = new DiskCache(dir, "ATTNCCL1", ".bin");
        c.put("flip", new byte[100]);
        byte[] raw = Files.readAllBytes(c.entry("flip"));
        raw[raw.length - 1] ^= 1;
        Files.write(c.entry("flip"), raw);
        assertNull(c.get("flip"));
        assertFalse(Files.exists(c.entry("flip")));

        c.put("cut", new byte[100]);
        Files.write(c.entry("cut"), java.util.Arrays.copyOf(Files.readAllBytes(c.entry("cut")), 60));
        assertNull(c.get("cut"));
        assertFalse(Files.exists(c.entry("cut")));

        Files.writeString(c.entry("junk"), "not a cache entry");
        assertNull(c.get("junk"));
        assertFalse(Files.exists(c.entry("junk")));
    }

    @Test
    void keysSeparateTheirParts() {
        assertNotEquals(DiskCache.key("ab", "c"), DiskCache.key("a", "bc"));
        assertEquals(64, DiskCache.key("x").length());
    }

    @Test
    void anUnwritableDirectoryOnlyMisses() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        DiskCache c = new DiskCache(file.resolve("sub"), "ATTNCCL1", ".bin"); // cannot be created: its parent is a file
        c.put("k", new byte[] {1});
        assertNull(c.get("k"));
    }
}
