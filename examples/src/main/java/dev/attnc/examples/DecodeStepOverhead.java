package dev.attnc.examples;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.Backends;
import dev.attnc.DType;
import dev.attnc.DeviceTensor;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import java.util.Arrays;
import java.util.Map;

/**
 * What a decode step costs outside its kernel: the same call (Q_LEN 1, each sequence its own length,
 * new lengths each step)
 * timed back to back with host tensors (every input copied to the device each step) and with device
 * tensors (Q, K, V, O and LSE resident; only the lengths are the host's), medians of the wall time and
 * of the kernel's own time; then queued steps ({@code AttentionKernel.enqueue}), whose host work overlaps
 * the previous step's kernels: their wall time a step against the timed runs' kernel time.
 * {@code examples/run DecodeStepOverhead TARGET B H H_KV KV_LEN D STEPS [device]}.
 */
public final class DecodeStepOverhead {
    /** prepare is timed this often a round (it is cheap): enough for the JIT to have compiled it. */
    private static final int PREPARE_RUNS = 2000;

    private DecodeStepOverhead() {}

    public static void main(String[] args) {
        Target target = Target.parse(args[0]);
        int[] n = Arrays.stream(args, 1, 7).mapToInt(Integer::parseInt).toArray();
        int b = n[0], h = n[1], hKv = n[2], kvLen = n[3], d = n[4], steps = n[5];
        // "device" after the numbers: device tensors only (a stack sample of the steps then shows their host work alone)
        boolean deviceOnly = args.length > 7 && args[7].equals("device");
        DType dtype = target == Target.CUDA ? DType.BF16 : DType.F32;
        Tensor q = Tensor.random(dtype, 1, b, h, 1, d), k = Tensor.random(dtype, 2, b, hKv, kvLen, d), v = Tensor.random(dtype, 3, b, hKv, kvLen, d);
        // every step's lengths are new to the plan cache, as in a generation loop (lengths(): valid at any KV_LEN)
        Tensor[] kvLens = new Tensor[steps];
        for (int i = 0; i < steps; i++) kvLens[i] = lengths(b, kvLen, i);
        try (Backend backend = Backends.open(target, 0);
                AttentionKernel kernel = Attnc.compile("decoder.attn", DecodeLoop.ATTENTION).kernel(null, backend);
                DeviceTensor dq = q.to(backend); DeviceTensor dk = k.to(backend); DeviceTensor dv = v.to(backend);
                DeviceTensor o = DeviceTensor.allocate(backend, dtype, b, h, 1, d); DeviceTensor lse = DeviceTensor.allocate(backend, DType.F32, b, h, 1)) {
            long[][] host = new long[2][steps], resident = new long[2][steps];
            long[] queuedHost = new long[steps];
            long queuedWall = 0;
            long[] planning = new long[PREPARE_RUNS];
            for (int round = 0; round < 2; round++) { // the first round warms up (compiles, JIT)
                for (int i = 0; i < (deviceOnly ? 0 : steps); i++) {
                    long t0 = System.nanoTime();
                    host[1][i] = kernel.run(q, k, v, Map.of(), Double.NaN, kvLens[i]).kernelNanos();
                    host[0][i] = System.nanoTime() - t0;
                }
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    resident[1][i] = kernel.run(dq, dk, dv, Map.of(), Double.NaN, kvLens[i], o, lse).kernelNanos();
                    resident[0][i] = System.nanoTime() - t0;
                }
                // queued (enqueue): the host prepares step i + 1 while step i runs; the wall time of all steps,
                // the last one waited for by the read-back of its LSE
                long w0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    kernel.enqueue(dq, dk, dv, Map.of(), Double.NaN, kvLens[i], o, lse);
                    queuedHost[i] = System.nanoTime() - t0;
                }
                lse.toHost();
                queuedWall = System.nanoTime() - w0;
                for (int i = 0; i < planning.length; i++) { // the host's part before any device work: checks, block plan, binding
                    long t0 = System.nanoTime();
                    kernel.prepare(q, k, v, Map.of(), Double.NaN, lengths(b, kvLen, steps + round * PREPARE_RUNS + i));
                    planning[i] = System.nanoTime() - t0;
                }
            }
            System.out.printf("%s %s, B=%d H=%d H_KV=%d KV_LEN=%d D=%d, %d steps (medians):%n", target.word(), dtype.displayName(), b, h, hKv, kvLen, d, steps);
            if (!deviceOnly) print("host tensors", host);
            print("device tensors", resident);
            long kernelNs = median(resident[1]), step = queuedWall / steps;
            System.out.printf("  %-15s step %8.1f us (the wall time of %d steps over %d), host %.1f us a call; outside the kernel %8.1f us "
                    + "(%.0f %% of the timed runs' kernel)%n", "queued", step / 1e3, steps, steps, median(queuedHost) / 1e3,
                    (step - kernelNs) / 1e3, 100.0 * (step - kernelNs) / kernelNs);
            System.out.printf("  of which prepare (checks, block plan of new lengths, binding): %.1f us%n", median(planning) / 1e3);
        }
    }

    /** Call {@code n}'s lengths: two per call, new to the plan cache for the first KV_LEN / 2 calls. */
    private static Tensor lengths(int b, int kvLen, int n) {
        int[] lens = new int[b];
        for (int j = 0; j < b; j++) lens[j] = Math.floorMod(kvLen - 1 - 2 * n - j % 2, kvLen) + 1;
        return Tensor.ofInts(lens, b);
    }

    private static void print(String what, long[][] nanos) {
        long wall = median(nanos[0]), kernel = median(nanos[1]);
        System.out.printf("  %-15s step %8.1f us, kernel %8.1f us, outside the kernel %8.1f us (%.0f %% of the kernel)%n", what, wall / 1e3,
                kernel / 1e3, (wall - kernel) / 1e3, 100.0 * (wall - kernel) / kernel);
    }

    private static long median(long[] a) {
        long[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
