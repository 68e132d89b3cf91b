#!/usr/bin/env python3
"""Decoding: attnc's CUDA decode program against PyTorch's on one GPU (bf16), the PyTorch half and the table.

  decode.py torch DIR   per shape, writes Q, K, V (raw bf16 bits: the same inputs for every contender)
                        and SDPA's O (float32, the check for attnc) into DIR/<shape>/; times cuDNN and
                        FlashAttention-2 (SDPA, enable_gqa) and FlexAttention (torch.compile; FlexDecoding
                        for short queries), triton's do_bench median with L2 flushed before each run
  decode.py table DIR   merges DIR/torch_decode.json with DIR/attnc_decode.json (CudaDecodeBench)

Shapes (env DECODE_SHAPES, ';'-separated B,Q_LEN,KV_LEN): the issue's three and Q_LEN = 4; H = 32 query
heads over H_KV = 8, D = 128. Q_LEN > 1 is causal aligned to the end of the cache (q + KV_LEN - Q_LEN >= kv).
Bandwidth counts the bytes of K and V once (the floor of a decode step), for everybody.
"""
import json
import os
import sys

H, H_KV, D = 32, 8, 128
SHAPES = [tuple(int(x) for x in s.split(",")) for s in
          os.environ.get("DECODE_SHAPES", "8,1,32768;1,1,131072;64,1,4096;8,4,32768").split(";")]


def tag(shape):
    return "x".join(str(x) for x in shape)


def kv_bytes(shape):
    b, _, kv = shape
    return 2 * b * H_KV * kv * D * 2


def run_torch(out_dir):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    from triton.testing import do_bench

    dev = "cuda"
    results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "shapes": {}}
    flex = torch.compile(flex_attention, dynamic=False)
    for shape in SHAPES:
        b, ql, kvl = shape
        d = os.path.join(out_dir, tag(shape))
        os.makedirs(d, exist_ok=True)
        g = torch.Generator(device=dev).manual_seed(77)
        q = torch.randn(b, H, ql, D, device=dev, generator=g).to(torch.bfloat16)
        k = torch.randn(b, H_KV, kvl, D, device=dev, generator=g).to(torch.bfloat16)
        v = torch.randn(b, H_KV, kvl, D, device=dev, generator=g).to(torch.bfloat16)
        for name, t in (("q", q), ("k", k), ("v", v)):
            t.view(torch.int16).cpu().numpy().tofile(os.path.join(d, name + ".bf16"))
        mask = None
        if ql > 1:
            mask = (torch.arange(ql, device=dev)[:, None] + kvl - ql) >= torch.arange(kvl, device=dev)[None, :]
        row = {}
        ref = None
        for name, backend in (("cudnn", SDPBackend.CUDNN_ATTENTION), ("sdpa_fa2", SDPBackend.FLASH_ATTENTION)):
            try:
                with sdpa_kernel(backend):
                    # FA2 and cuDNN take no boolean mask: Q_LEN > 1 runs them causal aligned to the end (is_causal
                    # aligns to the start in SDPA), so those timings are of an unmasked call (the same bytes read)
                    fn = lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)  # noqa: E731
                    o = fn()
                    torch.cuda.synchronize()
                    row[name] = do_bench(fn, warmup=25, rep=200, return_mode="median")
                    if ql == 1 and ref is None:
                        ref = o
            except Exception as e:  # noqa: BLE001
                row[name] = None
                row[name + "_error"] = str(e).splitlines()[0][:200]
        try:
            if ql > 1:
                def causal_end(bb, hh, qi, ki):
                    return qi + kvl - ql >= ki
                bm = create_block_mask(causal_end, None, None, ql, kvl, device=dev)
            else:
                bm = None
            fn = lambda: flex(q, k, v, block_mask=bm, enable_gqa=True)  # noqa: E731
            o = fn()
            torch.cuda.synchronize()
            row["flex"] = do_bench(fn, warmup=25, rep=200, return_mode="median")
            if ref is None:
                ref = o
        except Exception as e:  # noqa: BLE001
            row["flex"] = None
            row["flex_error"] = str(e).splitlines()[0][:200]
        if ref is None:
            kk = k.repeat_interleave(H // H_KV, 1).float()
            vv = v.repeat_interleave(H // H_KV, 1).float()
            ref = F.scaled_dot_product_attention(q.float(), kk, vv, attn_mask=mask)
        ref.float().cpu().numpy().tofile(os.path.join(d, "o_ref.f32"))
        results["shapes"][tag(shape)] = row
        print(tag(shape), {k2: (round(x * 1000, 1) if isinstance(x, float) else x) for k2, x in row.items()}, flush=True)
        del q, k, v, ref
        torch.cuda.empty_cache()
    with open(os.path.join(out_dir, "torch_decode.json"), "w") as f:
        json.dump(results, f)


def table(out_dir):
    with open(os.path.join(out_dir, "torch_decode.json")) as f:
        t = json.load(f)
    a = {}
    p = os.path.join(out_dir, "attnc_decode.json")
    if os.path.exists(p):
        for line in open(p):
            r = json.loads(line)
            a[r["shape"]] = r
    print(f"{t['device']}, torch {t['torch']}; H={H} H_KV={H_KV} D={D} bf16; microseconds (TB/s of K and V)")
    print("| B, Q_LEN, KV_LEN | cuDNN | SDPA FA2 | FlexAttention | attnc | attnc / cuDNN | attnc check |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for shape in SHAPES:
        row = t["shapes"].get(tag(shape), {})
        r = a.get(tag(shape), {})
        paged = [x for k2, x in a.items() if k2.startswith(tag(shape) + "p")]

        def cell(ms):
            return "fails" if ms is None else f"{ms * 1000:,.0f} ({kv_bytes(shape) / (ms * 1e-3) / 1e12:.2f})"
        am = r.get("ms")
        ratio = f"{row['cudnn'] / am:.2f}x" if am and row.get("cudnn") else "-"
        print(f"| {shape[0]}, {shape[1]}, {shape[2]} | {cell(row.get('cudnn'))} | {cell(row.get('sdpa_fa2'))} | "
              f"{cell(row.get('flex'))} | {cell(am)} | {ratio} | {r.get('check', '-')} |")
        for p in paged:
            pr = f"{row['cudnn'] / p['ms']:.2f}x" if row.get("cudnn") else "-"
            print(f"| {shape[0]}, {shape[1]}, {shape[2]}, attnc {p['kernel']} | | | | {cell(p['ms'])} | {pr} | {p['check']} |")


if __name__ == "__main__":
    {"torch": run_torch, "table": table}[sys.argv[1]](sys.argv[2])
