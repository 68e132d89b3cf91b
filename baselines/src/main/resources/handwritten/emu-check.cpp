// Runs the handwritten CUDA baseline (attention.cu, its primitives swapped for the CPU emulator's
// of bench/gpu/emu) on ragged shapes and compares O and LSE with a double-precision reference.
// No GPU needed; emu-check.sh builds and runs it for bf16 and fp16. Exit 1 on a mismatch.
#include "emu.h"
// attention.cu's primitives, in terms of the emulator's (one storage type per build: EMU_F16)
static inline void mma_bf16(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) { mma16816(c, a, b0, b1); }
static inline void mma_f16(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) { mma16816(c, a, b0, b1); }
static inline unsigned pack_bf16(float lo, float hi) { return pack2(lo, hi); }
static inline unsigned pack_f16(float lo, float hi) { return pack2(lo, hi); }
#include KERNEL_FILE
#include <random>
#include <vector>

#ifdef EMU_F16
constexpr bool BF16 = false;
#else
constexpr bool BF16 = true;
#endif

template <int D, bool CAUSAL>
static int check(int B, int H, int H_KV, int Q_LEN, int KV_LEN) {
    std::mt19937 rng(1234 + Q_LEN * 7 + KV_LEN + D + CAUSAL);
    std::uniform_real_distribution<float> U(-1, 1);
    std::vector<uint16_t> Q((size_t)B * H * Q_LEN * D), K((size_t)B * H_KV * KV_LEN * D), V(K.size());
    std::vector<uint16_t> O(Q.size(), 0x7fc0);
    std::vector<float> LSE((size_t)B * H * Q_LEN, NAN);
    for (auto& x : Q) x = emu_from_f(U(rng) * 2);
    for (auto& x : K) x = emu_from_f(U(rng) * 2);
    for (auto& x : V) x = emu_from_f(U(rng));
    const float scale = 1.0f / std::sqrt((float)D);
    gridDim.x = (Q_LEN + hw::BLOCK_M - 1) / hw::BLOCK_M;
    gridDim.y = B * H;
    for (unsigned by = 0; by < gridDim.y; by++)
        for (unsigned bx = 0; bx < gridDim.x; bx++)
            emu::run_block(hw::NTHREADS, [&] {
                blockIdx.x = bx;
                blockIdx.y = by;
                attention_fwd<D, CAUSAL, BF16>(Q.data(), K.data(), V.data(), O.data(), LSE.data(), H, H_KV, Q_LEN, KV_LEN, scale);
            });
    double maxO = 0, maxL = 0;
    int bad = 0;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            const int hk = h / (H / H_KV);
            for (int q = 0; q < Q_LEN; q++) {
                std::vector<double> s(KV_LEN, -INFINITY), o(D, 0);
                double mx = -INFINITY, sum = 0;
                for (int kv = 0; kv < KV_LEN; kv++) {
                    if (CAUSAL && kv > q) continue;
                    double dot = 0;
                    for (int d = 0; d < D; d++)
                        dot += (double)emu_to_f(Q[((size_t)(b * H + h) * Q_LEN + q) * D + d])
                                * emu_to_f(K[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d]);
                    s[kv] = dot * scale;
                    mx = std::max(mx, s[kv]);
                }
                for (int kv = 0; kv < KV_LEN && mx != -INFINITY; kv++) {
                    if (s[kv] == -INFINITY) continue;
                    const double p = std::exp(s[kv] - mx);
                    sum += p;
                    for (int d = 0; d < D; d++) o[d] += p * emu_to_f(V[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d]);
                }
                const size_t row = (size_t)(b * H + h) * Q_LEN + q;
                for (int d = 0; d < D; d++) {
                    const double want = sum > 0 ? o[d] / sum : 0, got = emu_to_f(O[row * D + d]);
                    const double e = std::fabs(got - want);
                    if (!(e <= 2e-2) && bad++ < 5) fprintf(stderr, "O[%d,%d,%d,%d] = %g, want %g\n", b, h, q, d, got, want);
                    maxO = std::max(maxO, std::isnan(e) ? INFINITY : e);
                }
                const double lse = mx == -INFINITY ? -INFINITY : mx + std::log(sum), gl = LSE[row];
                const double el = (std::isinf(lse) && gl == lse) ? 0 : std::fabs(gl - lse);
                if (!(el <= 1e-2) && bad++ < 10) fprintf(stderr, "LSE[%d,%d,%d] = %g, want %g\n", b, h, q, gl, lse);
                maxL = std::max(maxL, std::isnan(el) ? INFINITY : el);
            }
        }
    printf("%s D=%d %s B=%d H=%d H_KV=%d Q_LEN=%d KV_LEN=%d: max |dO| %.3g, max |dLSE| %.3g, %d bad\n", BF16 ? "bf16" : "f16",
           D, CAUSAL ? "causal" : "full", B, H, H_KV, Q_LEN, KV_LEN, maxO, maxL, bad);
    return bad ? 1 : 0;
}

int main() {
    int fail = 0;
    fail |= check<64, false>(1, 2, 1, 200, 131);  // two query tiles, ragged keys, GQA
    fail |= check<64, true>(1, 2, 1, 200, 131);   // causal with Q_LEN > KV_LEN
    fail |= check<64, true>(1, 1, 1, 77, 300);    // causal with KV_LEN > Q_LEN: keys past the diagonal skipped
    fail |= check<128, false>(1, 2, 2, 130, 64);  // one key tile exactly
    fail |= check<128, true>(2, 2, 1, 256, 256);  // whole tiles, two batches
    return fail;
}
