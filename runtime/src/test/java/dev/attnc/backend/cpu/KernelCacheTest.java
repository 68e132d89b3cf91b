package dev.attnc.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk cache: entries are reused, and a damaged entry is never trusted but replaced. */
class KernelCacheTest {
    @TempDir
    Path dir;

    private static final String CAUSAL = "attention causal { mask = q >= kv }";

    /** Compiles and checks the causal kernel with a fresh backend (so nothing comes from memory); returns the entry's file. */
    private Path runFresh() throws IOException {
        try (CpuBackend backend = new CpuBackend(new KernelCache(dir), 2)) {
            Fixture f = new Fixture(Fixture.parse(CAUSAL), new Sizes(1, 1, 1, 70, 70, 16), DType.F32);
            f.check(backend, f.densePlan(backend));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> entries = files.toList();
            assertEquals(1, entries.size(), "one entry, no temporary files left: " + entries);
            return entries.getFirst();
        }
    }

    @Test
    void anEntryIsWrittenOnceAndReused() throws IOException {
        Path entry = runFresh();
        byte[] first = Files.readAllBytes(entry);
        var modified = Files.getLastModifiedTime(entry);
        assertEquals(entry, runFresh());
        assertArrayEquals(first, Files.readAllBytes(entry));
        assertEquals(modified, Files.getLastModifiedTime(entry), "read, not rewritten");
    }

    private void damagedEntryIsReplaced(UnaryOperator<byte[]> damage) throws IOException {
        Path entry = runFresh();
        byte[] good = Files.readAllBytes(entry);
        byte[] bad = damage.apply(good.clone());
        Files.write(entry, bad);
        assertEquals(entry, runFresh());
        byte[] now = Files.readAllBytes(entry);
        assertNotEquals(Arrays.hashCode(bad), Arrays.hashCode(now), "the damaged entry was rewritten");
        assertArrayEquals(good, now);
    }

    @Test
    void aCorruptEntryIsRecompiled() throws IOException {
        damagedEntryIsReplaced(b -> {
            b[b.length - 100] ^= 0x5a;
            return b;
        });
    }

    @Test
    void aTruncatedEntryIsRecompiled() throws IOException {
        damagedEntryIsReplaced(b -> Arrays.copyOf(b, b.length / 2));
    }

    @Test
    void anEmptyOrForeignFileIsRecompiled() throws IOException {
        damagedEntryIsReplaced(b -> new byte[0]);
        damagedEntryIsReplaced(b -> "not a kernel".getBytes());
    }

    @Test
    void aStaleEntryForAnotherKeyIsRecompiled() throws IOException {
        Path entry = runFresh();
        byte[] good = Files.readAllBytes(entry);
        KernelKey other = KernelKey.of("class Other {}", DType.F16, 16, new TilePlan(64, 64, 1));
        Files.write(entry, CacheFile.encode(other, java.util.Map.of("Other", new byte[] {1, 2, 3})));
        assertEquals(entry, runFresh());
        assertArrayEquals(good, Files.readAllBytes(entry));
    }

    @Test
    void keysDifferByEveryInput() {
        TilePlan t = new TilePlan(64, 64, 1);
        KernelKey k = KernelKey.of("src", DType.F32, 64, t);
        assertEquals(k, KernelKey.of("src", DType.F32, 64, t));
        assertNotEquals(k, KernelKey.of("src2", DType.F32, 64, t));
        assertNotEquals(k, KernelKey.of("src", DType.F16, 64, t));
        assertNotEquals(k, KernelKey.of("src", DType.F32, 128, t));
        assertNotEquals(k, KernelKey.of("src", DType.F32, 64, new TilePlan(32, 64, 1)));
    }

    @Test
    void aCacheDirectoryThatCannotBeWrittenStillCompiles() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "in the way");
        try (CpuBackend backend = new CpuBackend(new KernelCache(file.resolve("java")), 1)) {
            Fixture f = new Fixture(Fixture.parse(CAUSAL), new Sizes(1, 1, 1, 10, 10, 8), DType.F32);
            assertDoesNotThrow(() -> f.check(backend, f.densePlan(backend)));
        }
    }

    @Test
    void javacRejectingGeneratedCodeIsACompilerBugWithTheSource() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> InMemoryJavac.compile("dev.attnc.generated.Broken", "package dev.attnc.generated; class Broken { int x = ; }"));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("class Broken { int x = ; }"), e.getMessage());
    }
}
