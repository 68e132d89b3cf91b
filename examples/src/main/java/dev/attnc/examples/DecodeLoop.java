package dev.attnc.examples;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.Backends;
import dev.attnc.DType;
import dev.attnc.DeviceTensor;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import dev.attnc.ffm.cuda.Cuda;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A decoder's generation loop with its KV cache on the device: a batch of random prompts, a few layers
 * of attention over random projections ({@link RandomDecoder}), greedy tokens; prints tokens/s. Each
 * layer's K and V caches are device tensors allocated at their capacity (prompt + new tokens); a step
 * appends one row per sequence in place ({@link DeviceTensor#writeRows}) and runs attention with each
 * sequence's length as kvLens, so the cache never crosses between host and device again. The prompt
 * goes through in chunks of 16 rows per layer (chunked prefill) under the same mask.
 *
 * <p>{@code --target cuda|opencl|java} (default: cuda where there is a GPU, else java); {@code --check}
 * also runs each call on host tensors holding the same rows and stops (exit 3) at the first O that is
 * not bit for bit the same.
 */
public final class DecodeLoop {
    /** Causal, aligned to the end of each sequence's cache (KV_LEN is its own length through kvLens). */
    static final String ATTENTION = "attention decoder { mask = q + KV_LEN - Q_LEN >= kv }";

    private DecodeLoop() {}

    /** What one run generated, and how fast. */
    record Outcome(int[][] tokens, double tokensPerSecond, int mismatches) {}

    public static void main(String[] args) {
        Map<String, String> o = options(args);
        Target target = o.containsKey("target") ? Target.parse(o.get("target")) : Cuda.devices().isEmpty() ? Target.JAVA : Target.CUDA;
        int batch = Integer.parseInt(o.getOrDefault("batch", "4")), prompt = Integer.parseInt(o.getOrDefault("prompt", "32"));
        int tokens = Integer.parseInt(o.getOrDefault("tokens", "64"));
        RandomDecoder model = new RandomDecoder(Integer.parseInt(o.getOrDefault("vocab", "512")), Integer.parseInt(o.getOrDefault("layers", "2")),
                Integer.parseInt(o.getOrDefault("heads", "8")), Integer.parseInt(o.getOrDefault("kv-heads", "2")),
                Integer.parseInt(o.getOrDefault("head-dim", "64")), 42);
        try (Backend backend = Backends.open(target, 0)) {
            Outcome out = generate(backend, model, batch, prompt, tokens, o.containsKey("check"));
            System.out.printf("%s on %s: %d layers, B=%d, H=%d, H_KV=%d, D=%d, prompt %d, %d new tokens a sequence%n", target.word(),
                    backend.device(), model.layers, batch, model.heads, model.kvHeads, model.headDim, prompt, tokens);
            System.out.println("sequence 0: " + Arrays.toString(Arrays.copyOf(out.tokens()[0], Math.min(16, tokens))) + (tokens > 16 ? " ..." : ""));
            System.out.printf("%.1f tokens/s (decode steps, all sequences)%n", out.tokensPerSecond());
            if (out.mismatches() > 0) {
                System.out.println(out.mismatches() + " attention outputs differ from the host tensors' run");
                System.exit(3);
            }
            if (o.containsKey("check")) System.out.println("checked: every attention output equals the host tensors' run bit for bit");
        }
    }

    /**
     * Prompt rows per prefill call (every backend takes any Q_LEN with per-sequence lengths; CUDA runs
     * them in its decode program, whose blocks read K and V once per 16 rows of each query head).
     */
    static final int PREFILL_CHUNK = 64;

    /** Tokens [from, from + len) of each sequence's prompt, row-major [B, len]. */
    private static int[] chunk(int[] prompts, int batch, int prompt, int from, int len) {
        int[] out = new int[batch * len];
        for (int b = 0; b < batch; b++) System.arraycopy(prompts, b * prompt + from, out, b * len, len);
        return out;
    }

    /** Prefills random prompts, then generates {@code tokens} tokens per sequence; the decode steps are timed. */
    static Outcome generate(Backend backend, RandomDecoder m, int batch, int prompt, int tokens, boolean check) {
        DType dtype = backend.name().equals("cuda") ? DType.BF16 : DType.F32; // CUDA's kernels read 16-bit values
        int capacity = prompt + tokens;
        DeviceTensor[] kCache = new DeviceTensor[m.layers], vCache = new DeviceTensor[m.layers];
        Tensor[] kHost = new Tensor[m.layers], vHost = new Tensor[m.layers]; // for --check only
        int[][] generated = new int[batch][tokens];
        int[] lens = new int[batch];
        int mismatches = 0;
        try (AttentionKernel kernel = Attnc.compile("decoder.attn", ATTENTION).kernel(null, backend);
                DeviceTensor q1 = DeviceTensor.allocate(backend, dtype, batch, m.heads, 1, m.headDim);
                DeviceTensor o1 = DeviceTensor.allocate(backend, dtype, batch, m.heads, 1, m.headDim);
                DeviceTensor lse1 = DeviceTensor.allocate(backend, DType.F32, batch, m.heads, 1)) {
            for (int l = 0; l < m.layers; l++) {
                kCache[l] = DeviceTensor.allocate(backend, dtype, batch, m.kvHeads, capacity, m.headDim);
                vCache[l] = DeviceTensor.allocate(backend, dtype, batch, m.kvHeads, capacity, m.headDim);
                if (check) {
                    kHost[l] = Tensor.allocate(dtype, batch, m.kvHeads, capacity, m.headDim);
                    vHost[l] = Tensor.allocate(dtype, batch, m.kvHeads, capacity, m.headDim);
                }
            }
            SplittableRandom rng = new SplittableRandom(7);
            int[] promptTokens = new int[batch * prompt];
            for (int i = 0; i < promptTokens.length; i++) promptTokens[i] = rng.nextInt(m.vocab);
            // the prompt in chunks of at most PREFILL_CHUNK rows (chunked prefill: each chunk attends to the
            // cache up to its own end under the mask), then one row a step
            int prefillSteps = (prompt + PREFILL_CHUNK - 1) / PREFILL_CHUNK;
            int[] current = null;
            long start = 0;
            for (int step = 0, done = 0; step < prefillSteps + tokens; step++) {
                if (step == prefillSteps) start = System.nanoTime(); // the decode steps are timed
                int len = step < prefillSteps ? Math.min(PREFILL_CHUNK, prompt - done) : 1;
                if (step < prefillSteps) current = chunk(promptTokens, batch, prompt, done, len);
                done += step < prefillSteps ? len : 0;
                float[] x = m.embed(current);
                Tensor lengths = Tensor.ofInts(plus(lens, len), batch);
                for (int l = 0; l < m.layers; l++) {
                    Tensor k = heads(m.key(l, x), batch, len, m.kvHeads, m.headDim, dtype);
                    Tensor v = heads(m.value(l, x), batch, len, m.kvHeads, m.headDim, dtype);
                    kCache[l].writeRows(k, lens); // append in place: the cache stays on the device
                    vCache[l].writeRows(v, lens);
                    Tensor q = heads(m.query(l, x), batch, len, m.heads, m.headDim, dtype);
                    Tensor o;
                    if (len == 1) {
                        q1.copyFrom(q);
                        kernel.run(q1, kCache[l], vCache[l], Map.of(), Double.NaN, lengths, o1, lse1);
                        o = o1.toHost();
                    } else {
                        try (DeviceTensor dq = q.to(backend)) {
                            var r = kernel.run(dq, kCache[l], vCache[l], Map.of(), Double.NaN, lengths);
                            o = r.o().toHost();
                            r.o().close();
                            r.lse().close();
                        }
                    }
                    if (check) mismatches += checkAgainstHost(kernel, kHost[l], vHost[l], k, v, q, o, lens, lengths);
                    m.residual(l, x, rows(o, batch, len, m.heads, m.headDim));
                }
                int g = step - (prefillSteps - 1); // the token this step produces (from the prompt's last chunk on)
                current = new int[batch];
                for (int b = 0; b < batch; b++) {
                    current[b] = m.argmax(x, b * len + len - 1);
                    lens[b] += len;
                    if (g >= 0 && g < tokens) generated[b][g] = current[b];
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Outcome(generated, tokens == 0 ? 0 : batch * (double) tokens / seconds, mismatches);
        } finally {
            for (int l = 0; l < m.layers; l++) {
                if (kCache[l] != null) kCache[l].close();
                if (vCache[l] != null) vCache[l].close();
            }
        }
    }

    /** The same call on host tensors holding the same rows; 1 when its O differs from the device's, else 0. */
    private static int checkAgainstHost(AttentionKernel kernel, Tensor kHost, Tensor vHost, Tensor k, Tensor v, Tensor q, Tensor o,
            int[] lens, Tensor lengths) {
        for (int b = 0; b < lens.length; b++) {
            for (int h = 0; h < k.dim(1); h++) {
                for (int t = 0; t < k.dim(2); t++) {
                    for (int d = 0; d < k.dim(3); d++) {
                        long to = ((b * kHost.dim(1) + h) * kHost.dim(2) + lens[b] + t) * kHost.dim(3) + d;
                        kHost.setFloat(to, (float) k.get(b, h, t, d));
                        vHost.setFloat(to, (float) v.get(b, h, t, d));
                    }
                }
            }
        }
        Tensor want = kernel.run(q, kHost, vHost, Map.of(), Double.NaN, lengths).o();
        return Arrays.equals(want.toFloatArray(), o.toFloatArray()) ? 0 : 1;
    }

    /** [B·len, heads·D] rows as a [B, heads, len, D] tensor of {@code dtype}. */
    private static Tensor heads(float[] rows, int batch, int len, int heads, int d, DType dtype) {
        float[] out = new float[rows.length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < len; t++)
                for (int h = 0; h < heads; h++) System.arraycopy(rows, ((b * len + t) * heads + h) * d, out, ((b * heads + h) * len + t) * d, d);
        Tensor f = Tensor.ofFloats(out, batch, heads, len, d);
        return dtype == DType.F32 ? f : f.convert(dtype);
    }

    /** A [B, heads, len, D] tensor back as [B·len, heads·D] rows. */
    private static float[] rows(Tensor t, int batch, int len, int heads, int d) {
        float[] in = t.toFloatArray(), out = new float[in.length];
        for (int b = 0; b < batch; b++)
            for (int t2 = 0; t2 < len; t2++)
                for (int h = 0; h < heads; h++) System.arraycopy(in, ((b * heads + h) * len + t2) * d, out, ((b * len + t2) * heads + h) * d, d);
        return out;
    }

    private static int[] plus(int[] a, int n) {
        return Arrays.stream(a).map(x -> x + n).toArray();
    }

    /** {@code --name value} pairs and {@code --flag}s. */
    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --option, got " + args[i]);
            String name = args[i].substring(2);
            boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
            out.put(name, flag ? "" : args[++i]);
        }
        return out;
    }
}
