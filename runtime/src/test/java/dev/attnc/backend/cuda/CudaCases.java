package dev.attnc.backend.cuda;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The samples of samples/*.attn with arguments for any sizes: tensors of the declared shapes
 * holding the data each variant expects (sorted document ids, ALiBi slopes, lengths with an
 * empty batch element...), scalars that make the mask interesting at test sizes.
 */
final class CudaCases {
    private CudaCases() {}

    record Sample(String stem, Attention attention, boolean square) {}

    record Args(Map<String, Object> scalars, Map<String, Tensor> tensors) {}

    static List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        for (Path f : Repo.samples()) out.add(new Sample(Repo.stem(f), TestPrograms.sample(f), needsSquare(Repo.stem(f))));
        return out;
    }

    /** Samples indexed by q and kv alike (documents, images, grids) run with Q_LEN == KV_LEN. */
    static boolean needsSquare(String stem) {
        return switch (stem) {
            case "document", "document_causal", "transfusion", "neighborhood_2d", "neighborhood_3d" -> true;
            default -> false;
        };
    }

    /** Arguments for a sample at these sizes (seeded: the same sizes give the same arguments). */
    static Args args(String stem, Sizes s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Object> sc = new HashMap<>();
        Map<String, Tensor> t = new HashMap<>();
        switch (stem) {
            case "alibi" -> t.put("slopes", slopes(s.H()));
            case "alibi_softcap" -> { t.put("slopes", slopes(s.H())); sc.put("cap", 2.0); }
            case "block_causal" -> sc.put("frame", 16);
            case "dilated" -> { sc.put("window", 40); sc.put("dilation", 3); }
            case "document", "document_causal" -> t.put("doc", documents(s.KV_LEN(), rng, false));
            case "transfusion" -> t.put("image", documents(s.KV_LEN(), rng, true));
            case "kerple_log" -> { t.put("r1", positive(s.H(), rng)); t.put("r2", positive(s.H(), rng)); }
            case "longformer" -> { sc.put("radius", 20); sc.put("globals", 3); }
            case "neighborhood_2d" -> { sc.put("W", divisor(s.Q_LEN(), 10)); sc.put("R", 2); }
            case "neighborhood_3d" -> {
                int w = divisor(s.Q_LEN(), 5);
                int rest = s.Q_LEN() / w;
                int hh = divisor(rest, 5);
                sc.put("T", rest / hh); sc.put("H_", hh); sc.put("W_", w); sc.put("RT", 1); sc.put("RH", 1); sc.put("RW", 2);
            }
            // the second batch element keeps nothing: its rows must give O = 0 and LSE = -inf
            case "padding" -> {
                int[] len = new int[s.B()];
                for (int b = 0; b < len.length; b++) len[b] = b == 1 ? 0 : 1 + rng.nextInt(s.KV_LEN());
                t.put("lengths", Tensor.ofInts(len, len.length));
            }
            case "prefix_lm" -> sc.put("prefix", s.KV_LEN() / 3);
            case "relative_bias" -> t.put("bias", Tensor.random(DType.F32, seed, s.H(), 2L * s.KV_LEN() - 1));
            case "sliding_window" -> sc.put("window", 50);
            case "softcap" -> sc.put("cap", 1.5);
            case "streaming_llm" -> { sc.put("window", 30); sc.put("sinks", 3); }
            case "strided" -> { sc.put("window", 24); sc.put("stride", 5); }
            case "t5_bias" -> t.put("bias", Tensor.random(DType.F32, seed, s.H(), 32));
            default -> {} // no parameters, or defaults that are interesting enough
        }
        return new Args(sc, t);
    }

    private static int divisor(int n, int near) {
        for (int d = near; d > 1; d--) if (n % d == 0) return d;
        return 1;
    }

    private static Tensor slopes(int h) {
        float[] s = new float[h];
        for (int i = 0; i < h; i++) s[i] = (float) Math.pow(2, -8.0 * (i + 1) / h);
        return Tensor.ofFloats(s, h);
    }

    private static Tensor positive(int n, SplittableRandom rng) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (0.05 + rng.nextDouble());
        return Tensor.ofFloats(f, n);
    }

    /** Sorted ids of packed documents of random lengths (or text runs of -1 between images). */
    private static Tensor documents(int n, SplittableRandom rng, boolean textAndImages) {
        int[] ids = new int[n];
        int i = 0, run = 0, next = 0;
        while (i < n) {
            int len = 1 + rng.nextInt(Math.max(1, n / 4));
            int id = textAndImages && run % 2 == 0 ? -1 : next++;
            for (int j = 0; j < len && i < n; j++) ids[i++] = id;
            run++;
        }
        return Tensor.ofInts(ids, n);
    }
}
