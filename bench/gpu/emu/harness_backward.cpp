// Runs one generated backward program (KERNEL_FILE, primitives swapped for emu.h's) on the CPU
// emulator: Δ, dK/dV over the transposed plan, dQ over the forward plan (or, with DQ_ATOMIC, the
// conversion of the dQaccum that dK/dV added into), the parameters' reduce,
// over random ragged GQA inputs with a random dLSE, and compares dQ, dK, dV and the parameters'
// gradients with a double-precision reference backward of the same variant (VARIANT below).
// A program generated with a value dimension DV other than D (VALUE_DIM) gets V, O, dO and dV of DV columns.
// -DEMU_Q_LEN=N: another query length than 77 (VARIANT 10's table needs Q_LEN <= KV_LEN = 131).
// Prints the errors relative to each gradient's norm; exit 1 on a mismatch.
// -DWS: the warp-specialized dK/dV kernel (Hopper): TMA maps of Q, K, V and dO, key blocks of 128 in
// the transposed plan, WS_THREADS threads a block.
#ifdef WS
#include "emu_hopper.h"
#else
#include "emu.h"
#endif
#include KERNEL_FILE
#include ARGS_FILE
#include <random>
#include <string>
#define STR2(x) #x
#define STR(x) STR2(x)

#ifndef EMU_Q_LEN
#define EMU_Q_LEN 77
#endif
static const int B = 2, H = 4, H_KV = 2, Q_LEN = EMU_Q_LEN, KV_LEN = 131, T = 64;
#ifdef WS
static const int TK = 128; // the transposed plan's key tiles: the warp-specialized kernel's key blocks
#else
static const int TK = 64;
#endif
static float cap = 30.0f;
// bias: VARIANT 10's [H, 2 KV_LEN - 1] table, VARIANT 11's [H, 32] (T5's buckets: no reference here; the
// program's table gradient is printed, for a comparison of its two ways of summing it)
// slopes: VARIANT 2's (ALiBi), 12's (s + slopes[h] q kv 1e-4: a two-pass body whose term reads a per-query value)
// and 13's (s + slopes[h] (2 (kv - q) + h) 0.01, no mask: FULL tiles converting an affine int once a tile)
static std::vector<float> slopes, sinks, bias;
// VARIANT 14: four tables t1..t4 [H, 2 KV_LEN] read at kv - q + KV_LEN, s + t1 + t2 / 2 + t3 - t4, kv <= q + 40:
// at D = 128 three gradients summed per item in shared-memory buffers and the fourth by each chain's atomic
static std::vector<float> t1, t2, t3, t4;
static const double table_weight[4] = {1.0, 0.5, 1.0, -1.0};
static double tables_at(int h, int q, int kv) {
    const size_t i = (size_t)h * 2 * KV_LEN + kv - q + KV_LEN;
    return t1[i] * table_weight[0] + t2[i] * table_weight[1] + t3[i] * table_weight[2] + t4[i] * table_weight[3];
}
// VARIANT 15: s + ((q - 40) mod chunk) 0.05 under q >= kv && (q - 40) / chunk == (kv - 40) / chunk (floor division and
// modulo by a run-time int, negative dividends included: fast math's reciprocals)
static int chunk = 24;
static int floor_div(int a, int b) { return (int)std::floor((double)a / b); }
static float* partials_p; static float* sums_p; static int rows_n, elements_n;
static const int atomic_params = ATOMIC;

static bool mask_of(int q, int kv) {
    switch (VARIANT) {
        case 1: case 2: case 8: case 12: return q >= kv;
        case 7: return q >= kv && q - kv < 128;
        case 9: return q >= kv && q - kv < 40 && kv >= 3; // a sliding window that leaves row 0..2 empty
        case 14: return kv <= q + 40;
        case 15: return q >= kv && floor_div(q - 40, chunk) == floor_div(kv - 40, chunk);
        default: return true;
    }
}
static double score_of(int h, int q, int kv, double s) {
    switch (VARIANT) {
        case 2: return s + slopes[h] * (double)(kv - q);
        case 4: return cap * std::tanh(s / cap);
        case 10: return s + bias[(size_t)h * (2 * KV_LEN - 1) + kv - q + KV_LEN - 1];
        case 12: return s + slopes[h] * (double)q * (double)kv * 1e-4;
        case 13: return s + slopes[h] * (double)(2 * (kv - q) + h) * 0.01;
        case 14: return s + tables_at(h, q, kv);
        case 15: return s + (double)(q - 40 - chunk * floor_div(q - 40, chunk)) * 0.05;
        default: return s;
    }
}
static uint16_t to16(float f) { return emu_from_f(f); }
static float from16(uint16_t h) { return emu_to_f(h); }

// a brute-force block plan over tiles of T queries by tk keys: rows = `rows` tiles of the first axis, runs of the second
static void plan(bool transposed, int tk, std::vector<int>& off, std::vector<int>& st, std::vector<int>& en, std::vector<unsigned char>& part) {
    const int nq = (Q_LEN + T - 1) / T, nk = (KV_LEN + tk - 1) / tk;
    const int rows = transposed ? nk : nq, cols = transposed ? nq : nk;
    EmuPlan p;
    for (int i = 0; i < rows; i++)
        p.row(cols, [&](int j) {
            const int qi = transposed ? j : i, ki = transposed ? i : j;
            int kept = 0, total = 0;
            for (int q = qi * T; q < std::min(Q_LEN, (qi + 1) * T); q++)
                for (int kv = ki * tk; kv < std::min(KV_LEN, (ki + 1) * tk); kv++) { total++; kept += mask_of(q, kv); }
            return emu_tile_kind(kept, total);
        });
    p.finish();
    off = p.off; st = p.st; en = p.en; part = p.part;
}

struct Check {
    const char* name; double err = 0, ref = 0, maxe = 0; int nan = 0;
    void add(double got, double want) {
        if (std::isnan(got)) nan++;
        double e = got - want; err += e * e; ref += want * want; maxe = std::max(maxe, std::fabs(e));
    }
    bool ok(double tol) {
        double rel = std::sqrt(err / std::max(ref, 1e-30));
        printf("  %-7s rel %.3g  max %.3g  %s\n", name, rel, maxe, nan ? "NaN!" : "");
        return !nan && (rel <= tol || ref < 1e-20 && maxe < 1e-6);
    }
};

int main() {
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> U(-1, 1);
    const int D = HEAD_DIM;
#ifdef VALUE_DIM
    const int DV = VALUE_DIM; // V's, O's, dO's and dV's rows
#else
    const int DV = D;
#endif
    const size_t nq = (size_t)B * H * Q_LEN, nk = (size_t)B * H_KV * KV_LEN;
    std::vector<uint16_t> Q(nq * D), K(nk * D), V(nk * DV), O(nq * DV), dO(nq * DV), dQ(nq * D, 0x7fc0), dK(nk * D, 0x7fc0), dV(nk * DV, 0x7fc0);
    std::vector<float> LSE(nq), dLSE(nq), Delta(nq, NAN);
    for (auto& x : Q) x = to16(U(rng) * 2);
    for (auto& x : K) x = to16(U(rng) * 2);
    for (auto& x : V) x = to16(U(rng));
    for (auto& x : dO) x = to16(U(rng));
    for (auto& x : dLSE) x = U(rng) * 0.5f;
    for (int h = 0; h < H; h++) slopes.push_back(1.0f / (1 << (h + 1)));
    sinks = {0.5f, -1.0f, 2.0f, 0.0f};
    for (int i = 0; i < H * (VARIANT == 11 ? 32 : 2 * KV_LEN - 1); i++) bias.push_back(U(rng));
    for (auto* t : {&t1, &t2, &t3, &t4}) for (int i = 0; i < H * 2 * KV_LEN; i++) t->push_back(U(rng));
    const float scale = 1.0f / std::sqrt((float)D);
    const bool sigmoid = VARIANT == 8, sinky = VARIANT == 7;
    auto q_at = [&](int b, int h, int q, int d) { return (double)from16(Q[((size_t)(b * H + h) * Q_LEN + q) * D + d]); };
    auto k_at = [&](int b, int hk, int kv, int d) { return (double)from16(K[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d]); };
    auto v_at = [&](int b, int hk, int kv, int d) { return (double)from16(V[((size_t)(b * H_KV + hk) * KV_LEN + kv) * DV + d]); };

    // the forward in double: O (rounded to 16 bits, as the kernel reads it) and the LSE
    std::vector<double> S((size_t)B * H * Q_LEN * KV_LEN, -INFINITY), S0(S.size(), 0), lse_ref(nq);
    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) {
        const int hk = h / (H / H_KV);
        for (int q = 0; q < Q_LEN; q++) {
            const size_t row = (size_t)(b * H + h) * Q_LEN + q;
            double mx = sinky ? sinks[h] : -INFINITY;
            for (int kv = 0; kv < KV_LEN; kv++) {
                double dot = 0;
                for (int d = 0; d < D; d++) dot += q_at(b, h, q, d) * k_at(b, hk, kv, d);
                S0[row * KV_LEN + kv] = dot * scale;
                if (!mask_of(q, kv)) continue;
                double s = score_of(h, q, kv, dot * scale);
                S[row * KV_LEN + kv] = s;
                mx = std::max(mx, s);
            }
            double sum = sinky ? std::exp(sinks[h] - mx) : 0;
            std::vector<double> o(DV, 0);
            for (int kv = 0; kv < KV_LEN; kv++) {
                double s = S[row * KV_LEN + kv];
                if (s == -INFINITY) continue;
                double p = sigmoid ? 1 / (1 + std::exp(-(s - std::log((double)KV_LEN)))) : std::exp(s - mx);
                sum += p;
                for (int d = 0; d < DV; d++) o[d] += p * v_at(b, hk, kv, d);
            }
            double lse = sigmoid ? std::log(sum) : mx == -INFINITY ? -INFINITY : mx + std::log(sum);
            lse_ref[row] = lse;
            LSE[row] = (float)lse;
            for (int d = 0; d < DV; d++) O[row * DV + d] = to16(sigmoid ? o[d] : sum > 0 ? o[d] / sum : 0);
        }
    }
    // the reference backward
    std::vector<double> rdQ(nq * D, 0), rdK(nk * D, 0), rdV(nk * DV, 0), rslopes(H, 0), rsinks(H, 0), rbias(bias.size(), 0);
    std::vector<std::vector<double>> rtables(4, std::vector<double>(t1.size(), 0));
    double rcap = 0;
    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) {
        const int hk = h / (H / H_KV);
        for (int q = 0; q < Q_LEN; q++) {
            const size_t row = (size_t)(b * H + h) * Q_LEN + q;
            double delta = 0;
            if (sigmoid) delta = -dLSE[row] * std::exp(-lse_ref[row]);
            else {
                for (int d = 0; d < DV; d++) delta += (double)from16(dO[row * DV + d]) * from16(O[row * DV + d]);
                delta -= dLSE[row];
            }
            if (sinky && lse_ref[row] != -INFINITY) rsinks[h] += -std::exp(sinks[h] - lse_ref[row]) * delta;
            for (int kv = 0; kv < KV_LEN; kv++) {
                double s = S[row * KV_LEN + kv];
                if (s == -INFINITY) continue;
                double p, w;
                if (sigmoid) { p = 1 / (1 + std::exp(-(s - std::log((double)KV_LEN)))); w = p * (1 - p); }
                else { p = std::exp(s - lse_ref[row]); w = p; }
                double dp = 0;
                for (int d = 0; d < DV; d++) dp += (double)from16(dO[row * DV + d]) * v_at(b, hk, kv, d);
                double ds = w * (dp - delta);
                double s0 = S0[row * KV_LEN + kv], g = ds;
                if (VARIANT == 4) { double t = std::tanh(s0 / cap); g = ds * (1 - t * t); rcap += ds * (t - s0 / cap * (1 - t * t)); }
                if (VARIANT == 2) rslopes[h] += ds * (kv - q);
                if (VARIANT == 12) rslopes[h] += ds * (double)q * (double)kv * 1e-4;
                if (VARIANT == 13) rslopes[h] += ds * (double)(2 * (kv - q) + h) * 0.01;
                if (VARIANT == 10) rbias[(size_t)h * (2 * KV_LEN - 1) + kv - q + KV_LEN - 1] += ds;
                if (VARIANT == 14) for (int t = 0; t < 4; t++) rtables[t][(size_t)h * 2 * KV_LEN + kv - q + KV_LEN] += ds * table_weight[t];
                for (int d = 0; d < D; d++) {
                    rdQ[row * D + d] += g * scale * k_at(b, hk, kv, d);
                    rdK[((size_t)(b * H_KV + hk) * KV_LEN + kv) * D + d] += g * scale * q_at(b, h, q, d);
                }
                for (int d = 0; d < DV; d++) rdV[((size_t)(b * H_KV + hk) * KV_LEN + kv) * DV + d] += p * from16(dO[row * DV + d]);
            }
        }
    }

    std::vector<int> off, st, en, toff, tst, ten;
    std::vector<unsigned char> part, tpart;
    plan(false, T, off, st, en, part);
    plan(true, TK, toff, tst, ten, tpart);
    const int qtn = (Q_LEN + T - 1) / T, ktn = (KV_LEN + TK - 1) / TK;
    const bool per_b = false;
    rows_n = DQ_ATOMIC ? std::max(B * H * Q_LEN, B * H_KV * KV_LEN) * 4 : B * H * Q_LEN * 4;
#if DQ_ATOMIC
    // per (b, h, query tile), in fragment order; NaN where the Δ kernel zeroes it (a block it missed shows)
    std::vector<float> dQaccum((size_t)B * H * qtn * DQ_BLOCK, DELTA_ZEROES_DQACCUM ? NAN : 0.0f);
#else
    std::vector<float> dQaccum(1, 0.0f);
#endif
    std::vector<float> pslopes(atomic_params ? H : (size_t)rows_n * H, 0), psinks(pslopes.size(), 0), pcap(atomic_params ? 1 : rows_n, 0);
    std::vector<float> pbias(atomic_params ? bias.size() : (size_t)rows_n * bias.size(), 0);
    // the parameters' gradient buffers, as GenBackward names them: grad_<name>_p
    float* grad_slopes_p = pslopes.data(); float* grad_sinks_p = psinks.data(); float* grad_cap_p = pcap.data(); float* grad_bias_p = pbias.data();
    (void)grad_slopes_p; (void)grad_sinks_p; (void)grad_cap_p; (void)grad_bias_p;
    std::vector<std::vector<float>> ptables(4, std::vector<float>(atomic_params ? t1.size() : (size_t)rows_n * t1.size(), 0));
    float* grad_t1_p = ptables[0].data(); float* grad_t2_p = ptables[1].data(); float* grad_t3_p = ptables[2].data(); float* grad_t4_p = ptables[3].data();
    (void)grad_t1_p; (void)grad_t2_p; (void)grad_t3_p; (void)grad_t4_p;

    // the warp-specialized kernel's scheduler, its count of units taken and by (b, KV head) of units done: Δ zeroes it
    std::vector<int> dkdv_units(1 + (size_t)B * H, 12345);
    (void)dkdv_units;
    // the warp-specialized kernel's LSE and Δ by query tile, which Δ writes: NaN before (a row it missed shows)
    std::vector<float> tile_stats((size_t)B * H * ((Q_LEN + TILE - 1) / TILE) * 2 * TILE, NAN);
    gridDim.x = (unsigned)((Q_LEN + DELTA_ROWS - 1) / DELTA_ROWS); gridDim.y = B * H; // a block a query tile of a (b, h)
    for (unsigned by = 0; by < gridDim.y; by++)
        for (unsigned bx = 0; bx < gridDim.x; bx++) emu::run_block(256, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_delta(DELTA_ARGS); });
    gridDim.x = ktn; gridDim.y = B * H_KV;
#ifdef WS
    // dense [B, heads, length, cols] tensors as the runtime's HopperMaps.backward describes them
    attn_tmap tmQ, tmK, tmV, tmdO;
    emu_tmap_fill(tmQ.bits, Q.data(), D, Q_LEN, H, B, 2LL * D, 2LL * D * Q_LEN, 2LL * D * Q_LEN * H, T);
    emu_tmap_fill(tmK.bits, K.data(), D, KV_LEN, H_KV, B, 2LL * D, 2LL * D * KV_LEN, 2LL * D * KV_LEN * H_KV, TK);
    emu_tmap_fill(tmV.bits, V.data(), DV, KV_LEN, H_KV, B, 2LL * DV, 2LL * DV * KV_LEN, 2LL * DV * KV_LEN * H_KV, TK);
    emu_tmap_fill(tmdO.bits, dO.data(), DV, Q_LEN, H, B, 2LL * DV, 2LL * DV * Q_LEN, 2LL * DV * Q_LEN * H, T);
    // a persistent grid of three blocks over the units (b, KV head, key block): the first block, run first, takes
    // its own unit and then, from the counter, every unit the others' first ones leave
    gridDim.x = std::min(3u, (unsigned)(ktn * B * H_KV)); gridDim.y = 1;
    for (unsigned by = 0; by < gridDim.y; by++) for (unsigned bx = 0; bx < gridDim.x; bx++) {
        emu::hopper_block_reset();
#if ATOMIC && HAS_DKDV_ATOMIC_PARAMS
        // the instance the runtime launches where the parameters' sums are atomic (atomic_params fixed)
        emu::run_block(WS_THREADS, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_dkdv_atomic_params(DKDV_ARGS); });
#else
        emu::run_block(WS_THREADS, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_dkdv(DKDV_ARGS); });
#endif
    }
#else
    for (unsigned by = 0; by < gridDim.y; by++) for (unsigned bx = 0; bx < gridDim.x; bx++)
        emu::run_block(NTHREADS, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_dkdv(DKDV_ARGS); });
#endif
    gridDim.x = qtn; gridDim.y = B * H;
    for (unsigned by = 0; by < gridDim.y; by++) for (unsigned bx = 0; bx < gridDim.x; bx++)
#if DQ_ATOMIC
        emu::run_block(NTHREADS, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_dq_convert(DQ_ARGS); });
#else
        emu::run_block(NTHREADS, [&] { blockIdx.x = bx; blockIdx.y = by; attnc_bwd_dq(DQ_ARGS); });
#endif
    auto reduce = [&](std::vector<float>& partials, int elements) -> std::vector<float> {
        if (atomic_params) return partials;
        std::vector<float> sums(elements, NAN);
        partials_p = partials.data(); sums_p = sums.data(); elements_n = elements;
        gridDim.x = elements; gridDim.y = 1; blockDim.x = 256;
        for (int e = 0; e < elements; e++) emu::run_block(256, [&] { blockIdx.x = e; blockIdx.y = 0; attnc_bwd_reduce(REDUCE_ARGS); });
        return sums;
    };

    printf("%s D=%d DV=%d %s, dQ %s\n", STR(VARIANT_NAME), D, DV, atomic_params ? "atomic" : "deterministic", DQ_ATOMIC ? "atomic" : "deterministic");
    if (VARIANT == 11) {
        auto g = reduce(pbias, (int)bias.size());
        printf("dbias:");
        for (float x : g) printf(" %.9g", x);
        printf("\n");
        return 0;
    }
    bool ok = true;
    Check cq{"dQ"}, ck{"dK"}, cv{"dV"};
    for (size_t i = 0; i < nq * D; i++) cq.add(from16(dQ[i]), rdQ[i]);
    for (size_t i = 0; i < nk * D; i++) ck.add(from16(dK[i]), rdK[i]);
    for (size_t i = 0; i < nk * DV; i++) cv.add(from16(dV[i]), rdV[i]);
    ok &= cq.ok(2e-2); ok &= ck.ok(2e-2); ok &= cv.ok(2e-2);
    if (VARIANT == 2 || VARIANT == 12 || VARIANT == 13) { auto g = reduce(pslopes, H); Check c{"dslopes"}; for (int h = 0; h < H; h++) c.add(g[h], rslopes[h]); ok &= c.ok(2e-2); }
    if (VARIANT == 7) { auto g = reduce(psinks, H); Check c{"dsinks"}; for (int h = 0; h < H; h++) c.add(g[h], rsinks[h]); ok &= c.ok(2e-2); }
    if (VARIANT == 4) { auto g = reduce(pcap, 1); Check c{"dcap"}; c.add(g[0], rcap); ok &= c.ok(2e-2); }
    if (VARIANT == 10) {
        auto g = reduce(pbias, (int)bias.size());
        Check c{"dbias"};
        for (size_t i = 0; i < bias.size(); i++) c.add(g[i], rbias[i]);
        ok &= c.ok(2e-2);
    }
    if (VARIANT == 14) {
        for (int t = 0; t < 4; t++) {
            auto g = reduce(ptables[t], (int)t1.size());
            Check c{t == 0 ? "dt1" : t == 1 ? "dt2" : t == 2 ? "dt3" : "dt4"};
            for (size_t i = 0; i < t1.size(); i++) c.add(g[i], rtables[t][i]);
            ok &= c.ok(2e-2);
        }
    }
    return ok ? 0 : 1;
}
