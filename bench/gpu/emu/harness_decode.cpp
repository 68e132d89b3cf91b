// Runs one generated decode program (KERNEL_FILE, primitives swapped for emu.h's) on the CPU
// emulator: the split-KV kernel with the query heads of a KV head packed, then the combine, over
// random ragged GQA inputs, and compares O and LSE with a double-precision reference of the same
// variant (VARIANT below). Exit 1 on a mismatch. Paged (PAGE > 0), it runs the same inputs dense first and
// wants the paged run's O and LSE bit for bit equal to that run's.
//   PLAN_M=M  the block plan's query tiles of M rows (the kernel generated with blockM = M); else one
//             query tile over all Q_LEN rows
//   THREE_LENS  three sequences of lengths {KV_LEN, 0, 100}; else two, {KV_LEN, 100} (or FULL_LENS)
//   HQ, HKV   query and KV heads (8 and 2);  GRID_Z=Z  the blocks of y dealt over Z in z
#include "emu.h"
#include KERNEL_FILE
#include ARGS_FILE
#include <cstring>
#include <numeric>
#include <random>
#include <string>

#ifndef HQ
#define HQ 8
#endif
#ifndef HKV
#define HKV 2
#endif
#ifndef PLAN_M
#define PLAN_M QLEN
#endif
#ifndef GRID_Z
#define GRID_Z 1
#endif
#ifdef THREE_LENS
static const int B = 3;
#else
static const int B = 2;
#endif
static const int H = HQ, H_KV = HKV, Q_LEN = QLEN, KV_LEN = 333, HP = HEADS, SPLITS = NSPLITS;
#ifndef PAGE
#define PAGE 0 // rows per page of a paged K and V (0: dense)
#endif
// sequence 1 is shorter than the call's KV_LEN unless FULL_LENS
#if defined(THREE_LENS)
static std::vector<int> lens = {KV_LEN, 0, 100};
#elif defined(FULL_LENS)
static std::vector<int> lens = {KV_LEN, KV_LEN};
#else
static std::vector<int> lens = {KV_LEN, 100};
#endif
static float cap = 30.0f;
static std::vector<float> slopes, sinks;

static bool mask_of(int q, int kv, int kv_len) {
    switch (VARIANT) {
        case 1: case 2: case 8: return q >= kv;
        case 9: return q + kv_len - Q_LEN >= kv; // decode_causal: aligned to the sequence's end
        case 7: return q >= kv && q - kv < 128;
        default: return true;
    }
}
static double score_of(int h, int q, int kv, double s) {
    switch (VARIANT) {
        case 2: return s + slopes[h] * (double)(kv - q);
        case 4: return cap * std::tanh(s / cap);
        default: return s;
    }
}
static uint16_t to16(float f) { return emu_from_f(f); }
static float from16(uint16_t h) { return emu_to_f(h); }

int main() {
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> U(-1, 1);
    const int D = HEAD_DIM;
#ifdef VALUE_DIM
    const int DV = VALUE_DIM; // V's and O's rows
#else
    const int DV = D;
#endif
    std::vector<uint16_t> Q((size_t)B * H * Q_LEN * D), K((size_t)B * H_KV * KV_LEN * D), V((size_t)B * H_KV * KV_LEN * DV);
    std::vector<uint16_t> O((size_t)B * H * Q_LEN * DV, 0x7fc0);
    std::vector<float> LSE((size_t)B * H * Q_LEN, NAN);
    std::vector<float> Opart((size_t)SPLITS * O.size(), NAN), Lpart((size_t)SPLITS * LSE.size(), NAN);
    for (auto& x : Q) x = to16(U(rng) * 2);
    for (auto& x : K) x = to16(U(rng) * 2);
    for (auto& x : V) x = to16(U(rng));
    for (int h = 0; h < H; h++) slopes.push_back(1.0f / (1 << (h % 4 + 1)));
    sinks = {0.5f, -1.0f, 2.0f, 0.0f, 1.0f, -3.0f, 0.25f, 4.0f};
    const float scale = 1.0f / std::sqrt((float)D);
    // K and V as the kernel reads them: dense [B,H_KV,KV_LEN,D], or pages [num_pages, PAGE, H_KV, D]
    // behind a table that deals each sequence's pages out of order
    long long kst[3] = {(long long)H_KV * KV_LEN * D, (long long)KV_LEN * D, D};
    long long vst[3] = {(long long)H_KV * KV_LEN * DV, (long long)KV_LEN * DV, DV};
    long long dense_kst[3], dense_vst[3]; // the dense layouts, where K and V are paged
    int max_pages = PAGE ? (KV_LEN + PAGE - 1) / PAGE : 0;
    long long stride_page = (long long)PAGE * H_KV * D, stride_page_v = (long long)PAGE * H_KV * DV;
    std::vector<int> table(PAGE ? B * max_pages : 1, 0);
    std::vector<uint16_t> Kin = K, Vin = V;
    if (PAGE) {
        std::copy(kst, kst + 3, dense_kst); std::copy(vst, vst + 3, dense_vst);
        kst[0] = 0; kst[1] = D; kst[2] = (long long)H_KV * D;
        vst[0] = 0; vst[1] = DV; vst[2] = (long long)H_KV * DV;
        const int pages = B * max_pages;
        int m = 7;
        while (std::gcd(m, pages) != 1) m += 2;
        for (int i = 0; i < pages; i++) table[i] = (i * m + 3) % pages; // a permutation: m is prime to pages
        Kin.assign((size_t)pages * PAGE * H_KV * D, 0x7fc0);
        Vin.assign((size_t)pages * PAGE * H_KV * DV, 0x7fc0);
        for (int b = 0; b < B; b++)
            for (int hk = 0; hk < H_KV; hk++)
                for (int kv = 0; kv < KV_LEN; kv++)
                    for (int d = 0; d < std::max(D, DV); d++) {
                        const size_t page_row = ((size_t)table[b * max_pages + kv / PAGE] * PAGE + kv % PAGE) * H_KV + hk;
                        if (d < D) Kin[page_row * D + d] = K[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d];
                        if (d < DV) Vin[page_row * DV + d] = V[((size_t)(b * H_KV + hk) * KV_LEN + kv) * DV + d];
                    }
    }
    const bool per_b = true;

    // brute-force block plan per (sequence, query tile of PLAN_M rows): key tiles of BLOCK_N below its length
    const int kt = (KV_LEN + BLOCK_N - 1) / BLOCK_N, q_tiles = (Q_LEN + PLAN_M - 1) / PLAN_M;
    EmuPlan plan;
    for (int b = 0; b < B; b++)
        for (int qt = 0; qt < q_tiles; qt++)
            plan.row(kt, [&](int j) {
                int kept = 0, total = 0;
                for (int q = qt * PLAN_M; q < std::min(Q_LEN, (qt + 1) * PLAN_M); q++)
                    for (int kv = j * BLOCK_N; kv < std::min(lens[b], (j + 1) * BLOCK_N); kv++) { total++; kept += mask_of(q, kv, lens[b]); }
                return emu_tile_kind(kept, total);
            });
    plan.finish();
    std::vector<int> &off = plan.off, &st = plan.st, &en = plan.en; // the names KERNEL_ARGS reads
    std::vector<unsigned char>& part = plan.part;

    // the program over K and V as they are now (dense or paged), into O and LSE
    int page = 0;
    auto launch = [&] {
        const unsigned units = B * H_KV * (H / H_KV / HP) * ((HP * Q_LEN + 15) / 16); // row tiles of 16
        gridDim.x = SPLITS; gridDim.z = GRID_Z; gridDim.y = (units + GRID_Z - 1) / GRID_Z;
        for (unsigned bz = 0; bz < gridDim.z; bz++)
            for (unsigned by = 0; by < gridDim.y; by++)
                for (unsigned bx = 0; bx < gridDim.x; bx++)
                    emu::run_block(NTHREADS, [&] { blockIdx.x = bx; blockIdx.y = by; blockIdx.z = bz; attnc_decode(KERNEL_ARGS); });
        if (SPLITS > 1) {
            const int rows = B * H * Q_LEN;
            gridDim.x = rows; gridDim.y = 1; gridDim.z = 1;
            for (unsigned bx = 0; bx < gridDim.x; bx++) emu::run_block(128, [&] { blockIdx.x = bx; blockIdx.y = 0; blockIdx.z = 0; attnc_decode_combine(COMBINE_ARGS); });
        }
    };
    int differ = 0;
    if (PAGE) {
        // dense first, then paged: the paged run must give the same bits
        std::swap(Kin, K); std::swap(Vin, V); std::swap(kst, dense_kst); std::swap(vst, dense_vst);
        launch();
        const std::vector<uint16_t> O_dense = O;
        const std::vector<float> LSE_dense = LSE;
        std::swap(Kin, K); std::swap(Vin, V); std::swap(kst, dense_kst); std::swap(vst, dense_vst);
        std::fill(O.begin(), O.end(), 0x7fc0); std::fill(LSE.begin(), LSE.end(), NAN);
        page = PAGE;
        launch();
        for (size_t i = 0; i < O.size(); i++) differ += O[i] != O_dense[i];
        for (size_t i = 0; i < LSE.size(); i++) differ += std::memcmp(&LSE[i], &LSE_dense[i], sizeof(float)) != 0;
        if (differ) fprintf(stderr, "paged: %d elements of O and LSE differ from the dense run's\n", differ);
    } else {
        launch();
    }

    double maxErr = 0, maxLse = 0;
    int bad = 0;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            int hk = h / (H / H_KV);
            for (int q = 0; q < Q_LEN; q++) {
                std::vector<double> s(KV_LEN, -INFINITY);
                double mx = -INFINITY;
                for (int kv = 0; kv < lens[b]; kv++) {
                    if (!mask_of(q, kv, lens[b])) continue;
                    double dot = 0;
                    for (int d = 0; d < D; d++)
                        dot += (double)from16(Q[((size_t)(b * H + h) * Q_LEN + q) * D + d]) * from16(K[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d]);
                    s[kv] = score_of(h, q, kv, dot * scale);
                    mx = std::max(mx, s[kv]);
                }
                const bool sigmoid = VARIANT == 8;
                const double sink = VARIANT == 7 ? sinks[h] : -INFINITY;
                mx = std::max(mx, sink);
                double sum = VARIANT == 7 ? std::exp(sink - mx) : 0;
                std::vector<double> o(DV, 0);
                if (mx != -INFINITY || sigmoid)
                    for (int kv = 0; kv < KV_LEN; kv++) {
                        if (s[kv] == -INFINITY) continue;
                        double p = sigmoid ? 1 / (1 + std::exp(-(s[kv] - std::log((double)lens[b])))) : std::exp(s[kv] - mx);
                        sum += p;
                        for (int d = 0; d < DV; d++) o[d] += p * from16(V[((size_t)(b * H_KV + hk) * KV_LEN + kv) * DV + d]);
                    }
                double lse = sigmoid ? std::log(sum) : mx == -INFINITY ? -INFINITY : mx + std::log(sum);
                size_t row = (size_t)(b * H + h) * Q_LEN + q;
                for (int d = 0; d < DV; d++) {
                    double ref = sigmoid ? o[d] : sum > 0 ? o[d] / sum : 0;
                    double got = from16(O[row * DV + d]);
                    double e = std::fabs(got - ref);
                    if (!(e <= 2e-2)) { if (bad++ < 5) fprintf(stderr, "O[%d,%d,%d,%d] = %g, want %g\n", b, h, q, d, got, ref); }
                    maxErr = std::max(maxErr, std::isnan(e) ? INFINITY : e);
                }
                double gl = LSE[row];
                double el = (std::isinf(lse) && std::isinf(gl) && (lse < 0) == (gl < 0)) ? 0 : std::fabs(gl - lse);
                if (!(el <= 1e-2)) { if (bad++ < 10) fprintf(stderr, "LSE[%d,%d,%d] = %g, want %g\n", b, h, q, gl, lse); }
                maxLse = std::max(maxLse, std::isnan(el) ? INFINITY : el);
            }
        }
    bad += differ;
    printf("decode variant %d D=%d DV=%d Q_LEN=%d heads packed %d splits %d page %d plan tile %d lens %zu: max |dO| %.3g, max |dLSE| %.3g, %d bad\n",
           VARIANT, D, DV, Q_LEN, HP, SPLITS, PAGE, PLAN_M, lens.size(), maxErr, maxLse, bad);
    return bad ? 1 : 0;
}
