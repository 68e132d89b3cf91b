package dev.attnc;

import dev.attnc.compiler.diag.Suggestions;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.SizeName;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.passes.RangeAnalysis;
import dev.attnc.compiler.passes.SizeBounds;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks a call's tensors and arguments against the attention before anything runs, and says what
 * is wrong in the user's terms: which tensor or argument, the shape or type expected, the one given.
 */
public final class Inputs {
    private Inputs() {}

    /**
     * The sizes that Q [B,H,Q_LEN,D], K [B,H_KV,KV_LEN,D] and V [B,H_KV,KV_LEN,DV] agree on: D is
     * the key dimension (Q's and K's last), DV the value dimension (V's last, O's too).
     */
    public static Sizes sizes(Tensor q, Tensor k, Tensor v) {
        rank4("Q", q, "[B, H, Q_LEN, D]");
        rank4("K", k, "[B, H_KV, KV_LEN, D]");
        rank4("V", v, "[B, H_KV, KV_LEN, DV]");
        for (var t : List.of(Map.entry("Q", q), Map.entry("K", k), Map.entry("V", v))) {
            if (!t.getValue().dtype().isFloat()) {
                throw new AttnInputException(t.getKey() + " must be float32, float16 or bfloat16, but is " + t.getValue().typeName());
            }
        }
        if (k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
            throw new AttnInputException("Q, K and V must share one dtype, but are " + q.typeName() + ", "
                    + k.typeName() + " and " + v.typeName());
        }
        if (!Arrays.equals(Arrays.copyOf(k.shape(), 3), Arrays.copyOf(v.shape(), 3))) {
            throw new AttnInputException("K and V must agree on B, H_KV and KV_LEN (only their last dimensions, D and DV, may differ), but K is "
                    + k.shapeString() + " and V is " + v.shapeString());
        }
        if (k.dim(0) != q.dim(0)) throw new AttnInputException("Q and K must have the same batch size B, but Q is " + q.shapeString() + " and K is " + k.shapeString());
        if (k.dim(3) != q.dim(3)) throw new AttnInputException("Q and K must have the same head dimension D, but Q is " + q.shapeString() + " and K is " + k.shapeString());
        if (q.dim(1) % k.dim(1) != 0) {
            throw new AttnInputException("the number of query heads H (" + q.dim(1) + ") must be a multiple of the key/value heads H_KV (" + k.dim(1) + ")");
        }
        return new Sizes(toInt("B", q.dim(0)), toInt("H", q.dim(1)), toInt("H_KV", k.dim(1)), toInt("Q_LEN", q.dim(2)), toInt("KV_LEN", k.dim(2)),
                toInt("D", q.dim(3)), toInt("DV", v.dim(3)));
    }

    /** O's shape [B, H, Q_LEN, DV] (dO's too). */
    public static long[] outputShape(Sizes s) {
        return new long[] {s.B(), s.H(), s.Q_LEN(), s.DV()};
    }

    /**
     * Each sequence's KV_LEN from {@code kvLens} (an int tensor [B]; null: none, every sequence has
     * the call's), each in [0, KV_LEN]; then the page table entries of a paged K or V that the call
     * reads (rows below each sequence's length), each in [0, num_pages). Errors name the sequence
     * b, the page index and the value.
     */
    public static int[] sequenceLengths(Sizes s, Tensor k, Tensor v, Tensor kvLens) {
        int[] lens = null;
        if (kvLens != null) {
            if (kvLens.rank() != 1 || kvLens.dim(0) != s.B() || !kvLens.dtype().isInteger()) {
                throw new AttnInputException("kvLens must be an int tensor of shape [" + s.B() + "] (one length per sequence, B = " + s.B()
                        + "), but is " + kvLens.typeName() + " " + kvLens.shapeString());
            }
            lens = new int[s.B()];
            for (int b = 0; b < s.B(); b++) {
                long len = kvLens.getLong(b);
                if (len < 0 || len > s.KV_LEN()) {
                    throw new AttnInputException("kvLens[" + b + "] = " + len + " is outside [0, KV_LEN = " + s.KV_LEN() + "]");
                }
                lens[b] = (int) len;
            }
        }
        checkPages("K", k, s, lens);
        checkPages("V", v, s, lens);
        return lens;
    }

    private static void checkPages(String name, Tensor t, Sizes s, int[] lens) {
        Tensor.Paging p = t.paging();
        if (p == null) return;
        for (int b = 0; b < s.B(); b++) {
            int rows = lens == null ? s.KV_LEN() : lens[b];
            for (int i = 0; i < (rows + p.pageSize() - 1) / p.pageSize(); i++) {
                int page = p.page(b, (long) i * p.pageSize());
                if (page < 0 || page >= p.pageCount()) {
                    throw new AttnInputException(name + "'s page table holds " + page + " for sequence b = " + b + ", page index " + i
                            + ", outside [0, " + p.pageCount() + ") (the pages it has)");
                }
            }
        }
    }

    /**
     * Checks the backward pass's extra inputs against the forward call's sizes: O and dO
     * [B, H, Q_LEN, DV] of Q's dtype, LSE and dLSE (when given) [B, H, Q_LEN] float32.
     */
    public static void checkBackward(Sizes s, Tensor q, Tensor o, Tensor lse, Tensor dO, Tensor dLse) {
        outputTensor("O", o, q, s);
        outputTensor("dO", dO, q, s);
        long[] rows = {s.B(), s.H(), s.Q_LEN()};
        rowTensor("LSE", lse, rows);
        if (dLse != null) rowTensor("dLSE", dLse, rows);
    }

    private static void outputTensor(String name, Tensor t, Tensor q, Sizes s) {
        if (t == null) throw new AttnInputException(name + " is missing");
        long[] want = outputShape(s);
        if (!java.util.Arrays.equals(t.shape(), want)) {
            throw new AttnInputException(name + " must have shape " + Tensor.shapeString(want) + " [B, H, Q_LEN, DV] (DV: V's last dimension), but has shape "
                    + t.shapeString());
        }
        if (t.dtype() != q.dtype()) throw new AttnInputException(name + " must have Q's dtype " + q.typeName() + ", but is " + t.typeName());
    }

    private static void rowTensor(String name, Tensor t, long[] rows) {
        if (t == null) throw new AttnInputException(name + " is missing");
        if (!java.util.Arrays.equals(t.shape(), rows)) {
            throw new AttnInputException(name + " must have shape " + Tensor.shapeString(rows) + " [B, H, Q_LEN], but has shape " + t.shapeString());
        }
        if (t.dtype() != DType.F32) throw new AttnInputException(name + " must be float32, but is " + t.typeName());
    }

    private static void rank4(String name, Tensor t, String layout) {
        if (t.rank() != 4) throw new AttnInputException(name + " must have 4 dimensions " + layout + ", but has shape " + t.shapeString());
        for (int i = 0; i < 4; i++) {
            if (t.dim(i) < 1) throw new AttnInputException(name + " must have no empty dimension, but has shape " + t.shapeString());
        }
    }

    private static int toInt(String name, long v) {
        checkSize(name, v);
        return (int) v;
    }

    /** The sizes, if each is within what the compiler's range facts assume ({@link SizeBounds}); else refused by name. */
    public static Sizes withinBounds(Sizes s) {
        for (SizeName n : SizeName.values()) checkSize(n.word(), s.get(n));
        checkSize("DV", s.DV());
        return s;
    }

    private static void checkSize(String name, long v) {
        if (v > SizeBounds.MAX_SIZE) {
            throw new AttnInputException(name + " = " + v + " is too large: attnc takes sizes up to 2^30 = " + SizeBounds.MAX_SIZE
                    + " (its optimizer proves 32-bit int arithmetic exact up to there)");
        }
    }

    /**
     * The attention's arguments, checked and completed with defaults: scalars as Integer, Double or
     * Boolean; tensors of the declared shape and element kind (ints as int32).
     */
    public static Bound bind(Attention a, Sizes sizes, Map<String, ?> args) {
        Map<String, ParamDecl> params = a.params().stream().collect(Collectors.toMap(ParamDecl::name, p -> p));
        for (String given : args.keySet()) {
            if (!params.containsKey(given)) {
                String known = a.params().isEmpty() ? "it takes no arguments" : "its parameters are " + signature(a);
                throw new AttnInputException("unknown argument '" + given + "' for attention '" + a.name() + "'"
                        + Suggestions.didYouMean(given, params.keySet()) + "; " + known);
            }
        }
        Map<String, Object> scalars = new HashMap<>();
        Map<String, Tensor> tensors = new HashMap<>();
        for (ParamDecl p : a.params()) {
            Object v = args.get(p.name());
            switch (p) {
                case ParamDecl.Scalar s -> scalars.put(s.name(), scalar(a, s, v));
                case ParamDecl.Tensor t -> tensors.put(t.name(), tensor(a, t, v, sizes));
            }
        }
        return new Bound(scalars, tensors);
    }

    /** Validated arguments: scalars with defaults filled, tensors ready for any backend. */
    public record Bound(Map<String, Object> scalars, Map<String, Tensor> tensors) {
        public Bindings bindings() {
            Map<String, TensorData> data = new HashMap<>();
            tensors.forEach((k, t) -> data.put(k, view(t)));
            return new Bindings(scalars, data);
        }
    }

    public static TensorData view(Tensor t) {
        return new TensorData() {
            public long[] shape() { return t.shape(); }
            public double get(long i) { return t.getDouble(i); }
        };
    }

    private static String signature(Attention a) {
        return a.params().stream().map(Inputs::describe).collect(Collectors.joining(", "));
    }

    private static String describe(ParamDecl p) {
        return switch (p) {
            case ParamDecl.Scalar s -> s.name() + ": " + s.type().word;
            case ParamDecl.Tensor t -> t.name() + ": " + t.tensor().elementType().word + t.tensor().dims().stream()
                    .map(Inputs::dimText).collect(Collectors.joining(", ", "[", "]"));
        };
    }

    private static Object scalar(Attention a, ParamDecl.Scalar s, Object v) {
        if (v == null) {
            if (s.defaultValue() == null) throw new AttnInputException("missing argument '" + describe(s) + "' for attention '" + a.name() + "'");
            v = s.defaultValue();
        }
        String where = "argument '" + s.name() + "' of attention '" + a.name() + "'";
        return switch (s.type()) {
            case BOOL -> {
                if (v instanceof Boolean b) yield b;
                throw new AttnInputException(where + " must be true or false, but is " + v);
            }
            case INT -> {
                if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                        && n.doubleValue() >= Integer.MIN_VALUE && n.doubleValue() <= Integer.MAX_VALUE) {
                    yield n.intValue();
                }
                if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                    throw new AttnInputException(where + " is an int, from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", but " + v
                            + " is outside that range");
                }
                throw new AttnInputException(where + " must be an int, but is " + v);
            }
            case FLOAT -> {
                if (v instanceof Number n) yield n.doubleValue();
                throw new AttnInputException(where + " must be a number, but is " + v);
            }
        };
    }

    private static Tensor tensor(Attention a, ParamDecl.Tensor p, Object v, Sizes sizes) {
        String where = "argument '" + p.name() + "' of attention '" + a.name() + "'";
        if (v == null) throw new AttnInputException("missing argument '" + describe(p) + "' for attention '" + a.name() + "'");
        if (!(v instanceof Tensor t)) throw new AttnInputException(where + " must be a tensor " + describe(p) + ", but is " + v);
        long[] want = p.tensor().dims().stream().mapToLong(d -> dimValue(d, sizes)).toArray();
        if (!Arrays.equals(want, t.shape())) {
            throw new AttnInputException(where + " must have shape " + Tensor.shapeString(want) + " (" + describe(p) + " with "
                    + sizesText(sizes) + "), but has shape " + t.shapeString());
        }
        Type elem = p.tensor().elementType();
        boolean ok = switch (elem) {
            case FLOAT -> t.dtype().isFloat();
            case INT -> t.dtype().isInteger();
            case BOOL -> t.dtype().isBool();
        };
        if (!ok) {
            String kinds = switch (elem) {
                case FLOAT -> "a float tensor (float32, float16 or bfloat16)";
                case INT -> "an int tensor (int32 or int64)";
                case BOOL -> "a bool tensor";
            };
            throw new AttnInputException(where + " must be " + kinds + ", but is " + t.typeName());
        }
        if (t.dtype() == DType.I64) {
            for (long i = 0; i < t.elementCount(); i++) {
                long x = t.getLong(i);
                if (x != (int) x) throw new AttnInputException(where + " holds " + x + " at flat index " + i + ", outside the 32-bit int range");
            }
            return t.convert(DType.I32);
        }
        return t;
    }

    private static long dimValue(Expr dim, Sizes sizes) {
        return RangeAnalysis.dimension(dim).eval(sizes.asMap());
    }

    private static String dimText(Expr dim) {
        return RangeAnalysis.dimension(dim).toString();
    }

    private static String sizesText(Sizes s) {
        return "B=" + s.B() + " H=" + s.H() + " H_KV=" + s.H_KV() + " Q_LEN=" + s.Q_LEN() + " KV_LEN=" + s.KV_LEN() + " D=" + s.D()
                + (s.DV() == s.D() ? "" : " DV=" + s.DV());
    }
}
