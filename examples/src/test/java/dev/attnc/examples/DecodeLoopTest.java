package dev.attnc.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.backend.cpu.KernelCache;
import dev.attnc.backend.opencl.OpenClBackend;
import dev.attnc.ffm.opencl.OpenCl;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The example runs, briefly: its device-cache loop gives, call for call, the O of host tensors holding the same rows. */
class DecodeLoopTest {
    private static final RandomDecoder MODEL = new RandomDecoder(97, 2, 4, 2, 16, 42);

    @Test
    void onJavaEveryAttentionOutputIsTheHostRunsAndTokensRepeat() {
        try (CpuBackend cpu = new CpuBackend(new KernelCache(null), 2)) {
            DecodeLoop.Outcome first = DecodeLoop.generate(cpu, MODEL, 3, 5, 6, true);
            assertEquals(0, first.mismatches());
            assertTrue(first.tokensPerSecond() > 0);
            assertTrue(Arrays.stream(first.tokens()).flatMapToInt(Arrays::stream).allMatch(t -> t >= 0 && t < 97));
            assertArrayEquals(first.tokens(), DecodeLoop.generate(cpu, MODEL, 3, 5, 6, false).tokens(), "greedy decoding is deterministic");
        }
    }

    @Test
    void onOpenClEveryAttentionOutputIsTheHostRuns() {
        assumeTrue(OpenCl.isAvailable() && !OpenCl.devices().isEmpty(), "no OpenCL device");
        try (OpenClBackend cl = new OpenClBackend(0)) {
            assertEquals(0, DecodeLoop.generate(cl, MODEL, 2, 4, 3, true).mismatches());
        }
    }

    @Test
    void theStepTimingRunsOnJava() {
        DecodeStepOverhead.main(new String[] {"java", "1", "2", "1", "64", "16", "3"});
    }

    @Test
    void mainRunsOnJava() {
        DecodeLoop.main(new String[] {"--target", "java", "--tokens", "4", "--prompt", "4", "--layers", "1", "--vocab", "50"});
    }
}
