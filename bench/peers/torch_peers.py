#!/usr/bin/env python3
"""PyTorch's attention kernels on the same variants, shapes and inputs as `attnc bench`: the peers.

    attnc bench samples/full.attn samples/causal.attn ... --target cuda --dump-inputs DIR
    python3 bench/peers/torch_peers.py --inputs DIR --out peers.json
    attnc bench ... --target cuda --peers peers.json          # the peers as extra rows and ratios

With --inputs it reads DIR/manifest.json (written by `attnc bench --dump-inputs`): Q, K, V, every
variant's arguments and attnc's O, as .npy. Without it, it makes its own random data for --shapes
(then nothing is checked against attnc, and the FLOP counts are its own).

Contenders (timed with CUDA events, median of --reps runs after --warmup runs, no cache flush, as
attnc is timed):
  flex      FlexAttention: torch.compile(flex_attention), the block mask built once per variant
            and shape; torch._dynamo.reset() between them. Also records the compile latency (the
            first call) and create_block_mask's time (first call and a second one).
  sdpa_fa2  scaled_dot_product_attention with the FlashAttention-2 backend (full and causal only)
  cudnn     scaled_dot_product_attention with the cuDNN backend (full and causal only)
Every output is compared with attnc's O (max abs error, in float32) when the inputs came from attnc.

Output JSON: {"device", "torch", "results": [{"variant", "shape": [B,H,H_KV,Q_LEN,KV_LEN,D], "dtype",
"contender", "median_ms", "tflops", "max_err", "max_err_lse", "kept_pairs", "compile_s",
"block_mask_ms", "block_mask_first_ms"} or {..., "error"}]}. TFLOP/s count 4 * D flops per kept
(q, kv) pair, as attnc does. --dry-run lists what would run, without importing torch.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recipes  # noqa: E402  samples/recipes.json: the per-sample arguments, shared with the Java tests and compare.py

# The variants PyTorch can express here, with the parameter names of the samples/*.attn files.
KNOWN = ["full", "causal", "sliding_window", "alibi", "softcap", "document", "prefix_lm", "neighborhood_2d"]
SDPA_CAUSAL = {"full": False, "causal": True}  # variants SDPA computes: is_causal
NEIGHBORHOOD_R = 3  # samples/neighborhood_2d.attn's default R, for inputs from attnc that leave it out


def mods(name, p, q_len):
    """(mask_mod, score_mod) for FlexAttention; p holds the variant's arguments (tensors on the GPU)."""
    import torch

    def causal(b, h, qi, ki):
        return qi >= ki

    if name == "full":
        return None, None
    if name == "causal":
        return causal, None
    if name == "sliding_window":
        w = int(p["window"])
        return (lambda b, h, qi, ki: (qi >= ki) & (qi - ki <= w)), None
    if name == "alibi":
        slopes = p["slopes"]
        return causal, (lambda s, b, h, qi, ki: s + slopes[h] * (ki - qi).to(s.dtype))
    if name == "softcap":
        cap = float(p["cap"])
        return None, (lambda s, b, h, qi, ki: cap * torch.tanh(s / cap))
    if name == "document":
        doc = p["doc"]
        return (lambda b, h, qi, ki: doc[qi] == doc[ki]), None
    if name == "prefix_lm":
        prefix = int(p["prefix"])
        return (lambda b, h, qi, ki: (ki < prefix) | (qi >= ki)), None
    if name == "neighborhood_2d":
        w, r = int(p["W"]), int(p.get("R", NEIGHBORHOOD_R))
        height = q_len // w

        def near(x, y, size):  # is y in the window of x, the window shifted inward at the borders
            return (y - torch.clamp(x, r, size - 1 - r)).abs() <= r

        return (lambda b, h, qi, ki: near(qi // w, ki // w, height) & near(qi % w, ki % w, w)), None
    raise KeyError(name)


def kept_pairs(mask_mod, sizes, device):
    """Kept (q, kv) pairs over all batches and heads, brute force by row blocks (own-data mode only)."""
    import torch
    b, h, _, q_len, kv_len, _ = sizes
    if mask_mod is None:
        return b * h * q_len * kv_len
    kv = torch.arange(kv_len, device=device)
    zero = torch.zeros((), dtype=torch.int64, device=device)
    total = 0
    for q0 in range(0, q_len, 1024):  # none of the variants here reads b or h in its mask
        qi = torch.arange(q0, min(q_len, q0 + 1024), device=device)[:, None]
        total += int(mask_mod(zero, zero, qi, kv[None, :]).sum())
    return total * b * h


def timed(fn, warmup, reps):
    """Median GPU time of fn in ms, from CUDA events around each call."""
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for s, e in zip(starts, ends):
        s.record()
        fn()
        e.record()
    torch.cuda.synchronize()
    return float(np.median([s.elapsed_time(e) for s, e in zip(starts, ends)]))


def load_cases(args):
    """[(sizes, dtype, {"q","k","v"} paths or None, [variant dicts])] from the manifest or the command line."""
    if args.inputs:
        with open(os.path.join(args.inputs, "manifest.json")) as f:
            m = json.load(f)
        cases = []
        for sh in m["shapes"]:
            d = os.path.join(args.inputs, sh["dir"])
            files = {x: os.path.join(d, sh[x]) for x in ("q", "k", "v")}
            variants = []
            for v in sh["variants"]:
                v = dict(v)
                v["tensors"] = {k: os.path.join(d, f) for k, f in v.get("tensors", {}).items()}
                v["o"] = os.path.join(d, v["o"]) if v.get("o") else None
                v["lse"] = os.path.join(d, v["lse"]) if v.get("lse") else None
                variants.append(v)
            cases.append((list(sh["shape"]), m["dtype"], files, variants))
        return cases
    extra = {}
    for a in args.arg:
        k, _, x = a.partition("=")
        extra[k] = float(x) if "." in x else int(x)
    cases = []
    for s in args.shapes.split(";"):
        sizes = [int(x) for x in s.split(",")]
        variants = [{"variant": n, "scalars": dict(recipe_scalars(n, sizes), **extra), "tensors": {}, "scale": 1 / math.sqrt(sizes[5])}
                    for n in args.variants.split(",")]
        cases.append((sizes, {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}.get(args.dtype, args.dtype), None, variants))
    return cases


def recipe_sizes(sizes):
    b, h, _, q_len, kv_len, d = sizes
    return {"B": b, "H": h, "Q_LEN": q_len, "KV_LEN": kv_len, "D": d}


def recipe_scalars(name, sizes):
    """The variant's scalar arguments in own-data mode: samples/recipes.json at these sizes."""
    return recipes.scalars(recipes.load().get(name, {}), recipe_sizes(sizes))


def own_tensors(name, sizes, device):
    """The tensor arguments of a variant in own-data mode, from samples/recipes.json's generators."""
    import torch
    at = recipe_sizes(sizes)
    out = {}
    for tensor, spec in recipes.load().get(name, {}).get("tensors", {}).items():
        gen, a = recipes.generator(spec)
        if gen == "alibi_slopes":
            out[tensor] = torch.from_numpy(recipes.alibi_slopes(at["H"])).to(device)
        elif gen == "documents":
            ids = recipes.documents(at["KV_LEN"], recipes.size(a["min"], at), recipes.size(a["max"], at))
            out[tensor] = torch.from_numpy(ids).to(device)
        else:
            raise ValueError(f"{name}: generator {gen} has no PyTorch peer here")
    return out


def run(args):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    dev = "cuda"
    contenders = args.contenders.split(",")
    out = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "results": []}

    def emit(row):
        out["results"].append(row)
        shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items() if k not in ("shape",)}
        print(json.dumps(shown), flush=True)

    for sizes, dtype, files, variants in load_cases(args):
        b, h, h_kv, q_len, kv_len, d = sizes
        tdt = getattr(torch, dtype)
        if files:
            q, k, v = (torch.from_numpy(np.load(files[x])).to(dev).to(tdt) for x in ("q", "k", "v"))
        else:
            g = torch.Generator(device=dev).manual_seed(1234)
            q = (torch.rand(b, h, q_len, d, device=dev, generator=g) * 2 - 1).to(tdt)
            k = (torch.rand(b, h_kv, kv_len, d, device=dev, generator=g) * 2 - 1).to(tdt)
            v = (torch.rand(b, h_kv, kv_len, d, device=dev, generator=g) * 2 - 1).to(tdt)
        gqa = h != h_kv
        for var in variants:
            name = var["variant"]
            base = {"variant": name, "shape": sizes, "dtype": dtype}
            if name not in KNOWN:
                print(f"skip {name}: no PyTorch version of it here (known: {', '.join(KNOWN)})", flush=True)
                continue
            scalars = dict(var.get("scalars", {}))
            if files:
                params = {n: torch.from_numpy(np.load(p)).to(dev) for n, p in var["tensors"].items()}
            else:
                params = own_tensors(name, sizes, dev)
            params.update(scalars)
            mask_mod, score_mod = mods(name, params, q_len)
            scale = var.get("scale") or 1 / math.sqrt(d)
            pairs = var.get("kept_pairs") or kept_pairs(mask_mod, sizes, dev)
            ref_o = torch.from_numpy(np.load(var["o"])).to(dev).float() if var.get("o") else None
            ref_lse = torch.from_numpy(np.load(var["lse"])).to(dev).float() if var.get("lse") else None

            def finish(row, fn, o, lse=None):
                ms = timed(fn, args.warmup, args.reps)
                row.update(median_ms=ms, tflops=4.0 * d * pairs / (ms * 1e-3) / 1e12, kept_pairs=pairs)
                if ref_o is not None:
                    row["max_err"] = float((o.float() - ref_o).abs().max())
                    if lse is not None and ref_lse is not None:
                        both = torch.isfinite(ref_lse)
                        row["max_err_lse"] = float((lse.float()[both] - ref_lse[both]).abs().max()) if both.any() else 0.0
                emit(row)

            if "flex" in contenders:
                row = dict(base, contender="flex")
                try:
                    torch._dynamo.reset()
                    flex = torch.compile(flex_attention, dynamic=False)
                    bm = None
                    if mask_mod is not None:
                        for key in ("block_mask_first_ms", "block_mask_ms"):  # the first call includes tracing
                            torch.cuda.synchronize()
                            t0 = time.perf_counter()
                            bm = create_block_mask(mask_mod, None, None, q_len, kv_len, device=dev)
                            torch.cuda.synchronize()
                            row[key] = (time.perf_counter() - t0) * 1e3
                    kw = dict(score_mod=score_mod, block_mask=bm, scale=scale, enable_gqa=gqa)
                    torch.cuda.synchronize()
                    t0 = time.perf_counter()
                    o, lse = flex(q, k, v, return_lse=True, **kw)
                    torch.cuda.synchronize()
                    row["compile_s"] = time.perf_counter() - t0
                    finish(row, lambda: flex(q, k, v, return_lse=True, **kw), o, lse)  # as compiled, and attnc writes LSE too
                    del o, lse
                except Exception as e:  # one contender failing must not stop the others
                    emit(dict(row, error=f"{type(e).__name__}: {str(e)[:300]}"))
            if name in SDPA_CAUSAL:
                for key, backend in (("sdpa_fa2", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)):
                    if key not in contenders:
                        continue
                    row = dict(base, contender=key)
                    try:
                        with sdpa_kernel(backend):
                            fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=SDPA_CAUSAL[name], scale=scale,
                                                                        enable_gqa=gqa)
                            finish(row, fn, fn())
                    except Exception as e:  # a backend missing in this build, or for this dtype
                        emit(dict(row, error=f"{type(e).__name__}: {str(e)[:300]}"))
        del q, k, v
        torch.cuda.empty_cache()
    return out


def dry_run(args):
    for sizes, dtype, files, variants in load_cases(args):
        for var in variants:
            name = var["variant"]
            what = "skip (unknown)" if name not in KNOWN else ", ".join(
                c for c in args.contenders.split(",") if c == "flex" or name in SDPA_CAUSAL)
            print(f"{name:16s} {','.join(map(str, sizes)):28s} {dtype:9s} kept {var.get('kept_pairs', '?')} "
                  f"args {var.get('scalars', {})} {sorted(var.get('tensors', {}))}: {what}"
                  + (" (checked against attnc's O)" if var.get("o") else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", help="DIR written by attnc bench --dump-inputs")
    ap.add_argument("--shapes", default="2,16,16,8192,8192,128", help="own data: B,H,H_KV,Q_LEN,KV_LEN,D;...")
    ap.add_argument("--dtype", default="bf16", help="own data: bf16, f16 or f32")
    ap.add_argument("--variants", default=",".join(KNOWN), help="own data: comma-separated")
    ap.add_argument("--arg", action="append", default=[], help="own data: NAME=VALUE (window, cap, prefix, W, R)")
    ap.add_argument("--contenders", default="flex,sdpa_fa2,cudnn")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--out", default="peers.json")
    ap.add_argument("--dry-run", action="store_true", help="list what would run; needs no torch")
    args = ap.parse_args()
    if args.dry_run:
        dry_run(args)
        return
    out = run(args)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {args.out}: {len(out['results'])} results on {out['device']}", file=sys.stderr)


if __name__ == "__main__":
    main()
