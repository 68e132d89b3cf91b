// Runs one generated kernel (KERNEL_FILE, with its primitives swapped for emu.h's) on the CPU
// emulator over random ragged inputs and compares O and LSE with a double-precision reference of
// the same variant (VARIANT below). Prints the largest errors; exit 1 on a mismatch.
// -DHOPPER: the warp-specialized Hopper kernel (TMA maps, a tile order, blocks that take its entries).
// -DLAYOUT=1: Q, K, V, O as [B,S,H,D] buffers; 2: Q, K, V slices of one packed QKV (Lay below), read by
// a kernel generated -Dstrided=true (mma.sync) or through the tensor maps' strides (Hopper, with -DDENSE_O).
#ifdef HOPPER
#include "emu_hopper.h"
#ifndef HOPPER_BLOCKS
#define HOPPER_BLOCKS 2
#endif
#else
#include "emu.h"
#endif
#include KERNEL_FILE
#include ARGS_FILE
#include <random>
#include <string>
#define STR2(x) #x
#define STR(x) STR2(x)

// sizes (ragged on purpose)
#ifndef SB
#define SB 2
#endif
static const int B = SB, H = 4, H_KV = 2, Q_LEN = 77, KV_LEN = 131;

static float cap = 30.0f;
static int window = 40;
static std::vector<float> slopes, sinks;
static std::vector<int> doc, lengths;

static bool mask_of(int b, int h, int q, int kv) {
    (void)h;
    switch (VARIANT) {
        case 1: return q >= kv;                        // causal
        case 2: return q >= kv;                        // alibi (causal)
        case 3: return doc[q] == doc[kv];              // document (Q_LEN <= KV_LEN here)
        case 5: return kv < lengths[b];                // padding
        case 6: return q >= kv && q - kv <= window;    // sliding_window
        case 7: return q >= kv && q - kv < 128;        // gpt_oss (local): sinks as well
        case 8: return q >= kv;                        // sigmoid (causal)
        default: return true;                          // full, softcap
    }
}
static double score_of(int b, int h, int q, int kv, double s) {
    (void)b;
    switch (VARIANT) {
        case 2: return s + slopes[h] * (double)(kv - q);
        case 4: return cap * std::tanh(s / cap);
        default: return s;
    }
}

#ifndef LAYOUT
#define LAYOUT 0
#endif
// one tensor's layout, as KernelSignature.layout: element (b, h, s, 0) at off + b sb + h sh + s ss
struct Lay {
    long long off, sb, sh, ss;
    long long at(int b, int h, int s) const { return off + b * sb + h * sh + s * ss; }
    // 0: [B, heads, len, d] dense; 1: [B, len, heads, d] seen as [B, heads, len, d]
    static Lay of(int layout, int heads, int len, int d) {
        return layout == 0 ? Lay{0, (long long)heads * len * d, (long long)len * d, d} : Lay{0, (long long)len * heads * d, d, (long long)heads * d};
    }
};

static uint16_t to16(float f) { return emu_from_f(f); }
static float from16(uint16_t h) { return emu_to_f(h); }

int main() {
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> U(-1, 1);
    const int D = HEAD_DIM;
#ifdef VALUE_DIM
    const int DV = VALUE_DIM; // V's and O's rows (a kernel generated with -Ddv)
#else
    const int DV = HEAD_DIM;
#endif
    // Where the rows of Q, K, V and O lie (LAYOUT: 0 dense [B,H,S,D]; 1 [B,S,H,D]; 2 Q, K, V slices of one
    // packed [B, KV_LEN, H + 2 H_KV, D] tensor, Q its first Q_LEN rows, O [B,S,H,DV]; O dense under -DDENSE_O)
    std::vector<uint16_t> Q, K, V, O;
    Lay lq, lk, lv, lo;
    if (LAYOUT == 2) {
        if (DV != D) { fprintf(stderr, "a packed QKV needs DV = D\n"); return 1; }
        const long long W = (H + 2 * H_KV) * (long long)D; // one packed row
        Q.resize((size_t)B * KV_LEN * W);
        lq = {0, KV_LEN * W, D, W};
        lk = {(long long)H * D, KV_LEN * W, D, W};
        lv = {(long long)(H + H_KV) * D, KV_LEN * W, D, W};
        for (auto& x : Q) x = to16(U(rng) * 2);
        K = V = Q; // the kernel gets three pointers to copies of the one packed buffer: each read through its own slice
    } else {
        lq = Lay::of(LAYOUT, H, Q_LEN, D); lk = Lay::of(LAYOUT, H_KV, KV_LEN, D); lv = Lay::of(LAYOUT, H_KV, KV_LEN, DV);
        Q.resize((size_t)B * H * Q_LEN * D); K.resize((size_t)B * H_KV * KV_LEN * D); V.resize((size_t)B * H_KV * KV_LEN * DV);
        for (auto& x : Q) x = to16(U(rng) * 2);
        for (auto& x : K) x = to16(U(rng) * 2);
        for (auto& x : V) x = to16(U(rng));
    }
#ifdef DENSE_O
    lo = Lay::of(0, H, Q_LEN, DV);
#else
    lo = Lay::of(LAYOUT == 0 ? 0 : 1, H, Q_LEN, DV);
#endif
    O.assign((size_t)B * H * Q_LEN * DV, 0x7fc0);
    std::vector<float> LSE((size_t)B * H * Q_LEN, NAN);
    for (int h = 0; h < H; h++) slopes.push_back(1.0f / (1 << (h + 1)));
    sinks = {0.5f, -1.0f, 2.0f, 0.0f};
    for (int i = 0, d = 0; i < KV_LEN; i++) { if (i % 29 == 0) d++; doc.push_back(d); }
    lengths = {100, 0, 7};
    const float scale = 1.0f / std::sqrt((float)D);

    // brute-force block plan, one slot
    const int qt = (Q_LEN + BLOCK_M - 1) / BLOCK_M, kt = (KV_LEN + BLOCK_N - 1) / BLOCK_N;
    const bool per_b = VARIANT == 5;
    const int slots = per_b ? B : 1;
    std::vector<int> off{0}, st, en;
    std::vector<unsigned char> part;
    for (int sl = 0; sl < slots; sl++) {
        for (int i = 0; i < qt; i++) {
            int prev = 0; // 0 empty 1 full 2 partial
            for (int j = 0; j < kt; j++) {
                int kept = 0, total = 0;
                for (int q = i * BLOCK_M; q < std::min(Q_LEN, (i + 1) * BLOCK_M); q++)
                    for (int kv = j * BLOCK_N; kv < std::min(KV_LEN, (j + 1) * BLOCK_N); kv++) {
                        total++;
                        kept += mask_of(sl, 0, q, kv);
                    }
                int kind = kept == 0 ? 0 : kept == total ? 1 : 2;
                if (kind != 0) {
                    if (prev == kind && !en.empty() && en.back() == j && (int)st.size() > off.back()) en.back() = j + 1;
                    else { st.push_back(j); en.push_back(j + 1); part.push_back(kind == 2); }
                }
                prev = kind;
            }
            off.push_back((int)st.size());
        }
    }
    if (st.empty()) { st.push_back(0); en.push_back(0); part.push_back(0); }
    int nruns = 0;
    for (int r = 0; r < (int)st.size(); r++) nruns += en[r] > st[r];
    fprintf(stderr, "plan: %d runs over %d rows\n", nruns, (int)off.size() - 1);

#ifdef HOPPER
    // the maps as the runtime's HopperMaps builds them: (D, length, heads, B) with the tensors' strides, boxes 64 x BLOCK_M or BLOCK_N
    attn_tmap tmQ, tmK, tmV;
    emu_tmap_fill(tmQ.bits, Q.data() + lq.off, D, Q_LEN, H, B, 2 * lq.ss, 2 * lq.sh, 2 * lq.sb, BLOCK_M);
    emu_tmap_fill(tmK.bits, K.data() + lk.off, D, KV_LEN, H_KV, B, 2 * lk.ss, 2 * lk.sh, 2 * lk.sb, BLOCK_N);
    emu_tmap_fill(tmV.bits, V.data() + lv.off, DV, KV_LEN, H_KV, B, 2 * lv.ss, 2 * lv.sh, 2 * lv.sb, BLOCK_N);
    // every (query tile, b*H + h) once, backwards (any order is correct; the runtime's TileOrder picks one)
    const int n_tiles = qt * B * H;
    std::vector<int> order(n_tiles);
    for (int i = 0; i < n_tiles; i++) order[i] = n_tiles - 1 - i;
    // HOPPER_BLOCKS persistent blocks taking items from a counter, or (0) one block per item
    int counter = 0;
    int* item_counter = HOPPER_BLOCKS > 0 ? &counter : nullptr;
    gridDim = emu_dim3{HOPPER_BLOCKS > 0 ? HOPPER_BLOCKS : (unsigned)n_tiles, 1, 1};
    for (unsigned bx = 0; bx < gridDim.x; bx++) {
        emu::hopper_block_reset();
        emu::run_block(NTHREADS, [&] {
            blockIdx.x = bx; blockIdx.y = 0;
            ENTRY(KERNEL_ARGS);
        });
    }
    if (counter != 0) { fprintf(stderr, "the kernel left item_counter at %d, not 0\n", counter); return 1; }
#else
    gridDim.x = qt; gridDim.y = B * H;
    for (unsigned by = 0; by < gridDim.y; by++) {
        for (unsigned bx = 0; bx < gridDim.x; bx++) {
            emu::run_block(NTHREADS, [&] {
                blockIdx.x = bx; blockIdx.y = by;
                ENTRY(KERNEL_ARGS); // Gen.java wrote KERNEL_ARGS from the kernel's signature
            });
        }
    }
#endif

    // reference
    double maxErr = 0, maxLse = 0, refNorm = 0, errNorm = 0;
    int bad = 0;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            int hk = h / (H / H_KV);
            for (int q = 0; q < Q_LEN; q++) {
                std::vector<double> s(KV_LEN, -INFINITY);
                double mx = -INFINITY;
                for (int kv = 0; kv < KV_LEN; kv++) {
                    if (!mask_of(b, h, q, kv)) continue;
                    double dot = 0;
                    for (int d = 0; d < D; d++)
                        dot += (double)from16(Q[lq.at(b, h, q) + d]) * from16(K[lk.at(b, hk, kv) + d]);
                    s[kv] = score_of(b, h, q, kv, dot * scale);
                    mx = std::max(mx, s[kv]);
                }
                std::vector<double> o(DV, 0);
                // gpt_oss: a sink of logit sinks[h] and value 0 joins the softmax; sigmoid: P = sigmoid(s - log KV_LEN), no division
                const bool sigmoid = VARIANT == 8;
                const double sink = VARIANT == 7 ? sinks[h] : -INFINITY;
                mx = std::max(mx, sink);
                double sum = VARIANT == 7 ? std::exp(sink - mx) : 0;
                if (mx != -INFINITY || sigmoid)
                    for (int kv = 0; kv < KV_LEN; kv++) {
                        if (s[kv] == -INFINITY) continue;
                        double p = sigmoid ? 1 / (1 + std::exp(-(s[kv] - std::log((double)KV_LEN)))) : std::exp(s[kv] - mx);
                        sum += p;
                        for (int d = 0; d < DV; d++) o[d] += p * from16(V[lv.at(b, hk, kv) + d]);
                    }
                double lse = sigmoid ? std::log(sum) : mx == -INFINITY ? -INFINITY : mx + std::log(sum);
                if (sigmoid && sum > 0) for (int d = 0; d < DV; d++) o[d] *= sum; // divided by sum below
                size_t row = (size_t)(b * H + h) * Q_LEN + q;
                for (int d = 0; d < DV; d++) {
                    double ref = sum > 0 ? o[d] / sum : 0;
                    double got = from16(O[lo.at(b, h, q) + d]);
                    double e = std::fabs(got - ref);
                    if (!(e <= 2e-2)) { if (bad++ < 5) fprintf(stderr, "O[%d,%d,%d,%d] = %g, want %g\n", b, h, q, d, got, ref); }
                    maxErr = std::max(maxErr, std::isnan(e) ? INFINITY : e);
                    refNorm += ref * ref; errNorm += (std::isnan(e) ? 1e9 : e * e);
                }
                double gl = LSE[row];
                double el = (std::isinf(lse) && std::isinf(gl) && (lse < 0) == (gl < 0)) ? 0 : std::fabs(gl - lse);
                if (!(el <= 1e-2)) { if (bad++ < 10) fprintf(stderr, "LSE[%d,%d,%d] = %g, want %g\n", b, h, q, gl, lse); }
                maxLse = std::max(maxLse, std::isnan(el) ? INFINITY : el);
            }
        }
    printf("%s D=%d DV=%d layout %d tiles %dx%d/%dw: max |dO| %.3g, rel %.3g, max |dLSE| %.3g, %d bad\n", STR(ENTRY), D, DV, LAYOUT, BLOCK_M, BLOCK_N,
           NTHREADS / 32, maxErr, std::sqrt(errNorm / std::max(refNorm, 1e-30)), maxLse, bad);
    return bad ? 1 : 0;
}
