package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.Arrays;
import java.util.Map;

/** Random Q, K, V (V of the shape's DV) for {@code --shape}, and random tensor arguments for {@code --random-args}. */
final class RandomInputs {
    private RandomInputs() {}

    /** The option's words for the shape: a seventh number, DV, gives V (and O) another last dimension than D's. */
    static final String SHAPE = "B,H,H_KV,Q_LEN,KV_LEN,D[,DV]";

    static Sizes parseShape(String shape) {
        String[] parts = shape.split(",");
        if (parts.length != 6 && parts.length != 7) {
            throw new AttnInputException("--shape needs " + SHAPE + " (six numbers, or seven with V's last dimension DV), but got '" + shape + "'");
        }
        int[] v = new int[parts.length];
        try {
            for (int i = 0; i < v.length; i++) v[i] = Integer.parseInt(parts[i].trim());
        } catch (NumberFormatException e) {
            throw new AttnInputException("--shape needs integers " + SHAPE + ", but got '" + shape + "'");
        }
        try {
            return Inputs.withinBounds(new Sizes(v[0], v[1], v[2], v[3], v[4], v[5], v.length == 7 ? v[6] : v[5]));
        } catch (AttnInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new AttnInputException("--shape " + shape + ": " + e.getMessage());
        }
    }

    static Tensor[] qkv(Sizes s, DType dtype, long seed) {
        return new Tensor[] {
            Tensor.random(dtype, seed, s.B(), s.H(), s.Q_LEN(), s.D()),
            Tensor.random(dtype, seed + 1, s.B(), s.H_KV(), s.KV_LEN(), s.D()),
            Tensor.random(dtype, seed + 2, s.B(), s.H_KV(), s.KV_LEN(), s.DV())};
    }

    /**
     * Fills parameters the caller did not give. Tensors: floats uniform in (0, 1], bools random,
     * ints in [0, 16), sorted for a 1-D int tensor so that document ids look like packed documents.
     * Scalars without a default: ints √KV_LEN (a grid width, a prefix), floats 1.0, bools true.
     */
    static void fillTensors(Attention a, Sizes s, Map<String, Object> args, long seed) {
        for (ParamDecl p : a.params()) {
            if (args.containsKey(p.name())) continue;
            if (p instanceof ParamDecl.Scalar sc && sc.defaultValue() == null) {
                args.put(p.name(), switch (sc.type()) {
                    case INT -> Math.max(1, (int) Math.sqrt(s.KV_LEN()));
                    case FLOAT -> 1.0;
                    case BOOL -> true;
                });
            }
            if (!(p instanceof ParamDecl.Tensor t)) continue;
            long[] shape = t.tensor().dims().stream().mapToLong(d -> {
                return RangeAnalysis.dimension(d).eval(s.asMap());
            }).toArray();
            DType dtype = switch (t.tensor().elementType()) {
                case FLOAT -> DType.F32;
                case INT -> DType.I32;
                case BOOL -> DType.BOOL;
            };
            Tensor x = Tensor.random(dtype, seed + p.name().hashCode(), shape);
            if (dtype == DType.F32) {
                // positive, as slopes, rates and scales are: a random sign would feed log() negatives
                for (long i = 0; i < x.elementCount(); i++) x.setFloat(i, (x.getFloat(i) + 1) / 2 + 0x1p-10f);
            }
            if (t.tensor().elementType() == Type.INT && shape.length == 1) {
                int[] ints = new int[(int) x.elementCount()];
                for (int i = 0; i < ints.length; i++) ints[i] = (int) x.getLong(i);
                Arrays.sort(ints);
                x = Tensor.ofInts(ints, shape);
            }
            args.put(p.name(), x);
        }
    }
}
