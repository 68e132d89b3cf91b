package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttnInputException;
import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backend.requireBackward: a backend whose backward knows softmax alone refuses sinks and sigmoid; the CPU's takes them. */
class BackwardNormalizationTest {
    /** A backend with no backward of its own beyond the interface's defaults. */
    private static final Backend SOFTMAX_ONLY = new Backend() {
        public String name() {
            return "test";
        }

        public String device() {
            return "none";
        }

        public BackendPolicy policy() {
            throw new UnsupportedOperationException();
        }

        public CompiledKernel compile(KernelRequest request) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void otherNormalisationsAreRefusedWhereTheBackwardKnowsSoftmaxAlone() {
        SOFTMAX_ONLY.requireBackward(TestPrograms.optimized("attention n { mask = q >= kv }"));
        try (CpuBackend cpu = new CpuBackend(new dev.attnc.backend.cpu.KernelCache(null), 1)) {
            for (String clause : List.of("softmax(sink = 0.0)", "sigmoid(bias = -1.0)")) {
                Attention a = TestPrograms.optimized("attention n { mask = q >= kv\n normalize = " + clause + " }");
                var e = assertThrows(AttnInputException.class, () -> SOFTMAX_ONLY.requireBackward(a));
                assertTrue(e.getMessage().contains("is not supported yet"), e.getMessage());
                cpu.requireBackward(a);
            }
        }
    }
}
