// The Hopper warp-specialized kernel's own primitives on the CPU emulator (emu.h): mbarriers, TMA
// tensor copies, named barriers, register reallocation. EmulatedForward puts these in place of the
// kernel's "hopper primitives". Not emulated: timing, the async proxy's ordering (a TMA copy lands
// whole when it is issued, which the semantics allow: its bytes complete before any wait can see
// them) and setmaxnreg (no registers to move). Never part of the product.
#pragma once
#include "emu.h"
#include <map>

#define __grid_constant__
#define attn_smem_raw attn_smem // the kernel's dynamic shared memory

namespace emu {
// An mbarrier: the current phase's parity, the arrivals and transaction bytes it still waits for.
// The phase completes when both reach 0; then they restart from the init count and 0.
struct Mbar { int init = 0, arrivals = 0; long long tx = 0; unsigned phase = 0; };
static std::map<unsigned, Mbar> mbars;              // by shared-memory address
struct NamedBarrier { int count = 0, gen = 0; };
static NamedBarrier named_bars[16];

static void hopper_block_reset() {
    mbars.clear();
    for (auto& b : named_bars) b = NamedBarrier();
}
// The state lives here; the barrier's 8 bytes of shared memory hold a mark instead, so that a copy or
// store that overlaps a barrier (a layout mistake) is caught at the barrier's next use.
static const unsigned long long MBAR_MARK = 0x6d6261722d656d75ull;
static Mbar& mbar(unsigned bar) {
    auto it = mbars.find(bar);
    if (it == mbars.end()) { fprintf(stderr, "emu: mbarrier %u used before mbar_init\n", bar); emu_die(); }
    unsigned long long mark;
    memcpy(&mark, attn_smem + bar, 8);
    if (mark != MBAR_MARK) { fprintf(stderr, "emu: mbarrier %u was overwritten in shared memory\n", bar); emu_die(); }
    return it->second;
}
static void mbar_complete_if_done(Mbar& m) {
    if (m.arrivals == 0 && m.tx == 0) {
        m.phase ^= 1u;
        m.arrivals = m.init;
    }
}
static void mbar_arrive(unsigned bar) {
    Mbar& m = mbar(bar);
    if (--m.arrivals < 0) { fprintf(stderr, "emu: more arrivals than expected on mbarrier %u\n", bar); emu_die(); }
    mbar_complete_if_done(m);
}
static void mbar_complete_tx(unsigned bar, long long bytes) {
    Mbar& m = mbar(bar);
    m.tx -= bytes; // may go below 0 until the expect_tx of this phase arrives, as on the GPU
    mbar_complete_if_done(m);
}
} // namespace emu

static inline void mbar_init(unsigned bar, unsigned count) {
    if (bar % 8 != 0 || bar + 8 > sizeof attn_smem) { fprintf(stderr, "emu: bad mbarrier address %u\n", bar); emu_die(); }
    memcpy(attn_smem + bar, &emu::MBAR_MARK, 8);
    emu::Mbar m;
    m.init = m.arrivals = (int)count;
    emu::mbars[bar] = m;
}
static inline void mbar_fence_init() {}
static inline void mbar_expect_tx(unsigned bar, unsigned bytes) {
    emu::mbar(bar).tx += bytes;
    emu::mbar_arrive(bar);
}
static inline void mbar_arrive_if(unsigned bar, bool when) {
    if (when) emu::mbar_arrive(bar);
}
// try_wait.parity: returns once the phase of this parity has completed, that is once the current
// phase's parity differs from it (a fresh barrier is in phase 0, so parity 1 counts as completed)
static inline void mbar_wait(unsigned bar, unsigned parity) {
    emu::Mbar& m = emu::mbar(bar);
    emu::wait_until([&] { return (m.phase & 1u) != (parity & 1u); }, "mbarrier %lld, parity %lld", bar, parity);
}

// What the harness puts in a tensor map (opaque on the GPU): a 4-d tensor of 16-bit elements,
// dims (elements, rows, heads, B), strides in bytes of dims 1 to 3 (any layout of the rows: [B,H,S,D],
// [B,S,H,D], a slice of a packed QKV), boxes of 64 x box_rows.
enum EmuTmap { TM_BASE, TM_DIM0, TM_DIM1, TM_DIM2, TM_DIM3, TM_STRIDE1, TM_STRIDE2, TM_STRIDE3, TM_BOX_ROWS };
static inline void emu_tmap_fill(unsigned long long* bits, const void* base, long long d0, long long d1, long long d2, long long d3,
                                 long long stride1, long long stride2, long long stride3, int box_rows) {
    // cuTensorMapEncodeTiled's rule: strides are multiples of 16 bytes
    if (stride1 % 16 || stride2 % 16 || stride3 % 16) { fprintf(stderr, "emu: tensor map strides not multiples of 16 bytes\n"); emu_die(); }
    bits[TM_BASE] = (unsigned long long)base;
    bits[TM_DIM0] = d0; bits[TM_DIM1] = d1; bits[TM_DIM2] = d2; bits[TM_DIM3] = d3;
    bits[TM_STRIDE1] = stride1; bits[TM_STRIDE2] = stride2; bits[TM_STRIDE3] = stride3;
    bits[TM_BOX_ROWS] = box_rows;
}
// cp.async.bulk.tensor.4d with complete_tx: the box at (c0, c1, c2, c3), 128-byte swizzled (the 16-byte
// chunk c of row r lands at chunk c ^ (r mod 8)), elements out of bounds as zeros; done at issue.
template <class Map> static inline void tma_load(unsigned dst, const Map& map, unsigned bar, int c0, int c1, int c2, int c3) {
    const unsigned long long* t = map.bits;
    const int rows = (int)t[TM_BOX_ROWS];
    // the swizzle below is taken from the box's start: the same as the GPU's (from address bits 7-9)
    // only when the destination is 1024-byte aligned, as the kernel's boxes are
    if (dst % 1024 != 0 || dst + rows * 128 > sizeof attn_smem) { fprintf(stderr, "emu: bad TMA destination %u\n", dst); emu_die(); }
    const unsigned char* base = (const unsigned char*)t[TM_BASE];
    const bool plane = c2 >= 0 && c2 < (long long)t[TM_DIM2] && c3 >= 0 && c3 < (long long)t[TM_DIM3];
    for (int r = 0; r < rows; r++)
        for (int e = 0; e < 64; e++) {
            long long x = c0 + e, y = c1 + r;
            uint16_t v = 0;
            if (plane && x >= 0 && x < (long long)t[TM_DIM0] && y >= 0 && y < (long long)t[TM_DIM1])
                memcpy(&v, base + c3 * t[TM_STRIDE3] + c2 * t[TM_STRIDE2] + y * t[TM_STRIDE1] + 2 * x, 2);
            const int chunk = (e / 8) ^ (r % 8);
            memcpy(attn_smem + dst + r * 128 + chunk * 16 + 2 * (e % 8), &v, 2);
        }
    emu::mbar_complete_tx(bar, rows * 128LL);
}

// cp.async.bulk (global to shared) with complete_tx: `bytes` from src, done at issue; the GPU's alignment rules checked
static inline void bulk_load(unsigned dst, const void* src, unsigned bytes, unsigned bar) {
    if (dst % 16 || (unsigned long long)src % 16 || bytes % 16 || dst + bytes > sizeof attn_smem) {
        fprintf(stderr, "emu: bad bulk copy of %u bytes to %u\n", bytes, dst);
        emu_die();
    }
    memcpy(attn_smem + dst, src, bytes);
    emu::mbar_complete_tx(bar, bytes);
}

template <int N> static inline void setmaxnreg_inc() {}
template <int N> static inline void setmaxnreg_dec() {}

// bar.sync / bar.arrive: THREADS arrivals complete the barrier; bar.sync also waits for that
template <int THREADS> static inline int emu_named_arrive(int id) {
    emu::NamedBarrier& b = emu::named_bars[id];
    const int gen = b.gen;
    if (++b.count == THREADS) { b.count = 0; b.gen++; }
    return gen;
}
template <int THREADS> static inline void named_bar_arrive(int id) { emu_named_arrive<THREADS>(id); }
template <int THREADS> static inline void named_bar_sync(int id) {
    const int gen = emu_named_arrive<THREADS>(id);
    emu::wait_until([&] { return emu::named_bars[id].gen != gen; }, "named barrier %lld (generation %lld)", id, gen);
}

static inline int __shfl_sync(unsigned, int v, int src) {
    emu::slot(emu::lane()).u[6] = (uint32_t)v;
    emu::warp_sync();
    int r = (int)emu::slot(src & 31).u[6];
    emu::warp_sync();
    return r;
}
// fibers switch only at collectives and waits, so plain read-modify-writes are atomic here
static inline int atomicAdd(int* p, int v) { int o = *p; *p = o + v; return o; }
static inline int atomicExch(int* p, int v) { int o = *p; *p = v; return o; }
