// A CPU emulator of the few CUDA features attnc's generated kernels use, to check their indexing
// (fragments, swizzle, plan walking, softmax) on a machine without a GPU. Each CUDA thread is a
// fiber (ucontext); warp collectives (ldmatrix, mma.sync, shfl) and __syncthreads are barriers
// among fibers. cp.async copies land when the issuing thread waits for their group, so a read
// of shared memory before the wait sees stale bytes (and the test fails), as it could on a GPU.
// Blocks run one after another. Used by bench/gpu/emu/run.sh; never part of the product.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

struct emu_dim3 { unsigned x = 1, y = 1, z = 1; };
static thread_local emu_dim3 threadIdx, blockIdx, gridDim, blockDim;

alignas(1024) unsigned char attn_smem[232448];

// Ends the run on an emulator error. _exit, not exit: a fiber is running on a stack that the static
// destructors of exit would free.
[[noreturn]] static void emu_die() {
    fflush(stdout);
    fflush(stderr);
    _exit(3);
}

namespace emu {
struct Copy { unsigned char* dst; const unsigned char* src; int bytes; };
struct Fiber {
    ucontext_t ctx;
    std::vector<char> stack;
    bool done = false;
    unsigned tid = 0;
    std::deque<std::vector<Copy>> groups; // committed, oldest first
    std::vector<Copy> open;
    int spins = 0;            // yields in a row inside one wait_until without its condition holding
    const char* waits_on = ""; // what that wait is (with up to two numbers), for the deadlock message
    long long wait_args[2] = {0, 0};
};
static std::vector<Fiber> fibers;
static ucontext_t sched_ctx;
static int current = -1;
static std::function<void()> body;

static void yield() { swapcontext(&fibers[current].ctx, &sched_ctx); }

// Yields until ready() holds. A fiber only changes shared state outside these loops, so a round of
// the scheduler in which every live fiber re-checked its condition and yielded again is a deadlock:
// run_block then aborts with what each waits on instead of hanging.
// `what` is a printf format of the two numbers a and b.
template <class Ready> static void wait_until(Ready ready, const char* what, long long a = 0, long long b = 0) {
    Fiber& f = fibers[current];
    f.waits_on = what;
    f.wait_args[0] = a; f.wait_args[1] = b;
    while (!ready()) { f.spins++; yield(); }
    f.spins = 0;
}

struct Barrier {
    int count = 0, gen = 0;
    void wait(int n) {
        int g = gen;
        if (++count == n) { count = 0; gen++; }
        else wait_until([&] { return gen != g; }, "a warp or block barrier");
    }
};
static std::vector<Barrier> warp_bar;
static Barrier block_bar;
// per-warp deposit slots for collectives
struct Slot { uint32_t u[8]; float f[8]; };
static std::vector<Slot> slots;

static inline int lane() { return fibers[current].tid & 31; }
static inline int warp() { return fibers[current].tid >> 5; }
static inline Slot& slot(int l) { return slots[warp() * 32 + l]; }
static inline void warp_sync() { warp_bar[warp()].wait(32); }

static void trampoline() {
    threadIdx.x = fibers[current].tid;
    body();
    fibers[current].done = true;
    swapcontext(&fibers[current].ctx, &sched_ctx);
}

// Runs the block (blockIdx set by the caller) with n threads.
static void run_block(int n, std::function<void()> kernel) {
    body = kernel;
    fibers.assign(n, Fiber());
    warp_bar.assign((n + 31) / 32, Barrier());
    slots.assign(((n + 31) / 32) * 32, Slot());
    block_bar = Barrier();
    for (int i = 0; i < n; i++) {
        Fiber& f = fibers[i];
        f.tid = i;
        f.stack.resize(1 << 18);
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = f.stack.data();
        f.ctx.uc_stack.ss_size = f.stack.size();
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, trampoline, 0);
    }
    memset(attn_smem, 0xAB, sizeof attn_smem); // garbage, as on a GPU
    int alive = n;
    while (alive > 0) {
        alive = 0;
        int stuck = 0; // fibers that only re-checked a wait this round
        bool finished = false; // a fiber that ended this round may have freed a wait that was checked before it ran
        for (int i = 0; i < n; i++) {
            if (fibers[i].done) continue;
            current = i;
            threadIdx.x = i;
            swapcontext(&sched_ctx, &fibers[i].ctx);
            if (!fibers[i].done) alive++, stuck += fibers[i].spins >= 2;
            else finished = true;
        }
        if (alive > 0 && stuck == alive && !finished) {
            fprintf(stderr, "emu: deadlock in block (%u, %u), every live thread waits; the first of each warp:\n", blockIdx.x, blockIdx.y);
            for (int i = 0, last_warp = -1; i < n; i++) {
                const Fiber& f = fibers[i];
                if (f.done || (int)f.tid / 32 == last_warp) continue;
                last_warp = (int)f.tid / 32;
                fprintf(stderr, "  thread %u waits on ", f.tid);
                fprintf(stderr, f.waits_on, f.wait_args[0], f.wait_args[1]);
                fprintf(stderr, "\n");
            }
            emu_die();
        }
    }
    for (auto& f : fibers) {
        if (!f.groups.empty() || !f.open.empty()) { fprintf(stderr, "emu: thread %u exited with cp.async pending\n", f.tid); emu_die(); }
    }
}
} // namespace emu

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__
#define __align__(n)
#define __restrict__
struct alignas(16) float4 { float x, y, z, w; };
static inline float4 __ldcg(const float4* p) { return *p; }
struct alignas(16) uint4 { unsigned x, y, z, w; };
static inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(unsigned i) { float f; memcpy(&f, &i, 4); return f; }
static inline unsigned __float_as_uint(float f) { unsigned i; memcpy(&i, &f, 4); return i; }
static inline void __syncthreads() { emu::block_bar.wait((int)emu::fibers.size()); }
static inline void __syncwarp(unsigned = 0xffffffffu) { emu::warp_sync(); }
static inline float __shfl_xor_sync(unsigned, float v, int m) {
    emu::slot(emu::lane()).f[0] = v;
    emu::warp_sync();
    float r = emu::slot(emu::lane() ^ m).f[0];
    emu::warp_sync();
    return r;
}
// lane + d's value, or the lane's own past the warp's end
static inline float __shfl_down_sync(unsigned, float v, int d) {
    emu::slot(emu::lane()).f[0] = v;
    emu::warp_sync();
    float r = emu::lane() + d < 32 ? emu::slot(emu::lane() + d).f[0] : v;
    emu::warp_sync();
    return r;
}
static inline int __any_sync(unsigned, int pred) {
    emu::slot(emu::lane()).u[7] = pred != 0;
    emu::warp_sync();
    int any = 0;
    for (int l = 0; l < 32; l++) any |= emu::slot(l).u[7];
    emu::warp_sync();
    return any;
}
static inline int __all_sync(unsigned, int pred) {
    emu::slot(emu::lane()).u[7] = pred != 0;
    emu::warp_sync();
    int all = 1;
    for (int l = 0; l < 32; l++) all &= emu::slot(l).u[7];
    emu::warp_sync();
    return all;
}
static inline size_t __cvta_generic_to_shared(const void* p) {
    return (size_t)((const unsigned char*)p - attn_smem);
}

// ---- the kernel's primitives, emulated (run.sh puts these in place of the asm versions) ----
static inline unsigned smem_u32(const void* p) { return (unsigned)__cvta_generic_to_shared(p); }
static inline void cp_async16(unsigned dst, const void* src, int src_bytes) {
    if (dst % 16 != 0 || dst + 16 > sizeof attn_smem) { fprintf(stderr, "emu: bad cp.async dst %u\n", dst); emu_die(); }
    emu::fibers[emu::current].open.push_back({attn_smem + dst, (const unsigned char*)src, src_bytes});
}
static inline void cp_async_commit() {
    auto& f = emu::fibers[emu::current];
    f.groups.push_back(f.open);
    f.open.clear();
}
template <int N> static inline void cp_async_wait() {
    auto& f = emu::fibers[emu::current];
    while ((int)f.groups.size() > N) {
        for (auto& c : f.groups.front()) {
            memset(c.dst, 0, 16);
            if (c.bytes) memcpy(c.dst, c.src, c.bytes);
        }
        f.groups.pop_front();
    }
}
static inline uint16_t emu_ld16(unsigned addr) {
    uint16_t v; memcpy(&v, attn_smem + addr, 2); return v;
}
static inline void emu_ldmatrix(unsigned (&r)[4], unsigned addr, bool trans) {
    if (addr % 16 != 0) { fprintf(stderr, "emu: unaligned ldmatrix %u\n", addr); emu_die(); }
    int l = emu::lane();
    emu::slot(l).u[0] = addr;
    emu::warp_sync();
    int g = l / 4, t = l % 4;
    for (int m = 0; m < 4; m++) {
        uint16_t lo, hi;
        if (!trans) { // row g, columns 2t, 2t+1 of matrix m
            unsigned a = emu::slot(8 * m + g).u[0];
            lo = emu_ld16(a + 4 * t); hi = emu_ld16(a + 4 * t + 2);
        } else {       // rows 2t, 2t+1 at column g
            lo = emu_ld16(emu::slot(8 * m + 2 * t).u[0] + 2 * g);
            hi = emu_ld16(emu::slot(8 * m + 2 * t + 1).u[0] + 2 * g);
        }
        r[m] = (unsigned)lo | ((unsigned)hi << 16);
    }
    emu::warp_sync();
}
static inline void ldmatrix_x4(unsigned (&r)[4], unsigned addr) { emu_ldmatrix(r, addr, false); }
static inline void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) { emu_ldmatrix(r, addr, true); }

#ifdef EMU_F16
static inline float emu_to_f(uint16_t h) { _Float16 x; memcpy(&x, &h, 2); return (float)x; }
static inline uint16_t emu_from_f(float f) { _Float16 x = (_Float16)f; uint16_t h; memcpy(&h, &x, 2); return h; }
#else
static inline float emu_to_f(uint16_t h) { return __uint_as_float((unsigned)h << 16); }
static inline uint16_t emu_from_f(float f) {
    unsigned u = __float_as_uint(f);
    if (f != f) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}
#endif
static inline void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    int l = emu::lane();
    auto& s = emu::slot(l);
    for (int i = 0; i < 4; i++) s.u[i] = a[i];
    s.u[4] = b0; s.u[5] = b1;
    emu::warp_sync();
    float A[16][16], Bm[16][8];
    for (int L = 0; L < 32; L++) {
        int g = L / 4, t = L % 4;
        auto& o = emu::slot(L);
        auto lo = [](unsigned v) { return emu_to_f((uint16_t)(v & 0xffff)); };
        auto hi = [](unsigned v) { return emu_to_f((uint16_t)(v >> 16)); };
        A[g][2 * t] = lo(o.u[0]); A[g][2 * t + 1] = hi(o.u[0]);
        A[g + 8][2 * t] = lo(o.u[1]); A[g + 8][2 * t + 1] = hi(o.u[1]);
        A[g][2 * t + 8] = lo(o.u[2]); A[g][2 * t + 9] = hi(o.u[2]);
        A[g + 8][2 * t + 8] = lo(o.u[3]); A[g + 8][2 * t + 9] = hi(o.u[3]);
        Bm[2 * t][g] = lo(o.u[4]); Bm[2 * t + 1][g] = hi(o.u[4]);
        Bm[2 * t + 8][g] = lo(o.u[5]); Bm[2 * t + 9][g] = hi(o.u[5]);
    }
    int g = l / 4, t = l % 4;
    for (int e = 0; e < 4; e++) {
        int r = g + (e >= 2 ? 8 : 0), col = 2 * t + (e & 1);
        float acc = c[e];
        for (int k = 0; k < 16; k++) acc += A[r][k] * Bm[k][col];
        c[e] = acc;
    }
    emu::warp_sync();
}
static inline unsigned pack2(float lo, float hi) {
    return (unsigned)emu_from_f(lo) | ((unsigned)emu_from_f(hi) << 16);
}
static inline float ex2(float x) { return exp2f(x); }
// fast math's integer division through a float reciprocal (CHelpers' attn_floordiv_rcp)
static inline int __float2int_rd(float x) { return (int)floorf(x); }
static inline float __int2float_rn(int x) { return (float)x; }
static inline float __fdividef(float x, float y) { return std::isinf(y) ? 0.0f : x / y; }
#define __logf(x) logf(x) // glibc declares __logf but does not export it
static inline float attn_tanh_approx(float x) { return std::tanh(x); }

// ---- wgmma (Hopper), as attnc's kernels use it: one thread computes its own accumulator
// elements (warp w of the warpgroup: rows 16w + g, +8; columns 8i + 2t, +1). Shared-memory
// operands are read through the descriptor as bench/gpu/probe/wgmma_probe.cu checks on a GPU:
// 128-byte swizzle (address bits 4-6 ^= bits 7-9), K-major: row r, k at start + (r/8)*SBO +
// (r%8)*128 + 2k; MN-major (transposed B): k, n at start + (n/64)*LBO + (k/8)*SBO + (k%8)*128 + 2(n%64).
static inline unsigned emu_sw(unsigned a) { return a ^ (((a >> 7) & 7u) << 4); }
static inline float emu_desc_kmajor(unsigned long long d, int r, int k) {
    unsigned start = (unsigned)(d & 0x3FFF) << 4, sbo = (unsigned)((d >> 32) & 0x3FFF) << 4;
    return emu_to_f(emu_ld16(emu_sw(start + (r / 8) * sbo + (r % 8) * 128 + 2 * k)));
}
static inline float emu_desc_mnmajor(unsigned long long d, int k, int n) {
    unsigned start = (unsigned)(d & 0x3FFF) << 4, lbo = (unsigned)((d >> 16) & 0x3FFF) << 4, sbo = (unsigned)((d >> 32) & 0x3FFF) << 4;
    return emu_to_f(emu_ld16(emu_sw(start + (n / 64) * lbo + (k / 8) * sbo + (k % 8) * 128 + 2 * (n % 64))));
}
// TRANSPOSED: both operands MN-major (A stored [k][m], B [k][n]: the backward's dQ = dS K from dS^T and K)
template <int N, bool TRANSPOSED = false> static inline void emu_wgmma_ss(float* d, unsigned long long da, unsigned long long db, int scale_d) {
    int l = emu::lane(), w = emu::warp() % 4, g = l / 4, t = l % 4;
    for (int i = 0; i < N / 8; i++)
        for (int e = 0; e < 4; e++) {
            int r = 16 * w + g + (e >= 2 ? 8 : 0), c = 8 * i + 2 * t + (e & 1);
            float acc = scale_d ? d[4 * i + e] : 0.0f;
            for (int k = 0; k < 16; k++)
                acc += TRANSPOSED ? emu_desc_mnmajor(da, k, r) * emu_desc_mnmajor(db, k, c) : emu_desc_kmajor(da, r, k) * emu_desc_kmajor(db, c, k);
            d[4 * i + e] = acc;
        }
}
template <int N> static inline void emu_wgmma_rs_tb(float* d, const unsigned (&a)[4], unsigned long long db) {
    int l = emu::lane(), g = l / 4, t = l % 4;
    auto& s = emu::slot(l);
    for (int i = 0; i < 4; i++) s.u[i] = a[i];
    emu::warp_sync();
    float A[16][16];
    for (int L = 0; L < 32; L++) {
        int gg = L / 4, tt = L % 4;
        auto& o = emu::slot(L);
        auto lo = [](unsigned v) { return emu_to_f((uint16_t)(v & 0xffff)); };
        auto hi = [](unsigned v) { return emu_to_f((uint16_t)(v >> 16)); };
        A[gg][2 * tt] = lo(o.u[0]); A[gg][2 * tt + 1] = hi(o.u[0]);
        A[gg + 8][2 * tt] = lo(o.u[1]); A[gg + 8][2 * tt + 1] = hi(o.u[1]);
        A[gg][2 * tt + 8] = lo(o.u[2]); A[gg][2 * tt + 9] = hi(o.u[2]);
        A[gg + 8][2 * tt + 8] = lo(o.u[3]); A[gg + 8][2 * tt + 9] = hi(o.u[3]);
    }
    for (int i = 0; i < N / 8; i++)
        for (int e = 0; e < 4; e++) {
            int r = g + (e >= 2 ? 8 : 0), c = 8 * i + 2 * t + (e & 1);
            float acc = d[4 * i + e];
            for (int k = 0; k < 16; k++) acc += A[r][k] * emu_desc_mnmajor(db, k, c);
            d[4 * i + e] = acc;
        }
    emu::warp_sync();
}
// fibers switch only at collectives, so a plain add is atomic here
static inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }

// A brute-force block plan as the kernels read it (BlockPlan's CSR arrays): row() appends one plan row of
// key tiles 0..tiles-1, kind_of(j) 0 EMPTY, 1 FULL, 2 PARTIAL, consecutive tiles of one kind in one run;
// finish() leaves one empty run where no row kept anything (the kernels index run_start[0] regardless).
struct EmuPlan {
    std::vector<int> off{0}, st, en;
    std::vector<unsigned char> part;
    template <class KindOf> void row(int tiles, KindOf kind_of) {
        int prev = 0;
        for (int j = 0; j < tiles; j++) {
            const int kind = kind_of(j);
            if (kind != 0) {
                if (prev == kind && (int)st.size() > off.back() && en.back() == j) en.back() = j + 1;
                else { st.push_back(j); en.push_back(j + 1); part.push_back(kind == 2); }
            }
            prev = kind;
        }
        off.push_back((int)st.size());
    }
    void finish() { if (st.empty()) { st.push_back(0); en.push_back(0); part.push_back(0); } }
};
// the kind of a tile from its kept and total pairs
static inline int emu_tile_kind(int kept, int total) { return kept == 0 ? 0 : kept == total ? 1 : 2; }
