package dev.attnc.baseline.handwritten;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Handwritten fused (FlashAttention-style) CPU attention kernel, float32, on the Vector API.
 *
 * <p>Same layout and outputs as {@link NaiveAttention}: q [B, H, Q_LEN, D], k and v [B, H_KV, KV_LEN, D],
 * o [B, H, Q_LEN, D], lse [B, H, Q_LEN] (natural log; -inf and O = 0 for a row whose every key is masked);
 * query head h reads key/value head h / (H / H_KV). Causal keeps key kv for query row qi iff
 * kv &lt;= qi + causalOffset.
 *
 * <p>Structure (chosen by measurement on a 2-core Sapphire Rapids, see the bench module's notes):
 * <ul>
 *   <li>K is packed once per call and (b, kv head) into transposed 64-key tiles Kᵀ[tile][d][64], so that
 *       S = Q·Kᵀ is a register-blocked outer product: 4 query rows × 4 vectors of keys (16 accumulators),
 *       each step one broadcast of a Q element and four FMAs against Kᵀ rows. (The other arrangement,
 *       dot products along D with a horizontal reduction per (q, k) pair, measured 2.4× slower.)</li>
 *   <li>One ForkJoin task per (b, h, query tile of 64 rows). Q is pre-scaled by scale·log2(e) so the
 *       softmax works in base 2 with an inlined polynomial exp2 (no libm call per element).</li>
 *   <li>Online softmax per 64-key tile: row max via an order-preserving int key (C2's float max reduction is
 *       slow), P = 2^(s - m), running sums kept lane-wise, rescale factors 2^(m_old - m_new) computed
 *       vectorised across rows; a row with no kept key so far uses reference 0 so -inf - -inf never occurs.</li>
 *   <li>O += P·V register-blocked as 8 query rows × 2 vectors of D (16 accumulators) reading V rows in
 *       place (V is only copied when D is not a multiple of the vector length), the rescale folded into
 *       the accumulator load.</li>
 *   <li>Causal: key tiles entirely above the diagonal are skipped; only tiles crossing it (and a ragged last
 *       key tile) are masked, with -inf, and only those use the -inf-safe exp2.</li>
 * </ul>
 *
 * <p>The vector species is {@code FloatVector.SPECIES_PREFERRED}; setting the system property
 * {@code attnc.bench.vectorBits} (128, 256 or 512) before the class loads forces a narrower one, e.g. to
 * compare AVX2-width code on an AVX-512 machine.
 */
public final class FusedAttention {
    static final VectorSpecies<Float> SP = species();
    /** Lanes per vector. */
    static final int L = SP.length();
    /** Query rows per task. */
    public static final int BQ = 64;
    /** Keys per tile. */
    public static final int BK = 64;
    /** Row blocking of the two micro-kernels: 4 (Q·Kᵀ) and 8 (P·V); every tile is padded to a multiple of 8 rows. */
    static final int RB = 8;
    static final float LOG2E = 1.4426950408889634f;
    static final float LN2 = 0.6931471805599453f;

    static {
        if (BK % (4 * L) != 0 || BQ % L != 0 || BQ % RB != 0) {
            throw new ExceptionInInitializerError("tile sizes do not fit vector length " + L);
        }
    }

    private static VectorSpecies<Float> species() {
        String bits = System.getProperty("attnc.bench.vectorBits");
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("attnc.bench.vectorBits must be 128, 256 or 512: " + bits);
        };
    }

    private FusedAttention() {
    }

    /** The vector shape in use, e.g. "Species[float, 16, S_512_BIT]". */
    public static String vectorShape() {
        return SP.toString();
    }

    private static final class PoolHolder {
        static final ForkJoinPool POOL = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
    }

    /** The pool {@link #forward(float[], float[], float[], float[], float[], int, int, int, int, int, int, boolean)} uses: one worker per core. */
    public static ForkJoinPool defaultPool() {
        return PoolHolder.POOL;
    }

    /** Full or causal attention, scale 1/sqrt(D), causal offset 0, on {@link #defaultPool()}. */
    public static void forward(float[] q, float[] k, float[] v, float[] o, float[] lse,
                               int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim,
                               boolean causal) {
        forward(defaultPool(), q, k, v, o, lse, batch, heads, kvHeads, qLen, kvLen, headDim, causal, 0,
                AttentionShape.defaultScale(headDim));
    }

    /** As {@link #forward(ForkJoinPool, float[], float[], float[], float[], float[], int, int, int, int, int, int, boolean, int, float)} on {@link #defaultPool()}. */
    public static void forward(float[] q, float[] k, float[] v, float[] o, float[] lse,
                               int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim,
                               boolean causal, int causalOffset, float scale) {
        forward(defaultPool(), q, k, v, o, lse, batch, heads, kvHeads, qLen, kvLen, headDim, causal, causalOffset,
                scale);
    }

    /**
     * @param pool         runs the tasks; null runs everything on the calling thread
     * @param lse          may be null when the log-sum-exp is not wanted
     * @param causal       when true keep key kv for query row qi only if kv &lt;= qi + causalOffset
     * @param causalOffset shifts the causal diagonal; ignored when {@code causal} is false
     * @param scale        multiplies Q·Kᵀ before the softmax
     */
    public static void forward(ForkJoinPool pool, float[] q, float[] k, float[] v, float[] o, float[] lse,
                               int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim,
                               boolean causal, int causalOffset, float scale) {
        AttentionShape.check(q, k, v, o, lse, batch, heads, kvHeads, qLen, kvLen, headDim);
        final int d = headDim;
        final int group = heads / kvHeads;
        final int dp = (d + L - 1) / L * L;
        final int nkt = (kvLen + BK - 1) / BK;
        final int nqt = (qLen + BQ - 1) / BQ;
        final int nkv = batch * kvHeads;
        if ((long) nkt * d * BK > Integer.MAX_VALUE - 64 || (long) kvLen * dp > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("KV_LEN * D too large for one packed array");
        }
        final float[][] kt = new float[nkv][];
        final float[][] vPadded = dp == d ? null : new float[nkv][];
        // Pack Kᵀ per 64-key tile (zero-padded past KV_LEN), and V with padded rows when D % L != 0.
        parallelFor(pool, nkv, (lo, hi) -> {
            for (int bhk = lo; bhk < hi; bhk++) {
                final float[] t = new float[nkt * d * BK];
                final int src = bhk * kvLen * d;
                for (int kv = 0; kv < kvLen; kv++) {
                    final int dst = (kv / BK) * d * BK + kv % BK;
                    final int row = src + kv * d;
                    for (int x = 0; x < d; x++) {
                        t[dst + x * BK] = k[row + x];
                    }
                }
                kt[bhk] = t;
                if (vPadded != null) {
                    final float[] vp = new float[kvLen * dp];
                    for (int kv = 0; kv < kvLen; kv++) {
                        System.arraycopy(v, src + kv * d, vp, kv * dp, d);
                    }
                    vPadded[bhk] = vp;
                }
            }
        });
        final int ntasks = batch * heads * nqt;
        parallelFor(pool, ntasks, (lo, hi) -> {
            final Scratch sc = SCRATCH.get();
            sc.ensure(dp);
            for (int t = lo; t < hi; t++) {
                final int qt = nqt - 1 - t % nqt; // late (heavier, for causal) query tiles first
                final int bh = t / nqt;
                final int bhk = (bh / heads) * kvHeads + (bh % heads) / group;
                if (vPadded == null) {
                    tile(sc, q, kt[bhk], v, bhk * kvLen * d, d, o, lse, bh, qt, qLen, kvLen, d, dp, nkt,
                            causal, causalOffset, scale);
                } else {
                    tile(sc, q, kt[bhk], vPadded[bhk], 0, dp, o, lse, bh, qt, qLen, kvLen, d, dp, nkt,
                            causal, causalOffset, scale);
                }
            }
        });
    }

    /** Per-worker scratch: the scaled Q tile, the S/P tile, the O accumulator and the softmax state. */
    private static final class Scratch {
        float[] qs = new float[0];
        float[] oacc = new float[0];
        final float[] s = new float[BQ * BK];
        final float[] m = new float[BQ];
        final float[] mref = new float[BQ];
        final float[] alpha = new float[BQ];
        final float[] psum = new float[BQ * L];
        final float[] lsum = new float[BQ * L];

        void ensure(int dp) {
            if (qs.length < BQ * dp) {
                qs = new float[BQ * dp];
                oacc = new float[BQ * dp];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private interface Range {
        void run(int lo, int hi);
    }

    private static void parallelFor(ForkJoinPool pool, int n, Range body) {
        if (n == 0) {
            return;
        }
        if (pool == null || n == 1) {
            body.run(0, n);
            return;
        }
        @SuppressWarnings("serial")
        final class Split extends RecursiveAction {
            private final int lo;
            private final int hi;

            Split(int lo, int hi) {
                this.lo = lo;
                this.hi = hi;
            }

            @Override
            protected void compute() {
                if (hi - lo <= 1) {
                    body.run(lo, hi);
                    return;
                }
                final int mid = (lo + hi) >>> 1;
                invokeAll(new Split(lo, mid), new Split(mid, hi));
            }
        }
        pool.invoke(new Split(0, n));
    }

    /** One (b·H + h, query tile) task. */
    private static void tile(Scratch sc, float[] q, float[] kt, float[] vsrc, int vBase, int vStride,
                             float[] o, float[] lse, int bh, int qt, int qLen, int kvLen, int d, int dp, int nkt,
                             boolean causal, int off, float scale) {
        final int q0 = qt * BQ;
        final int rows = Math.min(BQ, qLen - q0);
        final int rowsP = (rows + RB - 1) / RB * RB;
        final float[] qs = sc.qs;
        final float[] s = sc.s;
        final float[] oacc = sc.oacc;
        final float[] m = sc.m;
        final float[] lsum = sc.lsum;
        final float qscale = scale * LOG2E;
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        Arrays.fill(sc.mref, 0f);
        Arrays.fill(sc.alpha, 0f);
        for (int i = 0; i < rowsP; i++) {
            final int dst = i * dp;
            if (i < rows) {
                final int src = (bh * qLen + q0 + i) * d;
                for (int x = 0; x < d; x++) {
                    qs[dst + x] = q[src + x] * qscale;
                }
                Arrays.fill(qs, dst + d, dst + dp, 0f);
            } else {
                Arrays.fill(qs, dst, dst + dp, 0f);
            }
            Arrays.fill(oacc, dst, dst + dp, 0f);
            Arrays.fill(lsum, i * L, i * L + L, 0f);
        }
        int ktEnd = nkt;
        if (causal) {
            final long last = (long) q0 + rows - 1 + off; // last key kept by the tile's last row
            ktEnd = last < 0 ? 0 : (int) Math.min(nkt, last / BK + 1);
        }
        for (int t = 0; t < ktEnd; t++) {
            final int k0 = t * BK;
            final int kn = Math.min(BK, kvLen - k0);
            qk(qs, rowsP, dp, d, kt, t * d * BK, s);
            final boolean crossesDiagonal = causal && (long) k0 + BK - 1 > (long) q0 + off;
            final boolean masked = crossesDiagonal || kn < BK;
            if (masked) {
                for (int i = 0; i < rowsP; i++) {
                    final long lastKept = causal ? Math.min(kn - 1L, (long) q0 + i + off - k0) : kn - 1L;
                    final int from = (int) Math.max(0, Math.min(BK, lastKept + 1));
                    Arrays.fill(s, i * BK + from, (i + 1) * BK, Float.NEGATIVE_INFINITY);
                }
            }
            softmax(s, rowsP, m, sc.mref, sc.alpha, sc.psum, lsum, masked);
            // On a tile crossing the diagonal, row i needs keys j <= q0 + i + off - k0 only.
            final long diagShift = crossesDiagonal ? (long) q0 + off - k0 : Integer.MAX_VALUE;
            pv(s, rowsP, kn, diagShift, vsrc, vBase + k0 * vStride, vStride, oacc, dp, sc.alpha);
        }
        for (int i = 0; i < rows; i++) {
            final int dst = (bh * qLen + q0 + i) * d;
            final float l = FloatVector.fromArray(SP, lsum, i * L).reduceLanes(VectorOperators.ADD);
            if (l > 0f) {
                final float inv = 1f / l;
                final int src = i * dp;
                for (int x = 0; x < d; x++) {
                    o[dst + x] = oacc[src + x] * inv;
                }
                if (lse != null) {
                    lse[bh * qLen + q0 + i] = m[i] * LN2 + (float) Math.log(l);
                }
            } else {
                Arrays.fill(o, dst, dst + d, 0f);
                if (lse != null) {
                    lse[bh * qLen + q0 + i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * One online-softmax step on the S tile, in base 2: P = 2^(S - m_new) overwrites S, alpha = 2^(m_old - m_new),
     * and the lane-wise row sums become lsum·alpha + rowsum(P).
     */
    static void softmax(float[] s, int rowsP, float[] m, float[] mref, float[] alpha, float[] psum, float[] lsum,
                        boolean masked) {
        for (int i = 0; i < rowsP; i++) {
            final int base = i * BK;
            FloatVector mx = FloatVector.fromArray(SP, s, base);
            for (int j = L; j < BK; j += L) {
                mx = vmax(mx, FloatVector.fromArray(SP, s, base + j));
            }
            final float r = hmax(mx);
            final float mOld = m[i];
            final float mNew = mOld > r ? mOld : r;
            alpha[i] = mOld; // turned into 2^(mOld - mRef) below
            m[i] = mNew;
            final float mr = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew; // -inf guard: no key kept yet
            mref[i] = mr;
            final FloatVector mv = FloatVector.broadcast(SP, mr);
            FloatVector sum = FloatVector.zero(SP);
            if (masked) {
                for (int j = 0; j < BK; j += L) {
                    final FloatVector p = exp2Guarded(FloatVector.fromArray(SP, s, base + j).sub(mv));
                    p.intoArray(s, base + j);
                    sum = sum.add(p);
                }
            } else {
                for (int j = 0; j < BK; j += L) {
                    final FloatVector p = exp2(FloatVector.fromArray(SP, s, base + j).sub(mv));
                    p.intoArray(s, base + j);
                    sum = sum.add(p);
                }
            }
            sum.intoArray(psum, i * L);
        }
        // alpha = 2^(m_old - m_ref) for L rows at a time (BQ is a multiple of L); m_old = -inf gives exactly 0
        for (int i = 0; i < rowsP; i += L) {
            exp2Guarded(FloatVector.fromArray(SP, alpha, i).sub(FloatVector.fromArray(SP, mref, i))).intoArray(alpha, i);
        }
        for (int i = 0; i < rowsP; i++) {
            FloatVector.fromArray(SP, lsum, i * L)
                    .fma(FloatVector.broadcast(SP, alpha[i]), FloatVector.fromArray(SP, psum, i * L))
                    .intoArray(lsum, i * L);
        }
    }

    /** Lane-wise max by compare and blend (FloatVector.max has to order -0.0/NaN and costs more). */
    static FloatVector vmax(FloatVector a, FloatVector b) {
        return a.blend(b, a.lt(b));
    }

    /** Horizontal max through an order-preserving int key (C2's float MAX reduction is slow). */
    static float hmax(FloatVector v) {
        final IntVector i = v.reinterpretAsInts();
        final IntVector key = i.lanewise(VectorOperators.XOR,
                i.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7FFFFFFF));
        final int kmax = key.reduceLanes(VectorOperators.MAX);
        return Float.intBitsToFloat(kmax ^ ((kmax >> 31) & 0x7FFFFFFF));
    }

    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer held in the low mantissa bits. */
    static final float MAGIC = 12582912f;
    // Near-minimax degree-5 fit of 2^f on [-0.5, 0.5]: relative error 7.5e-8.
    static final FloatVector C0 = FloatVector.broadcast(SP, 1.0000001f);
    static final FloatVector C1 = FloatVector.broadcast(SP, 6.9314694e-1f);
    static final FloatVector C2 = FloatVector.broadcast(SP, 2.4022120e-1f);
    static final FloatVector C3 = FloatVector.broadcast(SP, 5.5507131e-2f);
    static final FloatVector C4 = FloatVector.broadcast(SP, 9.6755410e-3f);
    static final FloatVector C5 = FloatVector.broadcast(SP, 1.3276471e-3f);
    static final FloatVector MINUS_127 = FloatVector.broadcast(SP, -127f);

    /**
     * 2^x for finite x &lt;= 127 (very negative x is fine: results below 2^-126 flush to 0; a huge |x| makes
     * the rounded integer garbage but negative, which the clamp to -127 also turns into 0).
     */
    static FloatVector exp2(FloatVector x) {
        final FloatVector t = x.add(MAGIC);
        final IntVector n = t.reinterpretAsInts().sub(0x4B400000).max(-127);
        final FloatVector f = x.sub(t.sub(MAGIC));
        final FloatVector p = C5.fma(f, C4).fma(f, C3).fma(f, C2).fma(f, C1).fma(f, C0);
        return p.mul(n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** 2^x that also maps -inf to exactly 0 (used on masked tiles and for the rescale factors). */
    static FloatVector exp2Guarded(FloatVector x) {
        return exp2(x.blend(MINUS_127, x.lt(MINUS_127)));
    }

    /** S[i][j] = Σ_x qs[i][x]·Kᵀ[x][j] for one key tile: 4 rows × 4 vectors of keys per register block. */
    static void qk(float[] qs, int rowsP, int dp, int d, float[] kt, int ktOff, float[] s) {
        for (int i = 0; i < rowsP; i += 4) {
            final int q0 = i * dp;
            final int q1 = (i + 1) * dp;
            final int q2 = (i + 2) * dp;
            final int q3 = (i + 3) * dp;
            for (int j = 0; j < BK; j += 4 * L) {
                FloatVector c00 = FloatVector.zero(SP); FloatVector c01 = FloatVector.zero(SP); FloatVector c02 = FloatVector.zero(SP); FloatVector c03 = FloatVector.zero(SP);
                FloatVector c10 = FloatVector.zero(SP); FloatVector c11 = FloatVector.zero(SP); FloatVector c12 = FloatVector.zero(SP); FloatVector c13 = FloatVector.zero(SP);
                FloatVector c20 = FloatVector.zero(SP); FloatVector c21 = FloatVector.zero(SP); FloatVector c22 = FloatVector.zero(SP); FloatVector c23 = FloatVector.zero(SP);
                FloatVector c30 = FloatVector.zero(SP); FloatVector c31 = FloatVector.zero(SP); FloatVector c32 = FloatVector.zero(SP); FloatVector c33 = FloatVector.zero(SP);
                int kb = ktOff + j;
                for (int x = 0; x < d; x++, kb += BK) {
                    FloatVector k0 = FloatVector.fromArray(SP, kt, kb);
                    FloatVector k1 = FloatVector.fromArray(SP, kt, kb + L);
                    FloatVector k2 = FloatVector.fromArray(SP, kt, kb + 2 * L);
                    FloatVector k3 = FloatVector.fromArray(SP, kt, kb + 3 * L);
                    FloatVector a0 = FloatVector.broadcast(SP, qs[q0 + x]);
                    c00 = a0.fma(k0, c00); c01 = a0.fma(k1, c01); c02 = a0.fma(k2, c02); c03 = a0.fma(k3, c03);
                    FloatVector a1 = FloatVector.broadcast(SP, qs[q1 + x]);
                    c10 = a1.fma(k0, c10); c11 = a1.fma(k1, c11); c12 = a1.fma(k2, c12); c13 = a1.fma(k3, c13);
                    FloatVector a2 = FloatVector.broadcast(SP, qs[q2 + x]);
                    c20 = a2.fma(k0, c20); c21 = a2.fma(k1, c21); c22 = a2.fma(k2, c22); c23 = a2.fma(k3, c23);
                    FloatVector a3 = FloatVector.broadcast(SP, qs[q3 + x]);
                    c30 = a3.fma(k0, c30); c31 = a3.fma(k1, c31); c32 = a3.fma(k2, c32); c33 = a3.fma(k3, c33);
                }
                final int s0 = i * BK + j;
                c00.intoArray(s, s0); c01.intoArray(s, s0 + L); c02.intoArray(s, s0 + 2 * L); c03.intoArray(s, s0 + 3 * L);
                final int s1 = (i + 1) * BK + j;
                c10.intoArray(s, s1); c11.intoArray(s, s1 + L); c12.intoArray(s, s1 + 2 * L); c13.intoArray(s, s1 + 3 * L);
                final int s2 = (i + 2) * BK + j;
                c20.intoArray(s, s2); c21.intoArray(s, s2 + L); c22.intoArray(s, s2 + 2 * L); c23.intoArray(s, s2 + 3 * L);
                final int s3 = (i + 3) * BK + j;
                c30.intoArray(s, s3); c31.intoArray(s, s3 + L); c32.intoArray(s, s3 + 2 * L); c33.intoArray(s, s3 + 3 * L);
            }
        }
    }

    /**
     * oacc[i] = alpha[i]·oacc[i] + Σ_j P[i][j]·V[j] over the tile's keys: 8 rows × 2 vectors of D per block,
     * then one vector at a time for the rest of D. {@code diagShift} (huge when not on the diagonal) bounds the
     * keys a block of rows can keep: j &lt;= diagShift + row.
     */
    static void pv(float[] s, int rowsP, int knTile, long diagShift, float[] vsrc, int vOff, int vStride,
                   float[] oacc, int dp, float[] alpha) {
        final int dpMain = dp - dp % (2 * L);
        for (int i = 0; i < rowsP; i += 8) {
            // keys past the block's last row's diagonal have P = 0: skip them
            final int kn = (int) Math.max(0, Math.min(knTile, diagShift + i + 8));
            final float al0 = alpha[i + 0]; final int o0 = i * dp; final int p0 = i * BK;
            final float al1 = alpha[i + 1]; final int o1 = (i + 1) * dp; final int p1 = (i + 1) * BK;
            final float al2 = alpha[i + 2]; final int o2 = (i + 2) * dp; final int p2 = (i + 2) * BK;
            final float al3 = alpha[i + 3]; final int o3 = (i + 3) * dp; final int p3 = (i + 3) * BK;
            final float al4 = alpha[i + 4]; final int o4 = (i + 4) * dp; final int p4 = (i + 4) * BK;
            final float al5 = alpha[i + 5]; final int o5 = (i + 5) * dp; final int p5 = (i + 5) * BK;
            final float al6 = alpha[i + 6]; final int o6 = (i + 6) * dp; final int p6 = (i + 6) * BK;
            final float al7 = alpha[i + 7]; final int o7 = (i + 7) * dp; final int p7 = (i + 7) * BK;
            for (int dv = 0; dv < dpMain; dv += 2 * L) {
                FloatVector c00 = FloatVector.fromArray(SP, oacc, o0 + dv).mul(al0); FloatVector c01 = FloatVector.fromArray(SP, oacc, o0 + dv + L).mul(al0);
                FloatVector c10 = FloatVector.fromArray(SP, oacc, o1 + dv).mul(al1); FloatVector c11 = FloatVector.fromArray(SP, oacc, o1 + dv + L).mul(al1);
                FloatVector c20 = FloatVector.fromArray(SP, oacc, o2 + dv).mul(al2); FloatVector c21 = FloatVector.fromArray(SP, oacc, o2 + dv + L).mul(al2);
                FloatVector c30 = FloatVector.fromArray(SP, oacc, o3 + dv).mul(al3); FloatVector c31 = FloatVector.fromArray(SP, oacc, o3 + dv + L).mul(al3);
                FloatVector c40 = FloatVector.fromArray(SP, oacc, o4 + dv).mul(al4); FloatVector c41 = FloatVector.fromArray(SP, oacc, o4 + dv + L).mul(al4);
                FloatVector c50 = FloatVector.fromArray(SP, oacc, o5 + dv).mul(al5); FloatVector c51 = FloatVector.fromArray(SP, oacc, o5 + dv + L).mul(al5);
                FloatVector c60 = FloatVector.fromArray(SP, oacc, o6 + dv).mul(al6); FloatVector c61 = FloatVector.fromArray(SP, oacc, o6 + dv + L).mul(al6);
                FloatVector c70 = FloatVector.fromArray(SP, oacc, o7 + dv).mul(al7); FloatVector c71 = FloatVector.fromArray(SP, oacc, o7 + dv + L).mul(al7);
                int vb = vOff + dv;
                for (int j = 0; j < kn; j++, vb += vStride) {
                    FloatVector v0 = FloatVector.fromArray(SP, vsrc, vb);
                    FloatVector v1 = FloatVector.fromArray(SP, vsrc, vb + L);
                    FloatVector a0 = FloatVector.broadcast(SP, s[p0 + j]);
                    c00 = a0.fma(v0, c00); c01 = a0.fma(v1, c01);
                    FloatVector a1 = FloatVector.broadcast(SP, s[p1 + j]);
                    c10 = a1.fma(v0, c10); c11 = a1.fma(v1, c11);
                    FloatVector a2 = FloatVector.broadcast(SP, s[p2 + j]);
                    c20 = a2.fma(v0, c20); c21 = a2.fma(v1, c21);
                    FloatVector a3 = FloatVector.broadcast(SP, s[p3 + j]);
                    c30 = a3.fma(v0, c30); c31 = a3.fma(v1, c31);
                    FloatVector a4 = FloatVector.broadcast(SP, s[p4 + j]);
                    c40 = a4.fma(v0, c40); c41 = a4.fma(v1, c41);
                    FloatVector a5 = FloatVector.broadcast(SP, s[p5 + j]);
                    c50 = a5.fma(v0, c50); c51 = a5.fma(v1, c51);
                    FloatVector a6 = FloatVector.broadcast(SP, s[p6 + j]);
                    c60 = a6.fma(v0, c60); c61 = a6.fma(v1, c61);
                    FloatVector a7 = FloatVector.broadcast(SP, s[p7 + j]);
                    c70 = a7.fma(v0, c70); c71 = a7.fma(v1, c71);
                }
                c00.intoArray(oacc, o0 + dv); c01.intoArray(oacc, o0 + dv + L);
                c10.intoArray(oacc, o1 + dv); c11.intoArray(oacc, o1 + dv + L);
                c20.intoArray(oacc, o2 + dv); c21.intoArray(oacc, o2 + dv + L);
                c30.intoArray(oacc, o3 + dv); c31.intoArray(oacc, o3 + dv + L);
                c40.intoArray(oacc, o4 + dv); c41.intoArray(oacc, o4 + dv + L);
                c50.intoArray(oacc, o5 + dv); c51.intoArray(oacc, o5 + dv + L);
                c60.intoArray(oacc, o6 + dv); c61.intoArray(oacc, o6 + dv + L);
                c70.intoArray(oacc, o7 + dv); c71.intoArray(oacc, o7 + dv + L);
            }
            for (int dv = dpMain; dv < dp; dv += L) {
                FloatVector c0 = FloatVector.fromArray(SP, oacc, o0 + dv).mul(al0);
                FloatVector c1 = FloatVector.fromArray(SP, oacc, o1 + dv).mul(al1);
                FloatVector c2 = FloatVector.fromArray(SP, oacc, o2 + dv).mul(al2);
                FloatVector c3 = FloatVector.fromArray(SP, oacc, o3 + dv).mul(al3);
                FloatVector c4 = FloatVector.fromArray(SP, oacc, o4 + dv).mul(al4);
                FloatVector c5 = FloatVector.fromArray(SP, oacc, o5 + dv).mul(al5);
                FloatVector c6 = FloatVector.fromArray(SP, oacc, o6 + dv).mul(al6);
                FloatVector c7 = FloatVector.fromArray(SP, oacc, o7 + dv).mul(al7);
                int vb = vOff + dv;
                for (int j = 0; j < kn; j++, vb += vStride) {
                    FloatVector v0 = FloatVector.fromArray(SP, vsrc, vb);
                    c0 = FloatVector.broadcast(SP, s[p0 + j]).fma(v0, c0);
                    c1 = FloatVector.broadcast(SP, s[p1 + j]).fma(v0, c1);
                    c2 = FloatVector.broadcast(SP, s[p2 + j]).fma(v0, c2);
                    c3 = FloatVector.broadcast(SP, s[p3 + j]).fma(v0, c3);
                    c4 = FloatVector.broadcast(SP, s[p4 + j]).fma(v0, c4);
                    c5 = FloatVector.broadcast(SP, s[p5 + j]).fma(v0, c5);
                    c6 = FloatVector.broadcast(SP, s[p6 + j]).fma(v0, c6);
                    c7 = FloatVector.broadcast(SP, s[p7 + j]).fma(v0, c7);
                }
                c0.intoArray(oacc, o0 + dv);
                c1.intoArray(oacc, o1 + dv);
                c2.intoArray(oacc, o2 + dv);
                c3.intoArray(oacc, o3 + dv);
                c4.intoArray(oacc, o4 + dv);
                c5.intoArray(oacc, o5 + dv);
                c6.intoArray(oacc, o6 + dv);
                c7.intoArray(oacc, o7 + dv);
            }
        }
    }
}
