#!/usr/bin/env python3
"""attnc's CUDA kernels against PyTorch on one GPU (forward, bf16): the PyTorch half, and the table.

  compare.py torch DIR   writes the inputs (raw bf16 bits, identical for every contender) and
                         their parameters into DIR, times FlexAttention (torch.compile, block mask
                         built once, torch._dynamo.reset() between variants), SDPA's
                         FlashAttention-2 backend and cuDNN (full and causal only), and writes
                         reference slices of O and LSE (FlexAttention's) for attnc's own check
  compare.py table DIR   merges DIR/torch.json with DIR/attnc.json (from CudaBench) into a table

TFLOP/s count 2 * (D + DV) flops per kept (q, kv) pair (4 * D where DV = D), B * H times, for everybody. bench/gpu/compare.sh
runs the whole comparison in one device call.

Env: CMP_SHAPE=B,H,S,D (default 2,16,8192,128; Q_LEN = KV_LEN = S), CMP_VARIANTS (comma list, default
all), CMP_LAYOUT=bhsd|bshd (default bhsd: Q, K, V as [B,H,S,D]; bshd: as [B,S,H,D], given to PyTorch as
.transpose(1, 2) views and to attnc as strided Tensor views, so all read the same memory). The variants' parameters come from samples/recipes.json (through bench/recipes.py) and scale
with S (equal to the old fixed values at S = 8192): sliding window S/8, prefix S/4, document lengths
S/32 .. S/4; neighborhood_2d needs S % 128 == 0 and
S / 128 >= 13 (otherwise it is left out, with a note).
"""
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recipes  # noqa: E402  samples/recipes.json: the per-sample arguments, shared with the Java tests
import flex_variants  # noqa: E402  the variants' arguments, kept pairs and FlexAttention mods, shared with backward.py

ALL_VARIANTS = ["full", "causal", "sliding_window", "alibi", "softcap", "document", "prefix_lm", "neighborhood_2d"]
# Normalisations (issue 19), only when CMP_VARIANTS names them: where each comes from (file#attention,
# for CudaBench), against attnc's softmax of the same mask (full, causal) and FlexAttention with the
# sink applied outside its kernel from its LSE (FlexAttention cannot express sigmoid normalisation).
NORMALISED = {
    "sigmoid": "samples/sigmoid.attn",
    "sigmoid_full": "bench/gpu/variants/sigmoid_full.attn",
    "sinks": "samples/gpt_oss.attn#gpt_oss_global",
    "sinks_local": "samples/gpt_oss.attn#gpt_oss_local",
}


def parse_shape(text):
    dims = [int(x) for x in text.replace("x", ",").split(",") if x.strip()]
    if len(dims) not in (4, 5) or min(dims) <= 0:
        sys.exit(f"CMP_SHAPE must be B,H,S,D or B,H,S,D,DV (positive), got {text!r}")
    return dims if len(dims) == 5 else dims + [dims[3]]


B, H, S, D, DV = parse_shape(os.environ.get("CMP_SHAPE", "2,16,8192,128"))  # DV: V's and O's rows (DeepSeek MLA: 192, 128)
LAYOUT = os.environ.get("CMP_LAYOUT", "bhsd")
if LAYOUT not in ("bhsd", "bshd"):
    sys.exit(f"CMP_LAYOUT must be bhsd or bshd, got {LAYOUT!r}")
VARIANT_ARGS = flex_variants.Params(B, H, S, D)
WINDOW, PREFIX, CAP = VARIANT_ARGS.window, VARIANT_ARGS.prefix, VARIANT_ARGS.cap  # 1024, 2048, 30.0 at S = 8192
DOC_MIN, DOC_MAX = VARIANT_ARGS.doc_min, VARIANT_ARGS.doc_max                        # 256, 2048
NB_W, NB_R = VARIANT_ARGS.nb_w, VARIANT_ARGS.nb_r                                    # a 128-wide grid, 13 x 13 windows
CHECK_HEADS = min(2, H)  # reference slice: batch 0, heads 0 .. CHECK_HEADS-1


def neighborhood_fits():
    return VARIANT_ARGS.neighborhood_fits()


def select_variants():
    asked = [v.strip() for v in os.environ.get("CMP_VARIANTS", ",".join(ALL_VARIANTS)).split(",") if v.strip()]
    unknown = [v for v in asked if v not in ALL_VARIANTS and v not in NORMALISED]
    if unknown:
        sys.exit(f"CMP_VARIANTS: unknown {unknown}; known {ALL_VARIANTS + list(NORMALISED)}")
    if "neighborhood_2d" in asked and not neighborhood_fits():
        print(f"note: neighborhood_2d left out: S={S} is not a multiple of {NB_W} with S/{NB_W} >= {2 * NB_R + 1}",
              file=sys.stderr)
        asked.remove("neighborhood_2d")
    return asked


VARIANTS = select_variants()


def slopes():
    return VARIANT_ARGS.slopes()


def sinks(seed=11):
    """gpt_oss's learned per-head sink logits: the recipe's range, uniform."""
    g = recipes.generator(VARIANT_ARGS.recipes["gpt_oss"]["tensors"]["sinks"])[1]
    return np.random.default_rng(seed).uniform(g["min"], g["max"], H).astype(np.float32)


def kept_pairs(name, doc):
    return VARIANT_ARGS.kept_pairs(name, doc)


def tflops(pairs, ms):
    """2 * D flops a pair for Q K^T and 2 * DV for P V (4 * D where DV = D)."""
    return 2.0 * (D + DV) * pairs * B * H / (ms * 1e-3) / 1e12


def run_torch(out_dir):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    from triton.testing import do_bench

    os.makedirs(out_dir, exist_ok=True)
    dev = "cuda"
    g = torch.Generator(device=dev).manual_seed(1234)
    # LAYOUT bshd: Q, K, V lie as [B, S, H, D] (files in that order too), and every contender gets the same
    # memory seen as [B, H, S, D] (.transpose(1, 2), no copy): attnc reads it through strided Tensor views
    def dims(d):
        return (B, S, H, d) if LAYOUT == "bshd" else (B, H, S, d)
    q, k, v = (torch.randn(*dims(d), device=dev, dtype=torch.float32, generator=g).to(torch.bfloat16) for d in (D, D, DV))
    for name, t in (("q", q), ("k", k), ("v", v)):
        t.view(torch.int16).cpu().numpy().tofile(os.path.join(out_dir, name + ".bf16"))
    if LAYOUT == "bshd":
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    doc = VARIANT_ARGS.documents()
    doc.tofile(os.path.join(out_dir, "doc.i32"))
    sl = slopes()
    sl.tofile(os.path.join(out_dir, "slopes.f32"))
    sk = sinks()
    sk.tofile(os.path.join(out_dir, "sinks.f32"))
    sinks_t = torch.from_numpy(sk).to(dev)
    doc_t = torch.from_numpy(doc).to(dev)
    slopes_t = torch.from_numpy(sl).to(dev)

    spec = VARIANT_ARGS.mods(torch, doc_t, slopes_t)
    results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "shape": [B, H, S, D], "dv": DV,
               "variants": VARIANTS, "params": {"window": WINDOW, "prefix": PREFIX, "cap": CAP, "doc_len": [DOC_MIN, DOC_MAX],
                                                "nb_w": NB_W, "nb_r": NB_R},
               "pairs": {}, "flex": {}, "sdpa_fa2": {}, "cudnn": {}, "block_mask_ms": {}, "compile_s": {}}
    for name in VARIANTS:
        results["pairs"][name] = kept_pairs(name, doc)
    # parameters for attnc's side
    with open(os.path.join(out_dir, "meta.properties"), "w") as f:
        f.write(f"B={B}\nH={H}\nS={S}\nD={D}\nDV={DV}\nwindow={WINDOW}\nprefix={PREFIX}\ncap={CAP}\ncheck_heads={CHECK_HEADS}\n")
        f.write(f"nb_w={NB_W}\nnb_r={NB_R}\nvariants={','.join(VARIANTS)}\nlayout={LAYOUT}\n")
        for name in VARIANTS:
            f.write(f"pairs.{name}={results['pairs'][name]}\n")
            if name in NORMALISED:
                f.write(f"source.{name}={NORMALISED[name]}\n")

    for name in [n for n in VARIANTS if n in ("sigmoid", "sigmoid_full")]:
        sigmoid_reference(q, k, v, name == "sigmoid", out_dir, name)
        results["flex"][name] = {"error": "FlexAttention cannot express sigmoid normalisation"}
    for name in [n for n in VARIANTS if n not in ("sigmoid", "sigmoid_full")]:
        torch._dynamo.reset()
        flex = torch.compile(flex_attention, dynamic=False)
        mask_mod, score_mod = spec[name]
        bm = None
        if mask_mod is not None:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            bm = create_block_mask(mask_mod, None, None, S, S, device=dev)
            torch.cuda.synchronize()
            results["block_mask_ms"][name] = (time.perf_counter() - t0) * 1e3
        def call():
            o, lse = flex(q, k, v, score_mod=score_mod, block_mask=bm, return_lse=True)
            if name.startswith("sinks"):  # the sink outside the kernel, from the LSE (what FlexAttention users do)
                sink = sinks_t.view(1, H, 1)
                o, lse = o * torch.sigmoid(lse - sink).unsqueeze(-1).to(o.dtype), torch.logaddexp(lse, sink)
            return o, lse

        t0 = time.perf_counter()
        try:
            o, lse = call()
        except Exception as e:  # e.g. a head dimension this FlexAttention build does not take: say so, carry on
            results["flex"][name] = {"error": str(e).splitlines()[0][:200] if str(e) else type(e).__name__}
            print(f"flex {name:15s} failed: {results['flex'][name]['error']}", flush=True)
            if name in ("full", "causal"):
                softmax_reference(q, k, v, name == "causal", out_dir, name)
            continue
        torch.cuda.synchronize()
        results["compile_s"][name] = time.perf_counter() - t0
        plain = not name.startswith("sinks")
        ms = do_bench((lambda: flex(q, k, v, score_mod=score_mod, block_mask=bm)) if plain else call, warmup=50, rep=300, return_mode="median")
        results["flex"][name] = {"ms": ms, "tflops": tflops(results["pairs"][name], ms)}
        o[0, :CHECK_HEADS].float().cpu().numpy().tofile(os.path.join(out_dir, f"ref_{name}.o.f32"))
        lse[0, :CHECK_HEADS].float().cpu().numpy().tofile(os.path.join(out_dir, f"ref_{name}.lse.f32"))
        print(f"flex {name:15s} {ms:8.3f} ms {results['flex'][name]['tflops']:7.1f} TFLOP/s", flush=True)
        del o, lse

    for name, causal_flag in (("full", False), ("causal", True)):
        if name not in VARIANTS:
            continue
        for key, backend in (("sdpa_fa2", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)):
            try:
                with sdpa_kernel(backend):
                    fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal_flag)
                    ref = fn()
                    ms = do_bench(fn, warmup=50, rep=300, return_mode="median")
                results[key][name] = {"ms": ms, "tflops": tflops(results["pairs"][name], ms)}
                print(f"{key} {name:15s} {ms:8.3f} ms {results[key][name]['tflops']:7.1f} TFLOP/s", flush=True)
                del ref
            except Exception as e:  # a backend missing on this build: say so, carry on
                results[key][name] = {"error": str(e)[:200]}
                print(f"{key} {name}: {e}", flush=True)

    with open(os.path.join(out_dir, "torch.json"), "w") as f:
        json.dump(results, f, indent=1)


def softmax_reference(q, k, v, causal, out_dir, name):
    """Softmax attention's O and LSE on the check heads, densely in float32 (scale 1/sqrt(D)): the check
    where FlexAttention does not run."""
    import torch
    os_, ls_ = [], []
    for h in range(CHECK_HEADS):
        s = (q[0, h].float() @ k[0, h].float().T) / math.sqrt(D)
        if causal:
            s = s.masked_fill(torch.ones_like(s, dtype=torch.bool).triu(1), float("-inf"))
        lse = torch.logsumexp(s, -1)
        os_.append((torch.exp(s - lse[:, None]) @ v[0, h].float()).cpu().numpy())
        ls_.append(lse.cpu().numpy())
        del s
    np.stack(os_).astype(np.float32).tofile(os.path.join(out_dir, f"ref_{name}.o.f32"))
    np.stack(ls_).astype(np.float32).tofile(os.path.join(out_dir, f"ref_{name}.lse.f32"))


def sigmoid_reference(q, k, v, causal, out_dir, name):
    """Sigmoid attention's O and log Σ P on the check heads, densely in float32 (bias -log(S), scale 1/sqrt(D))."""
    import torch
    os_, ls_ = [], []
    for h in range(CHECK_HEADS):
        s = (q[0, h].float() @ k[0, h].float().T) / math.sqrt(D) - math.log(S)
        p = torch.sigmoid(s)
        if causal:
            p = torch.tril(p)
        os_.append((p @ v[0, h].float()).cpu().numpy())
        ls_.append(torch.log(p.double().sum(-1)).float().cpu().numpy())
        del s, p
    np.stack(os_).astype(np.float32).tofile(os.path.join(out_dir, f"ref_{name}.o.f32"))
    np.stack(ls_).astype(np.float32).tofile(os.path.join(out_dir, f"ref_{name}.lse.f32"))


def table(out_dir):
    with open(os.path.join(out_dir, "torch.json")) as f:
        t = json.load(f)
    a = {}
    path = os.path.join(out_dir, "attnc.json")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    a.setdefault(r["variant"], []).append(r)

    tb, th, ts, td = t["shape"]
    variants = t.get("variants", [v for v in ALL_VARIANTS if v in t["pairs"]])

    def fmt(x):
        return f"{x:6.1f}" if isinstance(x, (int, float)) and math.isfinite(x) else "     -"

    def sdpa_cell(name, x):  # SDPA / cuDNN have no mask for the other variants: not applicable
        return fmt(x) if name in ("full", "causal") else "     \u2013"

    dv = t.get("dv", td)
    dvs = f" DV={dv}" if dv != td else ""
    print(f"\n{t['device']}, torch {t['torch']}, shape B={tb} H={th} S={ts} D={td}{dvs} (B,H,S,D = {tb},{th},{ts},{td}), bf16, "
          f"forward; TFLOP/s on kept pairs (2*(D+DV) per pair)")
    if "params" in t:
        print("parameters: " + ", ".join(f"{k}={v}" for k, v in t["params"].items()))
    # "auto" rows are what a user gets (the backend's tile choice); the ratio is theirs where present
    print("| variant | kept % | attnc default | attnc (best tiles) | attnc check | FlexAttention | SDPA FA2 | cuDNN | attnc / Flex |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in variants:
        pairs = t["pairs"][name]
        rows = [r for r in a.get(name, []) if r.get("ok")]
        best = max(rows, key=lambda r: r["tflops"]) if rows else None
        flex = t["flex"].get(name, {}).get("tflops", float("nan"))
        fa2 = t["sdpa_fa2"].get(name, {}).get("tflops", float("nan"))
        cudnn = t["cudnn"].get(name, {}).get("tflops", float("nan"))
        auto = next((r for r in rows if r["tiles"].startswith("auto")), None)
        dflt = auto["tflops"] if auto else float("nan")
        dcfg = f" ({auto['tiles'][5:]})" if auto else ""
        at = best["tflops"] if best else float("nan")
        check = (f"max|dO| {best['err_o']:.1e}" if best else
                 ("FAILED" if a.get(name) else "not run"))
        cfg = f" ({best['tiles']})" if best else ""
        ratio = (dflt if auto else at) / flex if best and flex == flex else float("nan")
        print(f"| {name} | {100.0 * pairs / (ts * ts):.1f} | {fmt(dflt)}{dcfg} | {fmt(at)}{cfg} | {check} | {fmt(flex)} | {sdpa_cell(name, fa2)} | {sdpa_cell(name, cudnn)} | {ratio:.2f} |")
    print("\nall attnc configurations:")
    for name in variants:
        for r in a.get(name, []):
            print(f"  {name:15s} {r['tiles']:12s} {r.get('ms', float('nan')):8.3f} ms {fmt(r.get('tflops', float('nan')))} "
                  f"TFLOP/s regs {r.get('regs')} local {r.get('local')} check {'ok' if r.get('ok') else 'FAIL'} "
                  f"max|dO| {r.get('err_o', float('nan')):.2e} max|dLSE| {r.get('err_lse', float('nan')):.2e} plan {r.get('plan')}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("torch", "table"):
        sys.exit(__doc__)
    (run_torch if sys.argv[1] == "torch" else table)(sys.argv[2])
