// Handwritten fused attention in OpenCL C 1.2: the OpenCL baseline of `attnc bench --baselines`.
// Full and causal (kv <= q, top-left aligned, as attnc's `q >= kv`), written by hand without
// attnc's code generator, the way one writes a first FlashAttention kernel in OpenCL:
//   - one work-group per (query tile of BLOCK_M rows, batch·head), one work-item per query row;
//   - each key tile of BLOCK_N keys is loaded once into local memory (K and V, as float) by the
//     whole work-group and used by every row;
//   - Q·K and P·V in float8 vectors along D (eight independent sums, which PoCL and GPUs both
//     vectorize; scalar loops measured 2-3x slower on PoCL), the mask applied in a separate pass
//     so that the tiles without it run straight-line code;
//   - online softmax in base 2 (Q pre-scaled by scale·log2(e)), O accumulated in private memory;
//   - causal: the work-group stops at the diagonal and masks only the tiles that cross it.
// Build options: -DHEAD_DIM=D -DBLOCK_M=.. -DBLOCK_N=.. -DSTORAGE=0|1|2 (float32, float16, bfloat16);
// HEAD_DIM a multiple of 8.
// Layout: Q [B,H,Q_LEN,D]; K, V [B,H_KV,KV_LEN,D]; O like Q; LSE [B,H,Q_LEN] float, natural log.
// Launch: global (ceil(Q_LEN / BLOCK_M) * BLOCK_M, B*H), local (BLOCK_M, 1).

#if STORAGE == 0
typedef float elem_t;
#define LOAD(p, i) ((p)[i])
#define STORE(p, i, x) ((p)[i] = (x))
#elif STORAGE == 1
typedef half elem_t; // storage only: vload_half / vstore_half need no cl_khr_fp16
#define LOAD(p, i) vload_half((i), (p))
#define STORE(p, i, x) vstore_half_rte((x), (i), (p))
#else
typedef ushort elem_t; // bfloat16: the top half of a float
#define LOAD(p, i) as_float((uint)(p)[i] << 16)
#define STORE(p, i, x) ((p)[i] = bf16_round(x))
static inline ushort bf16_round(float f) { // to nearest even; NaN stays NaN
    const uint u = as_uint(f);
    if (f != f) return (ushort)((u >> 16) | 0x40u);
    return (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
#endif

#define LOG2E 1.44269504f
#define LN2 0.693147181f

static inline void attention(__global const elem_t* restrict Q, __global const elem_t* restrict K,
        __global const elem_t* restrict V, __global elem_t* restrict O, __global float* restrict LSE,
        const int H, const int H_KV, const int Q_LEN, const int KV_LEN, const float scale, const bool causal,
        __local float* k_tile, __local float* v_tile) {
    const int lid = get_local_id(0);
    const int q0 = get_group_id(0) * BLOCK_M;
    const int bh = get_group_id(1);
    const int b = bh / H, h = bh % H, hk = h / (H / H_KV);
    const int row = q0 + lid;
    const int q = min(row, Q_LEN - 1); // rows past the end compute the last row and write nothing
    const long kv_base = ((long)b * H_KV + hk) * KV_LEN * HEAD_DIM;

    float qs[HEAD_DIM], acc[HEAD_DIM], s[BLOCK_N];
    const long q_base = ((long)bh * Q_LEN + q) * HEAD_DIM;
    for (int d = 0; d < HEAD_DIM; d++) {
        qs[d] = LOAD(Q, q_base + d) * (scale * LOG2E);
        acc[d] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f; // running max (log2 units) and sum of 2^(s - m)

    // causal: keys past the group's last row are never kept
    const int kv_end = causal ? min(KV_LEN, min(q0 + BLOCK_M, Q_LEN)) : KV_LEN;
    for (int kv0 = 0; kv0 < kv_end; kv0 += BLOCK_N) {
        const int n = min(BLOCK_N, KV_LEN - kv0);
        barrier(CLK_LOCAL_MEM_FENCE); // every row is done with the previous tile
        for (int i = lid; i < n * HEAD_DIM; i += BLOCK_M) {
            k_tile[i] = LOAD(K, kv_base + (long)kv0 * HEAD_DIM + i);
            v_tile[i] = LOAD(V, kv_base + (long)kv0 * HEAD_DIM + i);
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        const bool masked = causal && kv0 + n - 1 > q0; // the tile crosses the diagonal
        float tile_max = -INFINITY;
        for (int j = 0; j < n; j++) {
            float8 x = 0.0f; // eight independent sums, not one long dependent chain
            for (int d = 0; d < HEAD_DIM; d += 8) x = fma(vload8(0, qs + d), vload8(0, k_tile + j * HEAD_DIM + d), x);
            const float4 x4 = x.lo + x.hi;
            s[j] = (x4.x + x4.y) + (x4.z + x4.w);
        }
        if (masked) { // a separate pass, so the unmasked tiles run straight-line code
            for (int j = 0; j < n; j++) s[j] = kv0 + j <= q ? s[j] : -INFINITY;
        }
        for (int j = 0; j < n; j++) tile_max = fmax(tile_max, s[j]);
        const float m_new = fmax(m, tile_max);
        const float m_safe = m_new == -INFINITY ? 0.0f : m_new; // -inf - -inf would be NaN
        const float alpha = exp2(m - m_safe);
        l *= alpha;
        for (int d = 0; d < HEAD_DIM; d++) acc[d] *= alpha;
        for (int j = 0; j < n; j++) {
            const float p = exp2(s[j] - m_safe);
            l += p;
            for (int d = 0; d < HEAD_DIM; d += 8) {
                vstore8(fma((float8)p, vload8(0, v_tile + j * HEAD_DIM + d), vload8(0, acc + d)), 0, acc + d);
            }
        }
        m = m_new;
    }

    if (row < Q_LEN) {
        const float inv = l > 0.0f ? 1.0f / l : 0.0f;
        const long o_base = ((long)bh * Q_LEN + row) * HEAD_DIM;
        for (int d = 0; d < HEAD_DIM; d++) STORE(O, o_base + d, acc[d] * inv);
        LSE[(long)bh * Q_LEN + row] = l > 0.0f ? (m + log2(l)) * LN2 : -INFINITY;
    }
}

__kernel __attribute__((reqd_work_group_size(BLOCK_M, 1, 1)))
void hw_attention_full(__global const elem_t* restrict Q, __global const elem_t* restrict K,
        __global const elem_t* restrict V, __global elem_t* restrict O, __global float* restrict LSE,
        const int H, const int H_KV, const int Q_LEN, const int KV_LEN, const float scale) {
    __local float k_tile[BLOCK_N * HEAD_DIM], v_tile[BLOCK_N * HEAD_DIM];
    attention(Q, K, V, O, LSE, H, H_KV, Q_LEN, KV_LEN, scale, false, k_tile, v_tile);
}

__kernel __attribute__((reqd_work_group_size(BLOCK_M, 1, 1)))
void hw_attention_causal(__global const elem_t* restrict Q, __global const elem_t* restrict K,
        __global const elem_t* restrict V, __global elem_t* restrict O, __global float* restrict LSE,
        const int H, const int H_KV, const int Q_LEN, const int KV_LEN, const float scale) {
    __local float k_tile[BLOCK_N * HEAD_DIM], v_tile[BLOCK_N * HEAD_DIM];
    attention(Q, K, V, O, LSE, H, H_KV, Q_LEN, KV_LEN, scale, true, k_tile, v_tile);
}
