package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DeviceUnavailableException;
import dev.attnc.ffm.cuda.Cuda;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cubin cache without a GPU: round trips, damaged entries, separate keys; and the backend's refusal without one. */
class CubinCacheTest {
    @TempDir
    Path dir;

    @Test
    void entriesSurviveANewInstanceAndDamagedOnesAreDropped() throws IOException {
        byte[] cubin = {0x7f, 'E', 'L', 'F', 1, 2, 3};
        String key = CubinCache.key("source", "--gpu-architecture=sm_90", "NVIDIA H100", "9.0", "13.0");
        new CubinCache(dir).put(key, cubin);
        assertArrayEquals(cubin, new CubinCache(dir).get(key), "read back from disk");
        try (Stream<Path> files = Files.list(dir)) {
            Path f = files.filter(p -> p.toString().endsWith(".cubin")).findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(f);
            bytes[bytes.length - 1] ^= 1;
            Files.write(f, bytes);
            assertNull(new CubinCache(dir).get(key), "a damaged entry is a miss");
            assertFalse(Files.exists(f), "and is deleted");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    /** Another compilation's cubin copied under this key's name is never returned: a miss, deleted, then rewritten. */
    @Test
    void anotherKeysEntryUnderThisNameIsAMiss() throws IOException {
        String mine = CubinCache.key("source", "--gpu-architecture=sm_90", "NVIDIA H100", "9.0", "13.0");
        String other = CubinCache.key("other source", "--gpu-architecture=sm_90", "NVIDIA H100", "9.0", "13.0");
        CubinCache writer = new CubinCache(dir);
        writer.put(other, new byte[] {1, 2, 3});
        Files.copy(writer.entry(other), writer.entry(mine));
        assertNull(new CubinCache(dir).get(mine), "a foreign entry is a miss");
        assertFalse(Files.exists(writer.entry(mine)), "and is deleted");
        writer.put(mine, new byte[] {4, 5});
        assertArrayEquals(new byte[] {4, 5}, new CubinCache(dir).get(mine), "the rebuilt entry replaces it");
        assertArrayEquals(new byte[] {1, 2, 3}, new CubinCache(dir).get(other), "the other key's entry is untouched");
    }

    @Test
    void everyPartOfTheKeyCounts() {
        String a = CubinCache.key("src", "opts", "gpu", "9.0", "13.0");
        assertNotEquals(a, CubinCache.key("src", "opts", "gpu", "8.0", "13.0"));
        assertNotEquals(a, CubinCache.key("src", "opts", "gpu", "9.0", "12.8"));
        assertNotEquals(CubinCache.key("ab", "c"), CubinCache.key("a", "bc"));
    }

    @Test
    void anUnwritableDirectoryOnlyMisses() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        CubinCache c = new CubinCache(file.resolve("sub"));
        c.put("k", new byte[] {1});
        c.clearMemory();
        assertNull(c.get("k"));
    }

    @Test
    void withoutAGpuTheBackendSaysWhy() {
        assumeTrue(Cuda.devices().isEmpty(), "this machine has a GPU");
        var e = assertThrows(DeviceUnavailableException.class, () -> new CudaBackend(0, dir));
        assertTrue(e.getMessage().length() > 20, e.getMessage());
    }
}
