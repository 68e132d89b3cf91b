#!/usr/bin/env python3
"""The backward pass: attnc's CUDA kernels against PyTorch on one GPU (bf16), the PyTorch half and the table.

  backward.py torch DIR   writes Q, K, V, dO (raw bf16 bits, identical for every contender) and the
                          variants' arguments (flex_variants.py: compare.py's) into DIR; times the backward alone of FlexAttention
                          (torch.compile, block mask built once), SDPA's FlashAttention-2 and cuDNN
                          (full and causal): torch.autograd.grad of a forward's output with
                          retain_graph, triton's do_bench median (L2 flushed each run); writes
                          FlexAttention's dQ, dK, dV of batch 0, heads 0..1 for attnc's check; then
                          forward + backward (a new forward each run, then its backward)
  backward.py table DIR   merges DIR/torch_bwd.json with DIR/attnc_bwd.json (CudaBackwardBench)

TFLOP/s count 2.5 times the forward's 4 * D flops per kept (q, kv) pair (FlashAttention's convention),
B * H times, for everybody; forward + backward 3.5 times. bench/gpu/backward.sh runs the whole comparison in one device call.
Env: BWD_SHAPE=B,H,S,D (default 2,16,8192,128), BWD_VARIANTS (default: the forward benchmark's variants
(compare.py) and the learned relative-position bias; neighborhood_2d left out where S does not fit its grid).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flex_variants  # noqa: E402  the variants' arguments, kept pairs and FlexAttention mods (compare.py's)

B, H, S, D = (int(x) for x in os.environ.get("BWD_SHAPE", "2,16,8192,128").split(","))
ARGS = flex_variants.Params(B, H, S, D)
ALL = "full,causal,sliding_window,alibi,softcap,document,prefix_lm,neighborhood_2d,relative_bias"
VARIANTS = [v for v in os.environ.get("BWD_VARIANTS", ALL).split(",") if v != "neighborhood_2d" or ARGS.neighborhood_fits()]
CHECK_HEADS = 2
DOC = ARGS.documents()
PAIRS = {name: ARGS.kept_pairs(name, DOC) for name in VARIANTS}  # of one (b, h)


def pairs(name):
    return B * H * PAIRS[name]


def tflops(name, ms):
    return 2.5 * 4.0 * D * pairs(name) / (ms * 1e-3) / 1e12


def step_tflops(name, ms):  # forward + backward: 1 + 2.5 times the forward's flops
    return 3.5 * 4.0 * D * pairs(name) / (ms * 1e-3) / 1e12


def run_torch(out_dir):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    from triton.testing import do_bench

    os.makedirs(out_dir, exist_ok=True)
    dev = "cuda"
    g = torch.Generator(device=dev).manual_seed(4321)
    ts = [torch.randn(B, H, S, D, device=dev, dtype=torch.float32, generator=g).to(torch.bfloat16) for _ in range(4)]
    for name, t in zip(("q", "k", "v", "do"), ts):
        t.view(torch.int16).cpu().numpy().tofile(os.path.join(out_dir, name + ".bf16"))
    q, k, v, do = ts
    sl = ARGS.slopes()
    sl.tofile(os.path.join(out_dir, "slopes.f32"))
    slopes_t = torch.from_numpy(sl).to(dev)
    DOC.tofile(os.path.join(out_dir, "doc.i32"))
    doc_t = torch.from_numpy(DOC).to(dev)
    # the learned relative-position table: small random values, the same for both sides
    rel = (np.random.default_rng(5).standard_normal((H, 2 * S - 1)) * 0.1).astype(np.float32)
    rel.tofile(os.path.join(out_dir, "rel.f32"))
    rel_t = torch.from_numpy(rel).to(dev).requires_grad_()  # learned: its gradient is asked for too

    spec = ARGS.mods(torch, doc_t, slopes_t, rel_t)
    results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "shape": [B, H, S, D],
               "variants": VARIANTS, "flex": {}, "sdpa_fa2": {}, "cudnn": {}}
    with open(os.path.join(out_dir, "meta_bwd.properties"), "w") as f:
        f.write(f"B={B}\nH={H}\nS={S}\nD={D}\ncheck_heads={CHECK_HEADS}\nvariants={','.join(VARIANTS)}\n" + ARGS.properties())
        f.writelines(f"pairs.{name}={PAIRS[name]}\n" for name in VARIANTS)

    def backward_of(fn, extra=()):
        qq, kk, vv = (t.detach().requires_grad_() for t in (q, k, v))
        o = fn(qq, kk, vv)
        return lambda: torch.autograd.grad(o, (qq, kk, vv) + tuple(extra), do, retain_graph=True)

    def step_of(fn, extra=()):  # forward + backward: a training step's attention
        qq, kk, vv = (t.detach().requires_grad_() for t in (q, k, v))
        return lambda: torch.autograd.grad(fn(qq, kk, vv), (qq, kk, vv) + tuple(extra), do)

    def time_step(key, name, fn, extra=()):
        try:
            step = step_of(fn, extra)
            step()
            ms = do_bench(step, warmup=20, rep=200, return_mode="median")
            results[key][name].update({"step_ms": ms, "step_tflops": step_tflops(name, ms)})
            print(f"{key} {name:14s} forward+backward {ms:8.3f} ms {results[key][name]['step_tflops']:7.1f} TFLOP/s", flush=True)
        except Exception as e:
            results[key][name]["step_error"] = str(e).splitlines()[0][:200]
            print(f"{key} {name} forward+backward: {results[key][name]['step_error']}", flush=True)

    for name in VARIANTS:
        torch._dynamo.reset()
        mask_mod, score_mod = spec[name]
        try:
            flex = torch.compile(flex_attention, dynamic=False)
            bm = create_block_mask(mask_mod, None, None, S, S, device=dev) if mask_mod else None
            fn = lambda a, b_, c: flex(a, b_, c, score_mod=score_mod, block_mask=bm)
            extra = (rel_t,) if name == "relative_bias" else ()
            bwd = backward_of(fn, extra)
            dq, dk, dv = bwd()[:3]
            ms = do_bench(bwd, warmup=20, rep=200, return_mode="median")
            results["flex"][name] = {"ms": ms, "tflops": tflops(name, ms)}
            for gname, t in (("dq", dq), ("dk", dk), ("dv", dv)):
                t[0, :CHECK_HEADS].float().cpu().numpy().tofile(os.path.join(out_dir, f"ref_{name}.{gname}.f32"))
            print(f"flex {name:14s} {ms:8.3f} ms {results['flex'][name]['tflops']:7.1f} TFLOP/s", flush=True)
            del dq, dk, dv, bwd
            time_step("flex", name, fn, extra)
        except Exception as e:  # FlexAttention fails on some variants (the learned table at D = 128): say so
            results["flex"][name] = {"error": str(e).splitlines()[0][:200]}
            print(f"flex {name}: {results['flex'][name]['error']}", flush=True)
        torch.cuda.empty_cache()

    for name, is_causal in (("full", False), ("causal", True)):
        if name not in VARIANTS:
            continue
        for key, backend in (("sdpa_fa2", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)):
            try:
                with sdpa_kernel(backend):
                    fn = lambda a, b_, c: F.scaled_dot_product_attention(a, b_, c, is_causal=is_causal)
                    bwd = backward_of(fn)
                    bwd()
                    ms = do_bench(bwd, warmup=20, rep=200, return_mode="median")
                    results[key][name] = {"ms": ms, "tflops": tflops(name, ms)}
                    print(f"{key} {name:14s} {ms:8.3f} ms {results[key][name]['tflops']:7.1f} TFLOP/s", flush=True)
                    del bwd
                    time_step(key, name, fn)
            except Exception as e:
                results[key][name] = {"error": str(e).splitlines()[0][:200]}
                print(f"{key} {name}: {results[key][name]['error']}", flush=True)
            torch.cuda.empty_cache()
    with open(os.path.join(out_dir, "torch_bwd.json"), "w") as f:
        json.dump(results, f, indent=1)


def table(out_dir):
    with open(os.path.join(out_dir, "torch_bwd.json")) as f:
        t = json.load(f)
    a = {}
    path = os.path.join(out_dir, "attnc_bwd.json")
    if os.path.exists(path):
        for line in open(path):
            r = json.loads(line)
            a[r["variant"]] = r

    for key, what, times in (("tflops", "backward alone", 2.5), ("step_tflops", "forward + backward", 3.5)):
        def cell(x):
            return f"{x[key]:6.1f}" if x and key in x else "  fail" if x and ("error" in x or "step_error" in x) else "   n/a"

        def ratio(mine, other):
            return f"{mine[key] / other[key]:7.2f}x" if mine and key in mine and other and key in other else "       -"

        print(f"{what}, {t['device']}, torch {t['torch']}, B,H,S,D = {t['shape']}, bf16, TFLOP/s ({times} x 4 D per kept pair)")
        print(f"{'variant':14s} {'attnc':>7s} {'flex':>7s} {'fa2':>7s} {'cudnn':>7s}  {'vs flex':>8s} {'vs cudnn':>8s}  check")
        for name in t["variants"]:
            mine = a.get(name)
            flex, fa2, cudnn = t["flex"].get(name), t["sdpa_fa2"].get(name), t["cudnn"].get(name)
            print(f"{name:14s} {cell(mine)} {cell(flex)} {cell(fa2)} {cell(cudnn)}  {ratio(mine, flex)} {ratio(mine, cudnn)}  "
                  f"{mine.get('check', '-') if mine else '-'}")


if __name__ == "__main__":
    {"torch": run_torch, "table": table}[sys.argv[1]](sys.argv[2])
