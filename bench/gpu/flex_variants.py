"""The benchmark's variants on PyTorch's side, shared by compare.py (the forward) and backward.py: their
parameters from samples/recipes.json at one shape (bench/recipes.py; they scale with S and equal the old
fixed values at S = 8192: sliding window S/8, prefix S/4, document lengths S/32 .. S/4, a 128-wide grid
with a 13 x 13 neighborhood), the pairs each keeps, and FlexAttention's mask_mod / score_mod for each (the
programs of samples/*.attn).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recipes  # noqa: E402  samples/recipes.json: the per-sample arguments, shared with the Java tests

SINK_WINDOW = 128  # gpt_oss_local: q - kv < 128


class Params:
    """The variants' arguments at B, H, S (= Q_LEN = KV_LEN), D."""

    def __init__(self, b, h, s, d):
        self.B, self.H, self.S, self.D = b, h, s, d
        self.recipes = recipes.load()
        sizes = {"B": b, "H": h, "Q_LEN": s, "KV_LEN": s, "D": d}

        def scalar(sample, name):
            return recipes.size(self.recipes[sample]["scalars"][name], sizes)

        def tensor_arg(sample, tensor, arg):
            return recipes.size(recipes.generator(self.recipes[sample]["tensors"][tensor])[1][arg], sizes)

        self.window, self.prefix = scalar("sliding_window", "window"), scalar("prefix_lm", "prefix")  # 1024, 2048 at S = 8192
        self.cap = scalar("softcap", "cap")                                                           # 30.0
        self.doc_min, self.doc_max = tensor_arg("document", "doc", "min"), tensor_arg("document", "doc", "max")  # 256, 2048
        # neighborhood_2d: a grid nb_w wide, S / nb_w high; a (2R+1) x (2R+1) = 13 x 13 window
        self.nb_w, self.nb_r = scalar("neighborhood_2d", "W"), scalar("neighborhood_2d", "R")

    def neighborhood_fits(self):
        return self.S % self.nb_w == 0 and self.S // self.nb_w >= 2 * self.nb_r + 1 and self.nb_w >= 2 * self.nb_r + 1

    def slopes(self):
        return recipes.alibi_slopes(self.H)

    def documents(self, seed=7):
        """Sorted document ids of random lengths (doc_min .. doc_max tokens) packed into S."""
        return recipes.documents(self.S, self.doc_min, self.doc_max, seed)

    def properties(self):
        """The arguments as the Java side's meta.properties lines (CudaBench.bind reads them)."""
        return (f"window={self.window}\nprefix={self.prefix}\ncap={self.cap}\nnb_w={self.nb_w}\nnb_r={self.nb_r}\n")

    def kept_pairs(self, name, doc):
        """Kept (q, kv) pairs of one (b, h), exactly."""
        S = self.S
        q = np.arange(S, dtype=np.int64)
        if name in ("full", "softcap", "sigmoid_full", "relative_bias"):
            return S * S
        if name in ("causal", "alibi", "sigmoid", "sinks"):
            return S * (S + 1) // 2
        if name == "sinks_local":
            return int(np.sum(np.minimum(q, SINK_WINDOW - 1) + 1))
        if name == "sliding_window":
            return int(np.sum(np.minimum(q, self.window) + 1))
        if name == "prefix_lm":
            return int(np.sum(np.maximum(q + 1, self.prefix)))
        if name == "document":
            _, counts = np.unique(doc, return_counts=True)
            return int(np.sum(counts.astype(np.int64) ** 2))
        if name == "neighborhood_2d":
            return sum(near_counts(S // self.nb_w, self.nb_r)) * sum(near_counts(self.nb_w, self.nb_r))
        raise ValueError(name)

    def mods(self, torch, doc_t, slopes_t, rel_t=None):
        """name -> (mask_mod, score_mod) for FlexAttention; rel_t: the learned relative-position table [H, 2S - 1]."""
        S, window, prefix, cap, nb_w, nb_r = self.S, self.window, self.prefix, self.cap, self.nb_w, self.nb_r
        nb_height = S // nb_w

        def causal(b, h, qi, ki):
            return qi >= ki

        def sliding(b, h, qi, ki):
            return (qi >= ki) & (qi - ki <= window)

        def document(b, h, qi, ki):
            return doc_t[qi] == doc_t[ki]

        def prefix_lm(b, h, qi, ki):
            return (ki < prefix) | (qi >= ki)

        def neighborhood(b, h, qi, ki):  # = samples/neighborhood_2d.attn, NATTEN's clamped window
            row, col = qi // nb_w, qi % nb_w
            krow, kcol = ki // nb_w, ki % nb_w
            crow = torch.clamp(row, nb_r, nb_height - 1 - nb_r)
            ccol = torch.clamp(col, nb_r, nb_w - 1 - nb_r)
            return ((krow - crow).abs() <= nb_r) & ((kcol - ccol).abs() <= nb_r)

        def local(b, h, qi, ki):
            return (qi >= ki) & (qi - ki < SINK_WINDOW)

        def alibi(score, b, h, qi, ki):
            return score + slopes_t[h] * (ki - qi)

        def softcap(score, b, h, qi, ki):
            return cap * torch.tanh(score / cap)

        def relative(score, b, h, qi, ki):
            return score + rel_t[h, ki - qi + S - 1]

        return {
            "full": (None, None), "causal": (causal, None), "sliding_window": (sliding, None), "alibi": (causal, alibi),
            "softcap": (None, softcap), "document": (document, None), "prefix_lm": (prefix_lm, None),
            "neighborhood_2d": (neighborhood, None), "relative_bias": (None, relative),
            "sinks": (causal, None), "sinks_local": (local, None),
        }


def near_counts(size, radius):
    """On one axis of length size: for each x, how many y satisfy |y - clamp(x, radius, size-1-radius)| <= radius
    (samples/neighborhood_2d.attn's `near`; NATTEN's clamped window centre)."""
    out = []
    for x in range(size):
        c = min(max(x, radius), size - 1 - radius)
        out.append(sum(1 for y in range(size) if abs(y - c) <= radius))
    return out
