// Handwritten FlashAttention-2-style forward attention: the CUDA baseline of `attnc bench --baselines`.
// Full and causal (kv <= q, top-left aligned: FlexAttention's and attnc's `q >= kv`), bf16 or fp16
// storage, fp32 accumulation, D = 64 or 128, grouped-query heads (query head h reads K/V head
// h / (H / H_KV)). Written by hand, independent of attnc's code generator, as a programmer would
// write a first FA2 kernel: nothing clever, but the standard structure:
//   - one block of 8 warps per (128-query tile, batch·head); each warp owns 16 query rows, so the
//     softmax needs no communication between warps; 64 keys per tile;
//   - Q is staged through shared memory once and kept in registers (A fragments) for the whole loop;
//   - K and V tiles come in with 16-byte cp.async, V(j) overlapping S = QK^T and K(j+1) overlapping
//     softmax + PV (FA2's schedule with one buffer each);
//   - mma.sync.m16n8k16 (inline PTX), ldmatrix.x4 for Q and K, ldmatrix.x4.trans for V;
//   - online softmax in base 2 with scale·log2(e) folded into one FMA; the S accumulators,
//     rounded to 16 bits, are the A operand of P·V directly;
//   - causal: the block stops at the diagonal; only tiles that cross it (and a ragged last tile)
//     run mask code.
// Shared rows are padded by 16 bytes instead of swizzled (simpler; ldmatrix stays conflict-free).
// Output: O like Q; LSE [B, H, Q_LEN] float, natural log; a row that keeps nothing gets O = 0 and
// LSE = -inf. Launch: grid (ceil(Q_LEN / 128), B·H), 256 threads, dynamic shared memory
// 2 · 64 · (D + 8) · 2 bytes (18 KiB at D = 64, 34 KiB at D = 128).
//
// Checked on the CPU by baselines/src/main/resources/handwritten/emu-check.cpp (the emulator of
// bench/gpu/emu), on the GPU by dev.attnc.baseline.BaselineCheck.

typedef unsigned short u16; // the raw bits of a bf16 or fp16 value

namespace hw {
constexpr int BLOCK_M = 128, BLOCK_N = 64, WARPS = 8, NTHREADS = WARPS * 32;
constexpr int PAD = 8; // elements of padding per shared row: rows 16 bytes apart in the banks
} // namespace hw

// primitives: the emulator (bench/gpu/emu) replaces the text from here to "end of primitives"
__device__ __forceinline__ unsigned smem_u32(const void* p) {
    return (unsigned)__cvta_generic_to_shared(p);
}
__device__ __forceinline__ void cp_async16(unsigned dst, const void* src, int src_bytes) {
    // src_bytes 0 reads nothing and fills the 16 bytes with zeros (rows past the end)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(dst), "l"(src), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" :: "n"(N));
}
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
// C += A B, m16n8k16, fp32 accumulators.
__device__ __forceinline__ void mma_bf16(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ void mma_f16(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
// Two floats rounded to nearest even into one register, lo in the low half.
__device__ __forceinline__ unsigned pack_bf16(float lo, float hi) {
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}
__device__ __forceinline__ unsigned pack_f16(float lo, float hi) {
    unsigned r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}
__device__ __forceinline__ float ex2(float x) { // 2^x; ex2(-inf) == +0
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}
// end of primitives

template <bool BF16>
__device__ __forceinline__ void mma(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    if constexpr (BF16) mma_bf16(c, a, b0, b1); else mma_f16(c, a, b0, b1);
}
template <bool BF16>
__device__ __forceinline__ unsigned pack(float lo, float hi) {
    if constexpr (BF16) return pack_bf16(lo, hi); else return pack_f16(lo, hi);
}

// ROWS rows of a [len, D] matrix from row0 on into a padded shared tile, 16 bytes a thread per
// step; rows at or past len become zeros (their source pointer is clamped to row 0, never read).
template <int D, int ROWS>
__device__ __forceinline__ void load_rows(u16* s, const u16* g, int row0, int len, int tid) {
    constexpr int CPR = D / 8, STRIDE = D + hw::PAD, CHUNKS = ROWS * CPR;
    #pragma unroll
    for (int it = 0; it < (CHUNKS + hw::NTHREADS - 1) / hw::NTHREADS; it++) {
        const int i = tid + it * hw::NTHREADS;
        if (CHUNKS % hw::NTHREADS == 0 || i < CHUNKS) {
            const int r = i / CPR, c = i % CPR;
            const bool in = row0 + r < len;
            cp_async16(smem_u32(s + r * STRIDE + c * 8), g + (long long)(in ? row0 + r : 0) * D + c * 8, in ? 16 : 0);
        }
    }
}

template <int D, bool CAUSAL, bool BF16>
__device__ __forceinline__ void attention_fwd(const u16* __restrict__ Q, const u16* __restrict__ K,
        const u16* __restrict__ V, u16* __restrict__ O, float* __restrict__ LSE,
        const int H, const int H_KV, const int Q_LEN, const int KV_LEN, const float scale) {
    using namespace hw;
    static_assert(D % 16 == 0 && D <= 128, "D is a multiple of 16, at most 128");
    constexpr int STRIDE = D + PAD; // elements per shared row
    constexpr int KT = D / 16;      // k16 steps of Q K^T
    constexpr int NT = BLOCK_N / 8; // n8 tiles of S per warp
    constexpr int DT = D / 8;       // n8 tiles of O per warp
    const float NEG_INF = __int_as_float(0xff800000);

    extern __shared__ __align__(128) unsigned char attn_smem[];
    u16* const sK = reinterpret_cast<u16*>(attn_smem);
    u16* const sV = sK + BLOCK_N * STRIDE; // sK and sV together are the 128 rows Q is staged in

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int g = lane >> 2, t = lane & 3; // accumulator row group and column pair
    const int q_tile = (int)gridDim.x - 1 - (int)blockIdx.x; // the longest causal tiles start first
    const int bh = blockIdx.y, b = bh / H, h = bh % H, hk = h / (H / H_KV);
    const int q0 = q_tile * BLOCK_M;
    const int row0 = q0 + warp * 16; // this warp's first query
    const u16* const Qb = Q + (long long)bh * Q_LEN * D;
    const u16* const Kb = K + ((long long)b * H_KV + hk) * KV_LEN * D;
    const u16* const Vb = V + ((long long)b * H_KV + hk) * KV_LEN * D;
    const float sc = scale * 1.44269504f; // exp(scale·x) = 2^(sc·x)

    // Every ldmatrix.x4 here has lane l address row (l & 15) at 16-byte chunk (l >> 4) of a 16x16
    // block: for Q that yields the A fragment a0..a3; for K (rows = keys) b0 of keys 0-7, b0 of
    // keys 8-15, b1 of keys 0-7, b1 of keys 8-15; for V transposed (rows = keys) b0, b1 of d 0-7,
    // then b0, b1 of d 8-15 (PTX ISA, "Matrix Fragments for mma.m16n8k16").
    const int lrow = lane & 15, lchunk = lane >> 4;

    load_rows<D, BLOCK_M>(sK, Qb, q0, Q_LEN, tid);
    cp_async_commit();
    cp_async_wait<0>();
    __syncthreads();
    unsigned qf[KT][4];
    #pragma unroll
    for (int kk = 0; kk < KT; kk++) ldmatrix_x4(qf[kk], smem_u32(sK + (warp * 16 + lrow) * STRIDE + (2 * kk + lchunk) * 8));
    __syncthreads(); // every warp holds its Q before K overwrites it

    const int kv_end = CAUSAL ? min(KV_LEN, min(q0 + BLOCK_M, Q_LEN)) : KV_LEN; // keys [0, kv_end) can be kept
    const int n_tiles = (kv_end + BLOCK_N - 1) / BLOCK_N;

    float acc[DT][4];
    #pragma unroll
    for (int dt = 0; dt < DT; dt++)
        #pragma unroll
        for (int e = 0; e < 4; e++) acc[dt][e] = 0.0f;
    float row_m[2] = {NEG_INF, NEG_INF}; // max of the raw dot products seen (rows g and g + 8)
    float row_l[2] = {0.0f, 0.0f};       // this thread's part of sum 2^(sc·(x - max))

    load_rows<D, BLOCK_N>(sK, Kb, 0, KV_LEN, tid);
    cp_async_commit();
    for (int j = 0; j < n_tiles; j++) {
        const int kv0 = j * BLOCK_N;
        cp_async_wait<0>();
        __syncthreads(); // K(j) landed; every warp is done with V(j-1)
        load_rows<D, BLOCK_N>(sV, Vb, kv0, KV_LEN, tid);
        cp_async_commit();

        float s[NT][4];
        #pragma unroll
        for (int nt = 0; nt < NT; nt++)
            #pragma unroll
            for (int e = 0; e < 4; e++) s[nt][e] = 0.0f;
        #pragma unroll
        for (int kk = 0; kk < KT; kk++) {
            #pragma unroll
            for (int np = 0; np < NT / 2; np++) {
                unsigned kb[4];
                ldmatrix_x4(kb, smem_u32(sK + (np * 16 + lrow) * STRIDE + (2 * kk + lchunk) * 8));
                mma<BF16>(s[2 * np], qf[kk], kb[0], kb[2]);
                mma<BF16>(s[2 * np + 1], qf[kk], kb[1], kb[3]);
            }
        }
        __syncthreads(); // every warp is done with K(j)
        if (j + 1 < n_tiles) load_rows<D, BLOCK_N>(sK, Kb, kv0 + BLOCK_N, KV_LEN, tid);
        cp_async_commit(); // empty on the last tile: the group counting stays the same

        // the ragged last tile, and under causal the tiles crossing the diagonal, need the mask
        if (kv0 + BLOCK_N > KV_LEN || (CAUSAL && kv0 + BLOCK_N - 1 > q0)) {
            #pragma unroll
            for (int nt = 0; nt < NT; nt++)
                #pragma unroll
                for (int e = 0; e < 4; e++) {
                    const int q = row0 + g + (e >> 1) * 8, kv = kv0 + nt * 8 + 2 * t + (e & 1);
                    if (kv >= KV_LEN || (CAUSAL && kv > q)) s[nt][e] = NEG_INF;
                }
        }

        // online softmax, base 2
        #pragma unroll
        for (int hr = 0; hr < 2; hr++) {
            float mx = row_m[hr];
            #pragma unroll
            for (int nt = 0; nt < NT; nt++) mx = fmaxf(mx, fmaxf(s[nt][2 * hr], s[nt][2 * hr + 1]));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            // nothing kept so far: subtract 0, not -inf (-inf - -inf is NaN)
            const float ms = mx == NEG_INF ? 0.0f : mx * sc;
            const float alpha = ex2(row_m[hr] * sc - ms);
            row_m[hr] = mx;
            float sum = 0.0f;
            #pragma unroll
            for (int nt = 0; nt < NT; nt++)
                #pragma unroll
                for (int e = 0; e < 2; e++) {
                    const float p = ex2(fmaf(s[nt][2 * hr + e], sc, -ms));
                    s[nt][2 * hr + e] = p;
                    sum += p;
                }
            row_l[hr] = row_l[hr] * alpha + sum;
            #pragma unroll
            for (int dt = 0; dt < DT; dt++) {
                acc[dt][2 * hr] *= alpha;
                acc[dt][2 * hr + 1] *= alpha;
            }
        }

        cp_async_wait<1>(); // V(j) landed (K(j+1) may still be in flight)
        __syncthreads();

        // O += P V: two neighbouring n8 tiles of S are the A operand of one k16 step
        #pragma unroll
        for (int kj = 0; kj < NT / 2; kj++) {
            unsigned pa[4];
            pa[0] = pack<BF16>(s[2 * kj][0], s[2 * kj][1]);
            pa[1] = pack<BF16>(s[2 * kj][2], s[2 * kj][3]);
            pa[2] = pack<BF16>(s[2 * kj + 1][0], s[2 * kj + 1][1]);
            pa[3] = pack<BF16>(s[2 * kj + 1][2], s[2 * kj + 1][3]);
            #pragma unroll
            for (int dp = 0; dp < DT / 2; dp++) {
                unsigned vb[4];
                ldmatrix_x4_trans(vb, smem_u32(sV + (kj * 16 + lrow) * STRIDE + (2 * dp + lchunk) * 8));
                mma<BF16>(acc[2 * dp], pa, vb[0], vb[1]);
                mma<BF16>(acc[2 * dp + 1], pa, vb[2], vb[3]);
            }
        }
    }
    cp_async_wait<0>(); // the last, empty group: nothing in flight at exit

    #pragma unroll
    for (int hr = 0; hr < 2; hr++) {
        float l = row_l[hr];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        const float inv = l > 0.0f ? 1.0f / l : 0.0f;
        const int q = row0 + g + hr * 8;
        if (q < Q_LEN) {
            u16* const o = O + ((long long)bh * Q_LEN + q) * D + 2 * t;
            #pragma unroll
            for (int dt = 0; dt < DT; dt++)
                *reinterpret_cast<unsigned*>(o + dt * 8) = pack<BF16>(acc[dt][2 * hr] * inv, acc[dt][2 * hr + 1] * inv);
            if (t == 0) LSE[(long long)bh * Q_LEN + q] = l > 0.0f ? (row_m[hr] * sc + log2f(l)) * 0.693147181f : NEG_INF;
        }
    }
}

// The entry points: hw_attention_<dtype>_d<D>_<full|causal>(Q, K, V, O, LSE, H, H_KV, Q_LEN, KV_LEN, scale).
#define HW_ENTRY(NAME, D, CAUSAL, BF16)                                                                      \
    extern "C" __global__ void __launch_bounds__(hw::NTHREADS, 1) NAME(                                   \
            const u16* __restrict__ Q, const u16* __restrict__ K, const u16* __restrict__ V,              \
            u16* __restrict__ O, float* __restrict__ LSE, const int H, const int H_KV, const int Q_LEN,    \
            const int KV_LEN, const float scale) {                                                         \
        attention_fwd<D, CAUSAL, BF16>(Q, K, V, O, LSE, H, H_KV, Q_LEN, KV_LEN, scale);                    \
    }
HW_ENTRY(hw_attention_bf16_d64_full, 64, false, true)
HW_ENTRY(hw_attention_bf16_d64_causal, 64, true, true)
HW_ENTRY(hw_attention_bf16_d128_full, 128, false, true)
HW_ENTRY(hw_attention_bf16_d128_causal, 128, true, true)
HW_ENTRY(hw_attention_f16_d64_full, 64, false, false)
HW_ENTRY(hw_attention_f16_d64_causal, 64, true, false)
HW_ENTRY(hw_attention_f16_d128_full, 128, false, false)
HW_ENTRY(hw_attention_f16_d128_causal, 128, true, false)
