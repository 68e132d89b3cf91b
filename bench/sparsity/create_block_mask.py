#!/usr/bin/env python3
"""Times PyTorch FlexAttention's create_block_mask (_compile=True, on CUDA) on the masks that
bench/src/main/java/dev/attnc/bench/sparsity/PlanBench.java times attnc's planner on: a document
mask (sorted ids, the same layout as PlanBench.documentIds) and a 2-D neighborhood mask (grid
width 128, radius 6, as samples/neighborhood_2d.attn), at S = 8K, 32K, 128K and 1M with 128 x 128
tiles. create_block_mask evaluates mask_mod on every (q, kv) pair, so its work grows with S^2.

Prints one JSON object: the device, the torch version and, per (mask, S), the first call (which
includes compilation), the median of the calls after it, the peak GPU memory during a call and
the bytes of the BlockMask's tensors. A size that fails (e.g. out of memory) reports its error.

    python3 bench/sparsity/create_block_mask.py [--sizes 8K,32K,128K,1M] [--repeats 5]
"""
import argparse
import json
import statistics
import time
import warnings

import torch
from torch.nn.attention.flex_attention import create_block_mask

BLOCK = 128
MAX_DOCUMENT = 4096
GRID_WIDTH, RADIUS = 128, 6
MASK64 = (1 << 64) - 1
# torch 2.11 marks _compile deprecated in favour of torch.compile(create_block_mask); it still compiles, and
# _compile=True is what this comparison measures, so keep its warning out of the output
warnings.filterwarnings("ignore", message="_compile flag on create_block_mask")


def document_ids(s):
    """PlanBench.documentIds: lengths uniform in [1, MAX_DOCUMENT] from a 64-bit LCG seeded with 42."""
    ids = torch.empty(s, dtype=torch.int32)
    x, start, doc = 42, 0, 0
    while start < s:
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK64
        length = 1 + (x >> 33) % MAX_DOCUMENT
        ids[start:start + length] = doc
        start, doc = start + length, doc + 1
    return ids


def document_mask(s):
    doc = document_ids(s).cuda()

    def mask_mod(b, h, q_idx, kv_idx):
        return doc[q_idx] == doc[kv_idx]

    return mask_mod


def neighborhood_mask(s):
    height = s // GRID_WIDTH

    def mask_mod(b, h, q_idx, kv_idx):
        row, col = q_idx // GRID_WIDTH, q_idx % GRID_WIDTH
        krow, kcol = kv_idx // GRID_WIDTH, kv_idx % GRID_WIDTH
        center_row = torch.clamp(row, RADIUS, height - 1 - RADIUS)
        center_col = torch.clamp(col, RADIUS, GRID_WIDTH - 1 - RADIUS)
        return ((krow - center_row).abs() <= RADIUS) & ((kcol - center_col).abs() <= RADIUS)

    return mask_mod


def block_mask_bytes(bm):
    total = 0
    for name in ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices",
                 "q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices"):
        t = getattr(bm, name, None)
        if isinstance(t, torch.Tensor):
            total += t.numel() * t.element_size()
    return total


def timed_call(mask_mod, s):
    torch.cuda.synchronize()
    start = time.perf_counter()
    bm = create_block_mask(mask_mod, B=None, H=None, Q_LEN=s, KV_LEN=s, device="cuda", BLOCK_SIZE=BLOCK, _compile=True)
    torch.cuda.synchronize()
    return bm, (time.perf_counter() - start) * 1e3


def measure(name, make, s, repeats):
    mask_mod = make(s)
    try:
        torch.cuda.reset_peak_memory_stats()
        bm, first = timed_call(mask_mod, s)
        times = [timed_call(mask_mod, s)[1] for _ in range(repeats)]
        empty_full_partial = None
        if bm.full_kv_num_blocks is not None:
            partial = int(bm.kv_num_blocks.sum())
            full = int(bm.full_kv_num_blocks.sum())
            tiles = (s // BLOCK) ** 2
            empty_full_partial = [tiles - full - partial, full, partial]
        return {"mask": name, "S": s, "first_ms": round(first, 2), "ms": round(statistics.median(times), 3),
                "min_ms": round(min(times), 3), "peak_bytes": torch.cuda.max_memory_allocated(),
                "block_mask_bytes": block_mask_bytes(bm), "tiles_empty_full_partial": empty_full_partial}
    except Exception as e:  # report and go on to the next size
        return {"mask": name, "S": s, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
    finally:
        torch.cuda.empty_cache()


def size(text):
    text = text.strip().upper()
    return int(text[:-1]) << 10 if text.endswith("K") else int(text[:-1]) << 20 if text.endswith("M") else int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8K,32K,128K,1M")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = []
    for name, make in (("document", document_mask), ("neighborhood_2d", neighborhood_mask)):
        for s in map(size, args.sizes.split(",")):
            results.append(measure(name, make, s, args.repeats))
    print(json.dumps({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "block": [BLOCK, BLOCK],
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
