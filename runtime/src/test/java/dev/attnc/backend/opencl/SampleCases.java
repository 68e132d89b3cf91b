package dev.attnc.backend.opencl;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Arguments for each sample in samples/: tensors of the declared shapes with data of the kind the
 * variant expects (sorted document ids, ALiBi slopes, bias tables, lengths) and scalar arguments.
 * Scalars with defaults are left out in the "defaults" case; a "small" case gives values that make
 * the mask interesting at these sizes (a window of 256 covers 131 keys entirely).
 */
final class SampleCases {
    /** Ragged on purpose: neither length is a multiple of a tile; grouped-query heads. */
    static final Sizes RAGGED = new Sizes(2, 4, 2, 77, 131, 64);
    /** For the samples that need Q_LEN == KV_LEN (documents, images, grids). */
    static final Sizes SQUARE = new Sizes(2, 4, 2, 100, 100, 64);

    record Case(String label, Map<String, Object> scalars, Map<String, Tensor> tensors) {}

    record Sample(Sizes sizes, List<Case> cases) {}

    private SampleCases() {}

    static Sample of(String stem) {
        return switch (stem) {
            case "alibi" -> ragged(one(Map.of(), Map.of("slopes", slopes())));
            case "alibi_softcap" -> ragged(two(Map.of("cap", 2.0), Map.of("slopes", slopes())));
            case "block_causal" -> ragged(two(Map.of("frame", 16), Map.of()));
            case "dilated" -> ragged(two(Map.of("window", 20, "dilation", 3), Map.of()));
            case "document", "document_causal" -> square(one(Map.of(), Map.of("doc", documents(13, 40, 7, 25, 15))));
            case "kerple_log" -> ragged(one(Map.of(), Map.of("r1", floats(0.5, 0.25, 1.0, 2.0), "r2", floats(0.1, 0.5, 1.0, 0.05))));
            case "longformer" -> ragged(two(Map.of("radius", 8, "globals", 3), Map.of()));
            case "neighborhood_2d" -> square(List.of(new Case("defaults", Map.of("W", 10), Map.of()),
                    new Case("small", Map.of("W", 10, "R", 1), Map.of())));
            case "neighborhood_3d" -> square(List.of(new Case("defaults", Map.of("T", 4, "H_", 5, "W_", 5), Map.of()),
                    new Case("small", Map.of("T", 4, "H_", 5, "W_", 5, "RT", 0, "RH", 1, "RW", 2), Map.of())));
            // batch 1 has length 0: every one of its rows keeps nothing (O = 0, LSE = -inf)
            case "padding" -> ragged(List.of(new Case("lengths", Map.of(), Map.of("lengths", ints(100, 57))),
                    new Case("empty rows", Map.of(), Map.of("lengths", ints(131, 0)))));
            case "prefix_lm" -> ragged(one(Map.of("prefix", 20), Map.of()));
            case "relative_bias" -> ragged(one(Map.of(), Map.of("bias", Tensor.random(DType.F32, 11, RAGGED.H(), 2L * RAGGED.KV_LEN() - 1))));
            case "sliding_window" -> ragged(two(Map.of("window", 16), Map.of()));
            case "softcap" -> ragged(two(Map.of("cap", 1.5), Map.of()));
            case "streaming_llm" -> ragged(two(Map.of("window", 10, "sinks", 2), Map.of()));
            case "strided" -> ragged(two(Map.of("window", 8, "stride", 5), Map.of()));
            case "t5_bias" -> ragged(one(Map.of(), Map.of("bias", Tensor.random(DType.F32, 12, RAGGED.H(), 32))));
            // text tokens are -1; three images
            case "transfusion" -> square(one(Map.of(), Map.of("image", textAndImages(10, 20, 20, 30, 10, 10))));
            default -> ragged(one(Map.of(), Map.of())); // no parameters
        };
    }

    private static Sample ragged(List<Case> cases) {
        return new Sample(RAGGED, cases);
    }

    private static Sample square(List<Case> cases) {
        return new Sample(SQUARE, cases);
    }

    private static List<Case> one(Map<String, Object> scalars, Map<String, Tensor> tensors) {
        return List.of(new Case("defaults", scalars, tensors));
    }

    /** A "defaults" case with only the tensors and a "small" case with {@code small} scalars. */
    private static List<Case> two(Map<String, Object> small, Map<String, Tensor> tensors) {
        return List.of(new Case("defaults", Map.of(), tensors), new Case("small", small, tensors));
    }

    /** ALiBi's geometric slopes for H heads: 2^(-8 (i + 1) / H). */
    private static Tensor slopes() {
        float[] s = new float[RAGGED.H()];
        for (int i = 0; i < s.length; i++) s[i] = (float) Math.pow(2, -8.0 * (i + 1) / s.length);
        return Tensor.ofFloats(s, s.length);
    }

    private static Tensor floats(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.ofFloats(f, f.length);
    }

    private static Tensor ints(int... v) {
        return Tensor.ofInts(v, v.length);
    }

    /** Document ids of packed documents of these lengths: 0 0 0 1 1 2 ... (sorted). */
    private static Tensor documents(int... lengths) {
        return ids(false, lengths);
    }

    /** Image ids for runs of text (-1) and images (0, 1, ...), alternating, text first. */
    private static Tensor textAndImages(int... lengths) {
        return ids(true, lengths);
    }

    private static Tensor ids(boolean alternateWithText, int... lengths) {
        List<Integer> ids = new ArrayList<>();
        int next = 0;
        for (int r = 0; r < lengths.length; r++) {
            int id = alternateWithText && r % 2 == 0 ? -1 : next++;
            for (int i = 0; i < lengths[r]; i++) ids.add(id);
        }
        return Tensor.ofInts(ids.stream().mapToInt(Integer::intValue).toArray(), ids.size());
    }
}
