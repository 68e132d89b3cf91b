#!/usr/bin/env python3
"""How evenly the warp-specialized dK/dV kernel's last wave ends: a list-scheduling model (no GPU).

The persistent kernel's blocks (one per SM) take units (128 keys of one (b, KV head)) from a counter in the order
ws_unit decodes, each the next free block. A unit costs its items (64-row query tiles it sees) plus a fixed overhead
per unit (its K / V load and dK / dV stores, in items). The model reports the SMs' occupancy to the last unit's end
for three orders: "last" (key block last to first within a head: main's ws_unit), "first" (first to last) and "lpt"
(every unit by length, the most first, across heads: the list-scheduling bound, which ignores what it costs L2).
It knows nothing of L2, of the fixed kernels (Δ, the conversion) or of item costs that differ: a model of the tail,
not a benchmark.  Usage: bench/gpu/model/unit_schedule.py [SMS [OVERHEAD_ITEMS]]
"""
import heapq
import sys

SHAPES = [("B=2 H=16 S=8192 D=128", 2 * 16, 8192), ("B=8 H=16 S=2048 D=64", 8 * 16, 2048)]  # heads: B·H_KV
KEYS, ROWS = 128, 64  # a unit's keys, an item's query rows (CudaBackwardCodegen.HOPPER_TILES)


def items(variant, S, kt):
    lo = kt * KEYS
    if variant == "full":
        return S // ROWS
    hi = S if variant == "causal" else min(S, lo + KEYS + S // 8)  # sliding window S / 8 (bench/gpu/flex_variants.py)
    return -(-hi // ROWS) - lo // ROWS


def units(variant, heads, S, order):
    per_head = [items(variant, S, kt) for kt in range(S // KEYS)]
    seq = [n for _ in range(heads) for n in (per_head[::-1] if order == "last" else per_head)]
    return sorted(seq, reverse=True) if order == "lpt" else seq


def occupancy(seq, sms, overhead):
    free = [0.0] * sms
    for n in seq:
        heapq.heappush(free, heapq.heappop(free) + n + overhead)
    return sum(n + overhead for n in seq) / (sms * max(free))


if __name__ == "__main__":
    sms = int(sys.argv[1]) if len(sys.argv) > 1 else 132
    overhead = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    print(f"occupancy to the last unit's end, {sms} SMs, {overhead} items of overhead a unit")
    for name, heads, S in SHAPES:
        for v in ("causal", "sliding_window", "full"):
            row = "  ".join(f"{o}: {occupancy(units(v, heads, S, o), sms, overhead):.3f}" for o in ("last", "first", "lpt"))
            print(f"{name:24s} {v:15s} {row}")
