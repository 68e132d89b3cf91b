"""samples/recipes.json read in Python, as runtime's test fixture dev.attnc.backend.Recipes reads it in Java.

A scalar recipe is a number or a size expression over Q_LEN, KV_LEN, H, D, B and S (= KV_LEN):
integers, + - * /, parentheses and max(a, b); / is integer floor division. A tensor recipe is
{generator: {args}}; see samples/README.md for the generators. Random generators use numpy here and
SplittableRandom in Java, so their values differ between the languages; their parameters do not.
"""
import json
import os
import re

import numpy as np

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "recipes.json")
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(.))")


def load(path=PATH):
    with open(path) as f:
        return json.load(f)


def size(expr, sizes):
    """An int or float constant as it is; a size expression evaluated with integer floor division."""
    if isinstance(expr, (int, float)):
        return expr
    tokens = [m.groups() for m in _TOKEN.finditer(expr) if m.group(0).strip()]
    env = dict(sizes, S=sizes["KV_LEN"])
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else (None, None, None)

    def take(op):
        nonlocal pos
        if peek()[2] != op:
            raise ValueError(f"recipe {expr!r}: expected {op!r}")
        pos += 1

    def atom():
        nonlocal pos
        num, name, op = peek()
        pos += 1
        if num is not None:
            return int(num)
        if name == "max":
            take("("); a = additive(); take(","); b = additive(); take(")")
            return max(a, b)
        if name is not None:
            if name not in env:
                raise ValueError(f"recipe {expr!r}: unknown size {name}")
            return env[name]
        if op == "(":
            v = additive(); take(")")
            return v
        if op == "-":
            return -atom()
        raise ValueError(f"recipe {expr!r}: unexpected {op!r}")

    def term():
        nonlocal pos
        v = atom()
        while peek()[2] in ("*", "/"):
            op = peek()[2]; pos += 1
            r = atom()
            v = v * r if op == "*" else v // r
        return v

    def additive():
        nonlocal pos
        v = term()
        while peek()[2] in ("+", "-"):
            op = peek()[2]; pos += 1
            r = term()
            v = v + r if op == "+" else v - r
        return v

    value = additive()
    if pos != len(tokens):
        raise ValueError(f"recipe {expr!r}: trailing input")
    return value


def scalars(recipe, sizes):
    return {k: size(v, sizes) for k, v in recipe.get("scalars", {}).items()}


def generator(spec):
    """(name, args) of a tensor recipe {name: args}."""
    (name, args), = spec.items()
    return name, args


def alibi_slopes(h):
    return np.array([2.0 ** (-8.0 * (i + 1) / h) for i in range(h)], dtype=np.float32)


def documents(n, lo, hi, seed=7):
    """Sorted document ids of random lengths lo .. hi (inclusive) packed into n tokens."""
    rng = np.random.default_rng(seed)
    ids, doc = [], 0
    while len(ids) < n:
        ids += [doc] * int(rng.integers(lo, hi + 1))
        doc += 1
    return np.array(ids[:n], dtype=np.int32)
