package dev.attnc.backend;

import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * Binds a kernel's {@link KernelSignature} by name: walks its arguments in order and takes each
 * fixed one from a map keyed by name and each attention parameter from the call's bindings. A fixed
 * argument that the caller does not supply, or supplies but the kernel does not take, is a bug in
 * the runtime, reported with the names; so is a value of the wrong kind for its argument. Host data
 * (a {@link MemorySegment}: a plan array, a tensor parameter) goes through the target's upload
 * first; the result is the target's argument list, in the kernel's order.
 */
public final class SignatureBinder {
    private SignatureBinder() {}

    /**
     * The fixed arguments that come from the sizes, the block plan and the scale, by name: the
     * plan's arrays as host segments (an empty array as one zero: devices have no empty buffers),
     * ints and the scale as a Float.
     */
    public static Map<String, Object> planAndSizes(Sizes s, BlockPlan plan, double scale) {
        Map<String, Object> out = new HashMap<>();
        out.put(KernelSignature.RUN_OFFSETS.name(), ints(plan.runOffsets));
        out.put(KernelSignature.RUN_START.name(), ints(plan.runStart));
        out.put(KernelSignature.RUN_END.name(), ints(plan.runEnd));
        out.put(KernelSignature.RUN_PARTIAL.name(), bytes(plan.runPartial));
        out.put(KernelSignature.B.name(), s.B());
        out.put(KernelSignature.H.name(), s.H());
        out.put(KernelSignature.H_KV.name(), s.H_KV());
        out.put(KernelSignature.Q_LEN.name(), s.Q_LEN());
        out.put(KernelSignature.KV_LEN.name(), s.KV_LEN());
        out.put(KernelSignature.PLAN_B_STRIDE.name(), plan.batchStride());
        out.put(KernelSignature.PLAN_H_STRIDE.name(), plan.headStride());
        out.put(KernelSignature.Q_TILES.name(), plan.qTiles);
        out.put(KernelSignature.SCALE.name(), (float) scale);
        return out;
    }

    /**
     * The {@link KernelSignature#layout} arguments of {@code tensor} (a [B, heads, len, D] tensor at
     * {@code offset} in its buffer, with these strides in elements) into {@code fixed}, as Longs.
     */
    public static void putLayout(Map<String, Object> fixed, KernelArg tensor, long offset, long[] strides) {
        List<KernelArg> names = KernelSignature.layout(tensor);
        fixed.put(names.get(0).name(), offset);
        for (int i = 0; i < 3; i++) fixed.put(names.get(i + 1).name(), strides[i]);
    }

    /**
     * Binds tensors that kernels read through their layouts ({@link TensorSpans}): uploads each span
     * once and puts, for the tensor of each argument, the buffer of its span and its layout into {@code fixed}.
     */
    public static void putStrided(Map<String, Object> fixed, List<KernelArg> args, List<dev.attnc.Tensor> tensors,
            Function<MemorySegment, Object> upload) {
        TensorSpans spans = TensorSpans.of(tensors);
        List<Object> buffers = spans.spans().stream().map(t -> upload.apply(t.segment())).toList();
        for (int i = 0; i < args.size(); i++) {
            TensorSpans.Placed p = spans.placed().get(i);
            fixed.put(args.get(i).name(), buffers.get(p.span()));
            putLayout(fixed, args.get(i), p.offset(), p.strides());
        }
    }

    /**
     * Binds tensors already on the device (a resident call, {@link RunInputs.Resident}) as they lie: for
     * each argument, the memory of its tensor (a paged one's pages') as {@code buffer} gives it, and the
     * tensor's own layout.
     */
    public static void putResident(Map<String, Object> fixed, List<KernelArg> args, List<dev.attnc.DeviceTensor> tensors,
            Function<DeviceMemory, Object> buffer) {
        for (int i = 0; i < args.size(); i++) {
            dev.attnc.DeviceTensor t = tensors.get(i);
            fixed.put(args.get(i).name(), buffer.apply(t.memory()));
            putLayout(fixed, args.get(i), t.offset(), t.strides());
        }
    }

    /**
     * The {@link KernelSignature#SEQUENCES} arguments of a call into {@code fixed}: each sequence's
     * KV_LEN (the call's for every b without kvLens) and, for K and V, the page table, page size,
     * pages per sequence and page stride of a paged one (page size 0 and a one-entry table for one
     * that is not), as host segments and numbers.
     */
    public static void putSequences(Map<String, Object> fixed, RunInputs in) {
        int[] lens = new int[in.sizes().B()];
        for (int b = 0; b < lens.length; b++) lens[b] = in.kvLen(b);
        fixed.put(KernelSignature.KV_LENS.name(), ints(lens));
        putPaging(fixed, KernelSignature.K, in.k());
        putPaging(fixed, KernelSignature.V, in.v());
    }

    private static void putPaging(Map<String, Object> fixed, KernelArg tensor, dev.attnc.Tensor t) {
        List<KernelArg> names = KernelSignature.paging(tensor);
        dev.attnc.Tensor.Paging p = t.paging();
        fixed.put(names.get(0).name(), p == null ? ints(new int[1]) : p.pageTable().segment());
        fixed.put(names.get(1).name(), p == null ? 0 : p.pageSize());
        fixed.put(names.get(2).name(), p == null ? 0 : p.maxPages());
        fixed.put(names.get(3).name(), p == null ? 0L : p.pageStride());
    }

    /**
     * The values of {@code signature}'s arguments, in order.
     *
     * @param kernel the kernel's name, for messages
     * @param fixed the fixed arguments by name; host segments are uploaded
     * @param in the call, whose scalars and tensors give the attention's parameters
     * @param upload host data to a device buffer (the caller owns and frees it)
     * @param fits whether a value (after upload) is one the target can pass for an argument of that kind
     */
    public static List<Object> bind(String kernel, KernelSignature signature, Map<String, ?> fixed, RunInputs in,
            Function<MemorySegment, Object> upload, BiPredicate<KernelArg.Kind, Object> fits) {
        Set<String> missing = new LinkedHashSet<>(signature.fixedNames());
        missing.removeAll(fixed.keySet());
        Set<String> extra = new TreeSet<>(fixed.keySet());
        signature.fixedNames().forEach(extra::remove);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new IllegalStateException("arguments of kernel " + kernel + ": " + (missing.isEmpty() ? "" : "missing " + missing)
                    + (missing.isEmpty() || extra.isEmpty() ? "" : ", ") + (extra.isEmpty() ? "" : "not taken by the kernel " + extra));
        }
        List<Object> out = new ArrayList<>();
        for (KernelArg a : signature.args()) {
            Object value = switch (a.role()) {
                case KernelArg.Role.Fixed() -> fixed.get(a.name());
                case KernelArg.Role.Param(ParamArg p) -> p.kind().isTensor()
                        ? KernelInputs.deviceTensor(p, in.tensors()).segment()
                        : KernelInputs.deviceScalar(p, in.scalars());
            };
            if (value instanceof MemorySegment host) value = upload.apply(host);
            if (!fits.test(a.kind(), value)) {
                throw new IllegalStateException("argument " + a.name() + " of kernel " + kernel + " is a " + a.kind() + ", not "
                        + (value == null ? "null" : value.getClass().getSimpleName()));
            }
            out.add(value);
        }
        return out;
    }

    /** An int array as a host segment; an empty one as one zero (devices have no empty buffers). */
    public static MemorySegment ints(int[] a) {
        return MemorySegment.ofArray(a.length == 0 ? new int[1] : a);
    }

    /** One byte per flag, at least 4 bytes (a device buffer of one word). */
    private static MemorySegment bytes(boolean[] a) {
        byte[] out = new byte[Math.max(4, a.length)];
        for (int i = 0; i < a.length; i++) out[i] = a[i] ? (byte) 1 : 0;
        return MemorySegment.ofArray(out);
    }
}
