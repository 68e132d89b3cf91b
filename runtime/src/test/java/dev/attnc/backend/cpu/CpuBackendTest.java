package dev.attnc.backend.cpu;

import static dev.attnc.backend.cpu.Fixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.RunOutputs;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.ir.TensorParam;
import dev.attnc.compiler.ir.Type;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.backend.opencl.SampleCases;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Generated kernels against the reference interpreter: variants, shapes, dtypes and block plans. */
class CpuBackendTest {
    private static final String CAUSAL = "attention causal { mask = q >= kv }";
    private static final String SLIDING = """
            mask within(w: int = 256) = q - kv <= w
            attention sliding_window(window: int = 256) { mask = q >= kv && within(window) }
            """;
    private static final String ALIBI = """
            attention alibi(slopes: float[H]) {
                score = score + slopes[h] * float(kv - q)
                mask = q >= kv
            }
            """;
    private static final String DOCUMENT = "attention document(doc: int[KV_LEN]) { mask = doc[q] == doc[kv] }";

    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new KernelCache(null), 2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    /** Runs with the exact (brute-force) plan and with an all-PARTIAL dense plan: both match the reference and each other. */
    private static BlockPlan bothPlans(Fixture f) {
        BlockPlan exact = f.bruteForcePlan(backend);
        RunOutputs sparse = f.check(backend, exact);
        RunOutputs dense = f.check(backend, f.densePlan(backend));
        for (long i = 0; i < sparse.o().elementCount(); i++) {
            assertEquals(dense.o().getDouble(i), sparse.o().getDouble(i), 1e-5, "dense and sparse plans differ at O[" + i + "]");
        }
        return exact;
    }

    private static void assertAllKinds(BlockPlan p) {
        long[] c = p.counts();
        assertTrue(c[0] > 0 && c[1] > 0 && c[2] > 0, "plan has empty, full and partial tiles: " + java.util.Arrays.toString(c));
    }

    /**
     * Every sample (its first attention) with each of its cases' arguments (SampleCases: ragged
     * lengths, grouped-query heads), float32, with the exact plan and with every tile PARTIAL.
     */
    @TestFactory
    Stream<DynamicTest> everySampleMatchesTheReference() {
        return Repo.samples().stream().map(p -> DynamicTest.dynamicTest(Repo.stem(p), () -> checkSample(p, SampleCases.of(Repo.stem(p)), DType.F32)));
    }

    /**
     * The head dimensions models use (SampleCases.MODEL_HEAD_DIMS: 16 to 256, most neither a power of
     * two nor a multiple of this machine's Gemm panel): every sample at every one.
     */
    @TestFactory
    Stream<DynamicTest> samplesAtEveryModelHeadDimension() {
        return SampleCases.headDimCases(Repo.samples(), true).stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> checkSample(c.sample(), SampleCases.of(Repo.stem(c.sample()), c.d()), c.dtype())));
    }

    /**
     * A value dimension DV other than D (V and O [.., DV], Q and K [.., D]; issue 20): every sample
     * at (D, DV) = (48, 32), (32, 48) and MLA's (192, 128), ragged lengths, grouped-query heads, both plans.
     */
    @TestFactory
    Stream<DynamicTest> samplesWithAValueDimensionOtherThanD() {
        return SampleCases.valueDimCases(Repo.samples(), true).stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> checkSample(c.sample(), SampleCases.of(Repo.stem(c.sample()), c.d(), c.dv()), DType.F32)));
    }

    private static void checkSample(Path p, SampleCases.Sample sm, DType dtype) {
        for (SampleCases.Case c : sm.cases()) {
            Fixture f = new Fixture(TestPrograms.sample(p), sm.sizes(), dtype);
            c.scalars().forEach(f::scalar);
            c.tensors().forEach(f::tensor);
            if (dtype == DType.F32) {
                bothPlans(f);
            } else { // O rounded to 16 bits: the plans agree only to that rounding, which check allows against the reference
                f.check(backend, f.bruteForcePlan(backend));
                f.check(backend, f.densePlan(backend));
            }
        }
    }

    /**
     * A head dimension past the Java backend's limit is refused through the API with a message
     * naming the limit, before anything is compiled (the kernel cache's folder is never created).
     */
    @Test
    void aHeadDimensionPastTheLimitIsRefusedBeforeAnyWork(@TempDir Path dir) {
        Path cache = dir.resolve("kernels");
        int d = CpuBackend.MAX_HEAD_DIM + 1;
        Tensor q = Tensor.random(DType.F32, 1, 1, 1, 4, d);
        try (CpuBackend own = new CpuBackend(new KernelCache(cache), 1);
                AttentionKernel kernel = Attnc.compile("t.attn", CAUSAL).kernel("causal", own)) {
            var e = assertThrows(AttnInputException.class, () -> kernel.run(q, q, q, Map.of()));
            assertEquals("head dimension D = 1025 is not supported: the java backend supports D from 1 to 1024", e.getMessage());
        }
        assertFalse(Files.exists(cache), "nothing compiled for the refused call");
    }

    @Test
    void fullAttentionWithRaggedLengthsD64() {
        Fixture f = new Fixture(parse("attention full {}"), new Sizes(2, 2, 2, 77, 131, 64), DType.F32);
        f.check(backend, BlockPlan.dense(64, 64, 77, 131, true));
        f.check(backend, f.densePlan(backend));
    }

    @Test
    void causalD128() {
        Fixture f = new Fixture(parse(CAUSAL), new Sizes(1, 2, 2, 200, 200, 128), DType.F32);
        assertAllKinds(bothPlans(f));
    }

    @Test
    void slidingWindowWithKeysLongerThanQueries() {
        Fixture f = new Fixture(parse(SLIDING), new Sizes(1, 2, 2, 200, 260, 64), DType.F32).scalar("window", 130);
        assertAllKinds(bothPlans(f));
    }

    @Test
    void alibiWithSlopesTensor() {
        Tensor slopes = Tensor.ofFloats(new float[] {0.5f, 0.25f, 0.125f, 0.0625f}, 4);
        Fixture f = new Fixture(parse(ALIBI), new Sizes(1, 4, 4, 131, 131, 64), DType.F32).tensor("slopes", slopes);
        bothPlans(f);
    }

    @Test
    void softcap() {
        Fixture f = new Fixture(parse("attention softcap(cap: float = 30.0) { score = cap * tanh(score / cap) }"),
                new Sizes(1, 2, 2, 77, 131, 64), DType.F32).scalar("cap", 0.2);
        f.check(backend, f.densePlan(backend));
    }

    @Test
    void documentMaskWithIntTensorOddHeadDim() {
        int[] doc = new int[150];
        for (int i = 0; i < doc.length; i++) doc[i] = i < 30 ? 0 : i < 95 ? 1 : i < 100 ? 2 : 3;
        Fixture f = new Fixture(parse(DOCUMENT), new Sizes(2, 2, 2, 150, 150, 40), DType.F32).tensor("doc", Tensor.ofInts(doc, 150));
        assertAllKinds(bothPlans(f));
    }

    @Test
    void relativeBiasClampsReadsWhenLengthsDiffer() {
        String src = "attention relative_bias(bias: float[H, 2 * KV_LEN - 1]) { score = score + bias[h, kv - q + KV_LEN - 1] }";
        Sizes s = new Sizes(1, 2, 2, 140, 77, 64);
        Fixture f = new Fixture(parse(src), s, DType.F32).tensor("bias", Tensor.random(DType.F32, 9, 2, 2 * 77 - 1));
        f.check(backend, f.densePlan(backend));
    }

    /**
     * Float constants here are binary fractions: float32 kernels and the double reference then agree
     * on which side of an integer x / 0.75 falls (with 0.7 they need not, by the language's own rule).
     */
    @Test
    void floorDivisionAndModuloOfNegativesAndByZero() {
        String src = """
                attention floors(d: int = 3) {
                    score = score + 0.05 * float((kv - q) / 3) + 0.02 * float((q - kv) % 5)
                        + 0.03 * float((kv - q) / d) + 0.04 * float((kv - q) % d)
                        + 0.1 * (float(kv - q) % 0.75) + 0.01 * float(int(float(kv - q) * 0.375))
                    mask = (kv - q) % 4 != 1 && (q - kv) / 7 >= -3
                }
                """;
        Attention a = parse(src);
        for (int d : new int[] {0, -2, 5}) {
            bothPlans(new Fixture(a, new Sizes(1, 1, 1, 100, 90, 64), DType.F32).scalar("d", d));
        }
    }

    /** Every operation with a vector form, in the vector loop and (on the ragged last tile) the scalar one. */
    @Test
    void vectorizedScoreAndMaskOperations() {
        String src = """
                attention mix(w: int = 20, flag: bool = true) {
                    score = (abs(kv - q) < w ? sigmoid(score) * 2.0 + sqrt(abs(score)) : max(score, -1.0) - min(exp(score), 2.0))
                        + log(1.0 + abs(score)) + float(max(kv, q) - min(kv, q)) * 0.01 - float(-(q * 3 - kv)) * 0.001
                    mask = (q - kv > -50 || flag == (kv < 40)) && !(kv == q + 3)
                }
                """;
        Attention a = parse(src);
        assertTrue(backend.compile(new dev.attnc.backend.KernelRequest(a, DType.F32, 64, backend.tilePlan(64))).source()
                .contains("ElementVectors.LANES"), "this program vectorizes");
        bothPlans(new Fixture(a, new Sizes(1, 2, 2, 100, 131, 64), DType.F32).scalar("flag", false));
    }

    @Test
    void rowsThatKeepNothingGiveZeroAndMinusInfinity() {
        assertRowsFrom90KeepNothing("attention late { mask = kv > q + 40 }");
    }

    /** Rows 90..130 of a 131-row program whose mask drops them entirely: O = 0 and LSE = -inf. */
    private static void assertRowsFrom90KeepNothing(String program) {
        Fixture f = new Fixture(parse(program), new Sizes(1, 2, 2, 131, 131, 64), DType.F32);
        bothPlans(f);
        RunOutputs out = f.run(backend, f.densePlan(backend));
        for (int q = 90; q < 131; q++) {
            assertEquals(Float.NEGATIVE_INFINITY, out.lse().getFloat(q));
            for (int x = 0; x < 64; x++) assertEquals(0.0, out.o().getDouble(q * 64L + x));
        }
    }

    @Test
    void sinksPerHeadUnderASlidingWindowWithEmptyRows() {
        // rows 0..9 keep nothing: O = 0 and LSE = the sink (0.5 at row 0 of head 0); whole tiles are EMPTY
        Tensor sinks = Tensor.ofFloats(new float[] {0.5f, -1f, 2f, 0f}, 4);
        Fixture f = new Fixture(parse("""
                attention local(sinks: float[H]) {
                    mask = q >= kv + 10 && q - kv < 180
                    normalize = softmax(sink = sinks[h] + 0.01 * float(q))
                }
                """), new Sizes(1, 4, 2, 300, 300, 64), DType.F32).tensor("sinks", sinks);
        assertAllKinds(bothPlans(f));
        RunOutputs out = f.run(backend, f.densePlan(backend));
        assertEquals(0.5f, out.lse().getFloat(0), 1e-6);
        for (int x = 0; x < 64; x++) assertEquals(0.0, out.o().getDouble(x));
    }

    @Test
    void sigmoidCausalWithABiasPerRow() {
        Fixture f = new Fixture(parse("""
                attention flash_sigmoid(beta: float) {
                    mask = q >= kv
                    normalize = sigmoid(bias = beta - log(float(q + 1)))
                }
                """), new Sizes(1, 2, 2, 131, 131, 64), DType.F32).scalar("beta", 0.5);
        assertAllKinds(bothPlans(f));
    }

    @Test
    void sigmoidRowsThatKeepNothingGiveZeroAndMinusInfinity() {
        assertRowsFrom90KeepNothing("attention late { mask = kv > q + 40\n normalize = sigmoid }");
    }

    @Test
    void groupedQueryAttention() {
        Fixture f = new Fixture(parse(CAUSAL), new Sizes(2, 4, 2, 77, 131, 64), DType.F32);
        bothPlans(f);
    }

    @Test
    void perHeadMask() {
        String src = "attention strided { mask = q >= kv && (h % 2 == 0 ? q - kv <= 16 : kv % 8 == 0) }";
        bothPlans(new Fixture(parse(src), new Sizes(1, 2, 2, 150, 150, 64), DType.F32));
    }

    @Test
    void float16Storage() {
        Tensor slopes = Tensor.ofFloats(new float[] {0.5f, 0.25f}, 2);
        Fixture f = new Fixture(parse(ALIBI), new Sizes(1, 2, 2, 100, 100, 128), DType.F16).tensor("slopes", slopes);
        RunOutputs out = f.check(backend, f.densePlan(backend));
        assertEquals(DType.F16, out.o().dtype());
        assertEquals(DType.F32, out.lse().dtype());
    }

    @Test
    void bfloat16Storage() {
        Fixture f = new Fixture(parse(SLIDING), new Sizes(1, 2, 1, 100, 100, 64), DType.BF16).scalar("window", 30);
        assertEquals(DType.BF16, f.check(backend, f.bruteForcePlan(backend)).o().dtype());
    }

    @Test
    void hostileParameterNamesNeverReachTheSource() {
        String evil = "x\"); System.exit(1); /*";
        TensorParam table = new TensorParam("t[0]; } class Y { //", Type.FLOAT, List.of(new Expr.Size(SizeName.H)));
        Expr score = new Expr.Binary(BinaryOp.ADD,
                new Expr.Binary(BinaryOp.ADD, new Expr.Score(), new Expr.Param(evil, Type.FLOAT)),
                new Expr.Load(table, List.of(new Expr.Index(Axis.H)), false));
        Attention a = new Attention("evil */ class X {", List.of(new ParamDecl.Scalar(evil, Type.FLOAT, 0.5), new ParamDecl.Tensor(table)),
                score, new Expr.BoolConst(true));
        Fixture f = new Fixture(a, new Sizes(1, 2, 2, 20, 20, 16), DType.F32).tensor(table.name(), Tensor.ofFloats(new float[] {1, -1}, 2));
        f.check(backend, f.densePlan(backend));
        String source = backend.compile(new dev.attnc.backend.KernelRequest(a, DType.F32, 16, backend.tilePlan(16))).source();
        assertFalse(source.contains("System.exit") || source.contains("class X") || source.contains("class Y"), source);
    }

    @Test
    void deviceNamesCoresAndVectorWidth() {
        assertEquals("java", backend.name());
        assertTrue(backend.device().matches("CPU \\(2 cores, Vector API \\d+-bit\\)"), backend.device());
    }
}
