package dev.attnc.tests.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Result;
import dev.attnc.Target;
import dev.attnc.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A block plan follows the contents of the tensors the mask reads, not the tensor object: a
 * program that rewrites one tensor between calls (a document-id buffer refilled every batch, a
 * padding mask, memory under Tensor.wrap changed behind attnc's back) gets the same O as a fresh
 * copy of the new contents.
 */
class PlansFollowContentsTest {
    private static final int N = 512;
    private static final String DOCUMENT = "attention document(doc: int[KV_LEN]) { mask = doc[q] == doc[kv] }";
    private static final String PADDING = "attention padding(keep: bool[B, KV_LEN]) { mask = keep[b, kv] }";

    @ParameterizedTest
    @MethodSource("dev.attnc.tests.robustness.Backends#available")
    void aRewrittenDocumentTensorGetsANewPlan(Target target) {
        Tensor doc = Tensor.ofInts(documents(N, 8), N);
        try (AttentionKernel kernel = Attnc.compile("doc.attn", DOCUMENT).kernel(null, target)) {
            Tensor[] qkv = qkv();
            kernel.run(qkv[0], qkv[1], qkv[2], Map.of("doc", doc)); // plans for 8 documents
            int[] one = new int[N];
            for (long i = 0; i < N; i++) doc.setDouble(i, 0); // one document: every pair kept
            assertSame(kernel.run(qkv[0], qkv[1], qkv[2], Map.of("doc", Tensor.ofInts(one, N))),
                    kernel.run(qkv[0], qkv[1], qkv[2], Map.of("doc", doc)));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.attnc.tests.robustness.Backends#available")
    void wrappedMemoryChangedBehindAttncGetsANewPlan(Target target) {
        try (Arena arena = Arena.ofConfined(); AttentionKernel kernel = Attnc.compile("pad.attn", PADDING).kernel(null, target)) {
            MemorySegment memory = arena.allocate(N);
            Tensor keep = Tensor.wrap(DType.BOOL, memory, 1, N);
            for (int i = 0; i < N; i++) memory.set(ValueLayout.JAVA_BYTE, i, (byte) (i < N / 4 ? 1 : 0));
            Tensor[] qkv = qkv();
            kernel.run(qkv[0], qkv[1], qkv[2], Map.of("keep", keep)); // plans for the first quarter
            memory.fill((byte) 1); // written outside Tensor: attnc sees no write
            assertSame(kernel.run(qkv[0], qkv[1], qkv[2], Map.of("keep", keep.copy())),
                    kernel.run(qkv[0], qkv[1], qkv[2], Map.of("keep", keep)));
        }
    }

    private static void assertSame(Result fresh, Result reused) {
        assertArrayEquals(fresh.o().toFloatArray(), reused.o().toFloatArray(), "O of the reused tensor equals O of a fresh copy");
        assertArrayEquals(fresh.lse().toFloatArray(), reused.lse().toFloatArray(), "LSE too");
    }

    static Tensor[] qkv() {
        return new Tensor[] {Tensor.random(DType.F32, 1, 1, 2, N, 16), Tensor.random(DType.F32, 2, 1, 2, N, 16),
            Tensor.random(DType.F32, 3, 1, 2, N, 16)};
    }

    /** Sorted document ids: {@code count} documents of equal length. */
    static int[] documents(int n, int count) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i * count / n;
        return ids;
    }
}
